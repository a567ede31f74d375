package anyca_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// noSleep is WaitOptions.Sleep for tests: no real waiting, ctx still honoured.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func zerosslProvider(t *testing.T) (*zerossltest.Server, anyca.Provider) {
	t.Helper()
	srv := zerossltest.NewServer()
	t.Cleanup(srv.Close)
	p, err := anyca.New(context.Background(), anyca.Config{Provider: "zerossl", APIKey: srv.APIKey, BaseURL: srv.URL,
		Retry: retry.Config{RequestsPerSecond: -1}}) // no client-side limit: no real waiting
	require.NoError(t, err)
	return srv, p
}

// ZeroSSL checks a pending certificate only when asked: the zero WaitOptions must ask,
// so that a published challenge ends the wait valid instead of polling until MaxPolls.
func TestWaitDefaultAsksACAThatChecksOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	srv, p := zerosslProvider(t)
	cert := srv.AddCertificate(model.Certificate{CommonName: "wait.example.com", Status: model.StatusPending})
	chs, err := anyca.Verify(ctx, p, cert.ID, model.ChallengeDNSCNAME) // chooses the method; not published yet
	require.NoError(t, err)
	require.Equal(t, model.ValidationFailed, chs[0].Status)
	srv.Publish("wait.example.com")

	chs, err = anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{MaxPolls: 5, Sleep: noSleep})
	require.NoError(t, err, "the default wait must ask ZeroSSL to check")
	for _, ch := range chs {
		assert.Equal(t, model.ValidationValid, ch.Status, "%s %s", ch.Domain, ch.Type)
	}

	// VerifyEvery < 0 never asks: the wait only reads, and runs out of polls.
	other := srv.AddCertificate(model.Certificate{CommonName: "read.example.com", Status: model.StatusPending})
	_, err = anyca.Verify(ctx, p, other.ID, model.ChallengeDNSCNAME)
	require.NoError(t, err)
	srv.Publish("read.example.com")
	before := srv.VerifyRequests()
	_, err = anyca.WaitValidated(ctx, p, other.ID, anyca.WaitOptions{MaxPolls: 3, VerifyEvery: -1, Sleep: noSleep})
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Contains(t, err.Error(), "0 of 1 domains valid")
	assert.Equal(t, before, srv.VerifyRequests(), "VerifyEvery -1 must not ask")
}

// An email check sends the emails again: the default never sends it, an explicit
// VerifyEvery at most once per wait. A certificate with no method chosen is not asked
// either (Verify would refuse it).
func TestWaitNeverResendsEmail(t *testing.T) {
	ctx := context.Background()
	srv, p := zerosslProvider(t)
	cert := srv.AddCertificate(model.Certificate{CommonName: "mail.example.com", Status: model.StatusPending})
	_, err := anyca.Verify(ctx, p, cert.ID, model.ChallengeEmail)
	require.NoError(t, err)
	require.EqualValues(t, 1, srv.EmailsSent())

	_, err = anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{MaxPolls: 4, Sleep: noSleep})
	assert.ErrorIs(t, err, model.ErrUnavailable, "nothing approves the email: the wait runs out")
	assert.EqualValues(t, 1, srv.EmailsSent(), "the default wait re-sent the DCV emails")

	_, _ = anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{MaxPolls: 4, VerifyEvery: 1, Sleep: noSleep})
	assert.EqualValues(t, 2, srv.EmailsSent(), "VerifyEvery 1 with email: one check per wait, not one per poll")

	fresh := srv.AddCertificate(model.Certificate{CommonName: "new.example.com", Status: model.StatusPending})
	before := srv.VerifyRequests()
	_, err = anyca.WaitValidated(ctx, p, fresh.ID, anyca.WaitOptions{MaxPolls: 3, Sleep: noSleep})
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, before, srv.VerifyRequests(), "no method chosen: the default must not ask")
}

// Verify with no method on a ZeroSSL certificate that has none names the methods the
// certificate accepts.
func TestVerifyWithoutMethodListsTheMethods(t *testing.T) {
	srv, p := zerosslProvider(t)
	cert := srv.AddCertificate(model.Certificate{CommonName: "none.example.com", Status: model.StatusPending})
	_, err := anyca.Verify(context.Background(), p, cert.ID, "")
	require.ErrorIs(t, err, model.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "name one of dns-cname, http-file, https-file, email")
	assert.EqualValues(t, 0, srv.VerifyRequests())
}

// The sim's and the fake's DigiCert move an order on only at check-dcv: the default wait
// asks (check-dcv is free and safe to repeat).
func TestWaitDefaultAsksDigiCert(t *testing.T) {
	ctx := context.Background()
	srv := digicerttest.NewServer()
	t.Cleanup(srv.Close)
	order := srv.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(order.ID, []model.Challenge{{Domain: "shop.example.com", Type: model.ChallengeDNSTXT, Status: model.ValidationPending}})
	p, err := anyca.New(ctx, anyca.Config{Provider: "digicert", APIKey: srv.APIKey, BaseURL: srv.URL})
	require.NoError(t, err)
	srv.Publish("shop.example.com")
	chs, err := anyca.WaitValidated(ctx, p, order.ID, anyca.WaitOptions{MaxPolls: 4, Sleep: noSleep})
	require.NoError(t, err)
	assert.Equal(t, model.ValidationValid, chs[0].Status)
}

// UntilValid: a refused proof is checked again until it passes, each refusal reported as
// it comes; without it the first refusal ends the wait.
func TestWaitUntilValidRechecksRefusedProofs(t *testing.T) {
	ctx := context.Background()
	srv, p := zerosslProvider(t)
	cert := srv.AddCertificate(model.Certificate{CommonName: "dns.example.com", Status: model.StatusPending})
	_, err := anyca.Verify(ctx, p, cert.ID, model.ChallengeDNSCNAME)
	require.NoError(t, err)

	_, err = anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{MaxPolls: 5, Sleep: noSleep})
	var vf *anyca.ValidationFailedError
	require.True(t, errors.As(err, &vf), "without UntilValid the first refusal ends the wait: %v", err)

	var problems []string
	chs, err := anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{MaxPolls: 10, UntilValid: true, Sleep: noSleep,
		Progress: func(wp anyca.WaitProgress) {
			for _, f := range wp.Failed {
				problems = append(problems, f.Problem)
			}
			if wp.Poll == 3 { // DNS has propagated
				srv.Publish("dns.example.com")
			}
		}})
	require.NoError(t, err)
	assert.Equal(t, model.ValidationValid, chs[0].Status)
	require.Len(t, problems, 2, "polls 2 and 3 (checks) were refused, poll 4 passed")
	assert.True(t, strings.Contains(problems[0], "CNAME"), problems[0])

	// Until the context ends: the error says how many domains are valid.
	other := srv.AddCertificate(model.Certificate{CommonName: "never.example.com", Status: model.StatusPending})
	_, err = anyca.Verify(ctx, p, other.ID, model.ChallengeDNSCNAME)
	require.NoError(t, err)
	cctx, cancel := context.WithCancel(ctx)
	_, err = anyca.WaitValidated(cctx, p, other.ID, anyca.WaitOptions{UntilValid: true, Sleep: noSleep,
		Progress: func(wp anyca.WaitProgress) {
			if wp.Poll == 4 {
				cancel()
			}
		}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "0 of 1 domains valid when the wait ended")
}
