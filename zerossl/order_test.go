package zerossl_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ anyca.Orderer     = (*zerossl.Client)(nil)
	_ anyca.Revoker     = (*zerossl.Client)(nil)
	_ anyca.Canceller   = (*zerossl.Client)(nil)
	_ anyca.OrderFinder = (*zerossl.Client)(nil)
)

func orderClient(t *testing.T, opts ...zerossltest.Option) (*zerossltest.Server, *zerossl.Client) {
	t.Helper()
	srv := zerossltest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL,
		Retry: retry.Config{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, RequestsPerSecond: -1}})
	require.NoError(t, err)
	return srv, c
}

func orderReq(names ...string) model.OrderRequest {
	return model.OrderRequest{Names: names, CSR: providertest.NewCSR(names...)}
}

func requireKind(t *testing.T, err error, kind error) *model.Error {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	return me
}

// TestOrderStrictAndValidity: strict_domains=1 (no www twin added), validity 90 or 365
// days, never longer than asked, and under 90 days refused before any request.
func TestOrderStrictAndValidity(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t)
	cert, err := c.Order(ctx, orderReq("shop.example.com"))
	require.NoError(t, err)
	assert.Equal(t, []string{"shop.example.com"}, cert.DNSNames, "strict_domains=1: no www twin")
	assert.Equal(t, model.StatusDraft, cert.Status)
	for _, tt := range []struct {
		ask     time.Duration
		product string
	}{{200 * 24 * time.Hour, "90-day"}, {2 * 365 * 24 * time.Hour, "1-year"}} {
		req := orderReq("v.example.com")
		req.Validity = tt.ask
		cert, err := c.Order(ctx, req)
		require.NoError(t, err)
		assert.Contains(t, cert.Product, tt.product, "asked %s", tt.ask)
	}
	before := srv.Requests()
	req := orderReq("v.example.com")
	req.Validity = 30 * 24 * time.Hour
	_, err = c.Order(ctx, req)
	requireKind(t, err, model.ErrInvalidArgument)
	req = orderReq("v.example.com")
	req.Product = "ssl_basic"
	_, err = c.Order(ctx, req)
	requireKind(t, err, model.ErrInvalidArgument)
	req = orderReq("v.example.com")
	req.Replaces = "not/an-id" // ids are opaque; one holding '/' can never be one
	_, err = c.Order(ctx, req)
	requireKind(t, err, model.ErrInvalidArgument)
	assert.Equal(t, before, srv.Requests())
}

// TestOrderPlanLimit: 2817 is its own error, not invalid argument.
func TestOrderPlanLimit(t *testing.T) {
	ctx := context.Background()
	_, c := orderClient(t, zerossltest.WithQuota(1))
	_, err := c.Order(ctx, orderReq("one.example.com"))
	require.NoError(t, err)
	_, err = c.Order(ctx, orderReq("two.example.com"))
	me := requireKind(t, err, model.ErrFailedPrecondition)
	assert.ErrorIs(t, err, zerossl.ErrPlanLimit)
	assert.NotErrorIs(t, err, model.ErrInvalidArgument)
	assert.Contains(t, me.Code, "2817")
}

// TestReplace: replacement_for_certificate; a second replacement is 2813,
// ErrFailedPrecondition.
func TestReplace(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t)
	old := srv.AddCertificate(model.Certificate{CommonName: "r.example.com", Status: model.StatusIssued,
		NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	req := orderReq("r.example.com")
	req.Replaces = old.ID
	cert, err := c.Order(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, old.ID, cert.ReplacesID)
	_, err = c.Order(ctx, req)
	me := requireKind(t, err, model.ErrFailedPrecondition)
	assert.Contains(t, me.Code, "2813")
}

// TestRevokeAndCancel: reasons in ZeroSSL's spelling, revoke and cancel idempotent, and
// nothing reported done that is not.
func TestRevokeAndCancel(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t)
	issued := srv.AddCertificate(model.Certificate{CommonName: "i.example.com", Status: model.StatusIssued,
		NotAfter: time.Now().Add(10 * 24 * time.Hour)})
	require.NoError(t, c.Revoke(ctx, issued.ID, model.ReasonSuperseded))
	got, err := c.Certificate(ctx, issued.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusRevoked, got.Status)
	require.NoError(t, c.Revoke(ctx, issued.ID, model.ReasonKeyCompromise), "already revoked is done")

	draft, err := c.Order(ctx, orderReq("d.example.com"))
	require.NoError(t, err)
	requireKind(t, c.Revoke(ctx, draft.ID, model.ReasonUnspecified), model.ErrFailedPrecondition)
	require.NoError(t, c.Cancel(ctx, draft.ID))
	got, err = c.Certificate(ctx, draft.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusCancelled, got.Status)
	require.NoError(t, c.Cancel(ctx, draft.ID), "already cancelled is done")
	requireKind(t, c.Cancel(ctx, issued.ID), model.ErrFailedPrecondition)

	for r, want := range map[model.RevocationReason]string{model.ReasonUnspecified: "Unspecified",
		model.ReasonSuperseded: "Superseded", model.ReasonKeyCompromise: "keyCompromise",
		model.ReasonAffiliationChanged: "affiliationChanged", model.ReasonCessationOfOperation: "cessationOfOperation"} {
		got, ok := zerossl.RevocationReason(r)
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	requireKind(t, c.Revoke(ctx, issued.ID, "because"), model.ErrInvalidArgument)
}

// loseFirst carries out the first request whose path ends with suffix and reports its
// answer lost.
type loseFirst struct {
	suffix string
	lost   bool
}

func (l *loseFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && !l.lost && strings.HasSuffix(r.URL.Path, l.suffix) {
		l.lost = true
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestCancelLostAnswer: a cancel whose answer was lost is sent again; ZeroSSL then says
// certificate_cannot_be_cancelled (code 2834), and the certificate reads cancelled: done.
func TestCancelLostAnswer(t *testing.T) {
	ctx := context.Background()
	srv := zerossltest.NewServer()
	t.Cleanup(srv.Close)
	c, err := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL, HTTPClient: &http.Client{Transport: &loseFirst{suffix: "/cancel"}},
		Retry: retry.Config{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, RequestsPerSecond: -1}})
	require.NoError(t, err)
	draft, err := c.Order(ctx, orderReq("l.example.com"))
	require.NoError(t, err)
	require.NoError(t, c.Cancel(ctx, draft.ID))
	assert.Equal(t, int64(2), srv.EndpointRequests()["POST /certificates/{id}/cancel"])
}
