package providertest

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// The DCV loop: Verify, WaitValidated and Download.

// checkable is a pending certificate of the scenario and the method to verify it with:
// a non-email challenge type every one of its domains has.
type checkable struct {
	cert    model.Certificate
	method  model.ChallengeType
	domains []string
}

// checkables returns the pending certificates of f.Want that can be verified, by id.
func checkables(f *Fake) []checkable {
	var out []checkable
	for _, c := range f.Want.Certificates {
		chs := f.Want.Challenges[c.ID]
		if c.Status != model.StatusPending || len(chs) == 0 {
			continue
		}
		byType := map[model.ChallengeType]map[string]bool{}
		domains := map[string]bool{}
		for _, ch := range chs {
			domains[ch.Domain] = true
			if byType[ch.Type] == nil {
				byType[ch.Type] = map[string]bool{}
			}
			byType[ch.Type][ch.Domain] = true
		}
		for _, t := range []model.ChallengeType{model.ChallengeDNSTXT, model.ChallengeDNSCNAME, model.ChallengeHTTPFile, model.ChallengeHTTPSFile} {
			if len(byType[t]) == len(domains) {
				names := make([]string, 0, len(domains))
				for d := range domains {
					names = append(names, d)
				}
				sort.Strings(names)
				out = append(out, checkable{c, t, names})
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].cert.ID < out[j].cert.ID })
	return out
}

// certWith returns the first certificate of f.Want in status st.
func certWith(f *Fake, st model.CertificateStatus) (model.Certificate, bool) {
	for _, c := range f.Want.Certificates {
		if c.Status == st {
			return c, true
		}
	}
	return model.Certificate{}, false
}

// domainStates maps each domain of chs to valid when one of its challenges is valid,
// else to the first failed or other state; problems holds each failed domain's Problem.
func domainStates(chs []model.Challenge) (states map[string]model.ValidationStatus, problems map[string]string) {
	states, problems = map[string]model.ValidationStatus{}, map[string]string{}
	for _, ch := range chs {
		switch prev, seen := states[ch.Domain]; {
		case ch.Status == model.ValidationValid:
			states[ch.Domain] = model.ValidationValid
		case ch.Status == model.ValidationFailed && prev != model.ValidationValid:
			states[ch.Domain] = model.ValidationFailed
			if problems[ch.Domain] == "" {
				problems[ch.Domain] = ch.Problem
			}
		case !seen:
			states[ch.Domain] = ch.Status
		}
	}
	return states, problems
}

func (s *suite) testVerify(t *testing.T) {
	if !s.h.Capabilities.Verifier {
		f, p := s.start(t)
		_, isVerifier := p.(anyca.Verifier)
		if isVerifier {
			_, err := p.(anyca.Verifier).Verify(ctxFor(t), wantIDs(f)[0], "")
			assert.NoError(t, checkKind(err, model.ErrUnsupported, s.h.Name), "Verify without the Verifier capability")
			return
		}
		_, err := anyca.Verify(ctxFor(t), p, wantIDs(f)[0], "")
		assert.NoError(t, checkKind(err, model.ErrUnsupported, s.h.Name), "anyca.Verify of a provider that is not a Verifier")
		return
	}
	t.Run("PublishedThenValid", s.testVerifyLoop)
	t.Run("WaitValidated", s.testWaitValidated)
	t.Run("Refusals", s.testVerifyRefusals)
}

// testVerifyLoop: pending; verify unpublished -> failed with a Problem; publish; verify
// -> valid, and Challenges agrees. When a refused check is final
// (Capabilities.RefusedCheckIsFinal), the second check leaves the refused certificate
// failed with its Problem, and another pending certificate, published first, is the
// one verified valid.
func (s *suite) testVerifyLoop(t *testing.T) {
	f, p := s.start(t)
	require.NotNil(t, f.Publish, "Fake.Publish is nil but the harness declares Verifier")
	cs := checkables(f)
	require.NotEmpty(t, cs, "the scenario has no pending certificate with a checkable method")
	c := cs[0]
	v := p.(anyca.Verifier)
	ctx := ctxFor(t)

	before, err := p.Challenges(ctx, c.cert.ID)
	require.NoError(t, err)
	for d, st := range mustStates(before) {
		assert.NotEqual(t, model.ValidationValid, st, "%s is valid before anything was published", d)
	}

	got, err := v.Verify(ctx, c.cert.ID, c.method)
	require.NoError(t, err, "Verify(%s, %s) before publishing: a refused check is an answer, not an error", c.cert.ID, c.method)
	got = s.settled(t, p, c, got)
	states, problems := domainStates(got)
	for _, d := range c.domains {
		assert.Equal(t, model.ValidationFailed, states[d], "%s: verified before it was published", d)
		assert.NotEmpty(t, problems[d], "%s failed without a Problem saying what the CA found", d)
	}

	for _, d := range c.domains {
		f.Publish(d)
	}
	if s.h.Capabilities.RefusedCheckIsFinal {
		s.checkRefusalFinal(t, p, c, problems)
		require.Greater(t, len(cs), 1, "a CA whose refused checks are final needs a second pending certificate to verify")
		c = cs[1]
		for _, d := range c.domains {
			f.Publish(d)
		}
	}
	got, err = v.Verify(ctx, c.cert.ID, c.method)
	require.NoError(t, err, "Verify after publishing")
	got = s.settled(t, p, c, got)
	states, _ = domainStates(got)
	for _, d := range c.domains {
		assert.Equal(t, model.ValidationValid, states[d], "%s: published but not valid after Verify", d)
	}
	after, err := p.Challenges(ctx, c.cert.ID)
	require.NoError(t, err)
	states, _ = domainStates(after)
	for _, d := range c.domains {
		assert.Equal(t, model.ValidationValid, states[d], "%s: Challenges after a passing Verify", d)
	}
}

// checkRefusalFinal checks, for a CA whose refused checks are final, that c's domains,
// refused with problems and published since, stay failed with the CA's Problem under a
// second Verify (or that Verify refuses with model.ErrFailedPrecondition), and that
// Challenges agrees.
func (s *suite) checkRefusalFinal(t *testing.T, p anyca.Provider, c checkable, problems map[string]string) {
	t.Helper()
	ctx := ctxFor(t)
	got, err := p.(anyca.Verifier).Verify(ctx, c.cert.ID, c.method)
	if err != nil {
		assert.NoError(t, checkKind(err, model.ErrFailedPrecondition, s.h.Name), "Verify after a final refusal")
	} else {
		states, _ := domainStates(s.settled(t, p, c, got))
		for _, d := range c.domains {
			assert.Equal(t, model.ValidationFailed, states[d], "%s: a refused check is final, but a second Verify changed it", d)
		}
	}
	after, err := p.Challenges(ctx, c.cert.ID)
	require.NoError(t, err, "Challenges after a final refusal")
	states, kept := domainStates(after)
	for _, d := range c.domains {
		assert.Equal(t, model.ValidationFailed, states[d], "%s: Challenges after a final refusal", d)
		assert.Equal(t, problems[d], kept[d], "%s: the CA's Problem is not kept after a final refusal", d)
	}
}

// settled returns got, or, when Verify may return before the CA decides
// (Capabilities.AsyncVerify), the challenges of c read again until none of its domains
// is pending (the test's context bounds the wait).
func (s *suite) settled(t *testing.T, p anyca.Provider, c checkable, got []model.Challenge) []model.Challenge {
	t.Helper()
	if !s.h.Capabilities.AsyncVerify {
		return got
	}
	ctx := ctxFor(t)
	for {
		states := mustStates(got)
		pending := false
		for _, d := range c.domains {
			pending = pending || states[d] == model.ValidationPending
		}
		if !pending {
			return got
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the domains of %s are still pending after Verify: %v", c.cert.ID, states)
		case <-time.After(5 * time.Millisecond):
		}
		var err error
		got, err = p.Challenges(ctx, c.cert.ID)
		require.NoError(t, err, "Challenges while the CA checks %s", c.cert.ID)
	}
}

func mustStates(chs []model.Challenge) map[string]model.ValidationStatus {
	st, _ := domainStates(chs)
	return st
}

// asyncPolls bounds the polls of a wait on a CA that decides after Verify returns
// (Capabilities.AsyncVerify): enough for a loopback CA to decide, and a bound.
const asyncPolls = 1000

// testWaitValidated: WaitValidated polls a pending certificate, the challenges are
// published while it waits, and its next Verify poll sees every domain valid.
func (s *suite) testWaitValidated(t *testing.T) {
	f, p := s.start(t)
	cs := checkables(f)
	require.NotEmpty(t, cs)
	c := cs[0]
	ctx := ctxFor(t)
	// A CA that decides after Verify returns (AsyncVerify) needs the polls after it
	// too; its wait still ends at the first poll that sees every domain valid.
	async := s.h.Capabilities.AsyncVerify
	maxPolls := 10
	if async {
		maxPolls = asyncPolls
	}
	sleeps, polls := 0, 0
	published := false
	got, err := anyca.WaitValidated(ctx, p, c.cert.ID, anyca.WaitOptions{
		Min: time.Millisecond, Max: 2 * time.Millisecond, MaxPolls: maxPolls, VerifyEvery: 3, Method: c.method,
		Progress: func(wp anyca.WaitProgress) {
			polls++
			if !published {
				assert.Less(t, wp.Valid, wp.Domains, "poll %d: valid before anything was published", wp.Poll)
			}
		},
		Sleep: func(ctx context.Context, d time.Duration) error {
			sleeps++
			if sleeps == 2 {
				for _, dom := range c.domains {
					f.Publish(dom)
				}
				published = true
			}
			return ctx.Err()
		},
	})
	require.NoError(t, err, "WaitValidated across publication")
	if async {
		assert.GreaterOrEqual(t, polls, 3, "two Challenges polls, then a Verify poll after publication, then reads until the CA decides")
	} else {
		assert.Equal(t, 3, polls, "two Challenges polls, then a Verify poll after publication")
	}
	states, _ := domainStates(got)
	for _, d := range c.domains {
		assert.Equal(t, model.ValidationValid, states[d], d)
	}

	// Unpublished: the wait ends with the CA's Problem kept.
	if len(cs) > 1 {
		u := cs[1]
		opt := anyca.WaitOptions{Min: time.Millisecond, Max: time.Millisecond, MaxPolls: 3, VerifyEvery: 1, Method: u.method}
		if async {
			// The CA decides after Verify returns: ask once, then only read until it has
			// (a CA whose refusals are final would refuse a second Verify outright).
			_, err := p.(anyca.Verifier).Verify(ctx, u.cert.ID, u.method)
			require.NoError(t, err, "Verify of an unpublished certificate")
			opt.VerifyEvery, opt.MaxPolls = -1, asyncPolls
		}
		_, err := anyca.WaitValidated(ctx, p, u.cert.ID, opt)
		assert.NoError(t, checkKind(err, model.ErrFailedPrecondition, s.h.Name), "WaitValidated of an unpublished certificate")
		var vf *anyca.ValidationFailedError
		if assert.ErrorAs(t, err, &vf) && assert.NotEmpty(t, vf.Failed) {
			assert.NotEmpty(t, vf.Failed[0].Problem, "the failed domain's Problem is kept")
		}
	}
}

func (s *suite) testVerifyRefusals(t *testing.T) {
	f, p := s.start(t)
	v := p.(anyca.Verifier)
	ctx := ctxFor(t)
	issued, ok := certWith(f, model.StatusIssued)
	require.True(t, ok, "the scenario has no issued certificate")
	_, err := v.Verify(ctx, issued.ID, "")
	assert.NoError(t, checkKind(err, model.ErrFailedPrecondition, s.h.Name), "Verify of an issued certificate")
	if revoked, ok := certWith(f, model.StatusRevoked); ok {
		_, err = v.Verify(ctx, revoked.ID, "")
		assert.NoError(t, checkKind(err, model.ErrFailedPrecondition, s.h.Name), "Verify of a revoked certificate")
	}
	id := s.unknownCertificateID(f)
	_, err = v.Verify(ctx, id, "")
	assert.NoError(t, checkKind(err, model.ErrNotFound, s.h.Name), "Verify of an unknown id")

	cs := checkables(f)
	require.NotEmpty(t, cs)
	before := f.Requests()
	_, err = v.Verify(ctx, cs[0].cert.ID, "carrier-pigeon")
	assert.NoError(t, checkKind(err, model.ErrInvalidArgument, s.h.Name), "Verify with a method no CA has")
	assert.Equal(t, before, f.Requests(), "Verify with a method no CA has sent a request")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	before = f.Requests()
	_, err = v.Verify(cancelled, cs[0].cert.ID, cs[0].method)
	assert.ErrorIs(t, err, context.Canceled, "Verify with a cancelled context")
	assert.Equal(t, before, f.Requests(), "Verify with a cancelled context sent a request")
}

func (s *suite) testDownload(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	if !s.h.Capabilities.Downloader {
		_, err := anyca.Download(ctx, p, wantIDs(f)[0])
		assert.NoError(t, checkKind(err, model.ErrUnsupported, s.h.Name), "Download without the Downloader capability")
		return
	}
	require.NotNil(t, f.Roots, "Fake.Roots is nil but the harness declares Downloader")
	d, ok := p.(anyca.Downloader)
	require.True(t, ok, "the harness declares Downloader but the provider is not an anyca.Downloader")
	n := 0
	for _, c := range f.Want.Certificates {
		if c.Status != model.StatusIssued {
			continue
		}
		n++
		b, err := d.Download(ctx, c.ID)
		if !assert.NoError(t, err, "Download(%s)", c.ID) {
			continue
		}
		assert.NoError(t, checkBundle(b, c, f.Roots), "Download(%s)", c.ID)
	}
	assert.Positive(t, n, "the scenario has no issued certificate")
	for _, st := range []model.CertificateStatus{model.StatusPending, model.StatusRevoked} {
		c, ok := certWith(f, st)
		if !ok {
			continue
		}
		b, err := d.Download(ctx, c.ID)
		assert.Nil(t, b, "Download of a %s certificate returned a bundle", st)
		assert.NoError(t, checkKind(err, model.ErrFailedPrecondition, s.h.Name), "Download of a %s certificate", st)
	}
	_, err := d.Download(ctx, s.unknownCertificateID(f))
	assert.NoError(t, checkKind(err, model.ErrNotFound, s.h.Name), "Download of an unknown id")

	issued, _ := certWith(f, model.StatusIssued)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	before := f.Requests()
	b, err := d.Download(cancelled, issued.ID)
	assert.Nil(t, b)
	assert.ErrorIs(t, err, context.Canceled, "Download with a cancelled context")
	assert.Equal(t, before, f.Requests(), "Download with a cancelled context sent a request")
}

// checkBundle checks that b is want's certificate and verifies against roots.
func checkBundle(b *model.Bundle, want model.Certificate, roots *x509.CertPool) error {
	if b == nil || b.Leaf == nil {
		return fmt.Errorf("no leaf")
	}
	if len(b.PEM) == 0 {
		return fmt.Errorf("no PEM")
	}
	inter := x509.NewCertPool()
	for _, c := range b.Intermediates {
		inter.AddCert(c)
	}
	at := b.Leaf.NotBefore.Add(time.Second)
	if _, err := b.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at}); err != nil {
		return fmt.Errorf("the chain does not verify against the fake's root: %w", err)
	}
	if want.SerialNumber != "" {
		n, ok := new(big.Int).SetString(want.SerialNumber, 16)
		if !ok || n.Cmp(b.Leaf.SerialNumber) != 0 {
			return fmt.Errorf("leaf serial %x, the certificate's is %s", b.Leaf.SerialNumber, want.SerialNumber)
		}
	}
	// The CA's dates, within two days (CAs report them rounded): a leaf of the same
	// names that expired years ago is not the certificate.
	for _, d := range []struct {
		name      string
		got, want time.Time
	}{{"not after", b.Leaf.NotAfter, want.NotAfter}, {"not before", b.Leaf.NotBefore, want.NotBefore}} {
		if !d.want.IsZero() && (d.got.Sub(d.want) > 48*time.Hour || d.want.Sub(d.got) > 48*time.Hour) {
			return fmt.Errorf("leaf %s %s, the certificate's is %s", d.name, d.got.UTC().Format(time.RFC3339), d.want.UTC().Format(time.RFC3339))
		}
	}
	// In the order sent, each certificate is signed by the next.
	sent := append([]*x509.Certificate{b.Leaf}, b.Intermediates...)
	for i := 0; i+1 < len(sent); i++ {
		if err := sent[i].CheckSignatureFrom(sent[i+1]); err != nil {
			return fmt.Errorf("chain link broken: certificate %d is not signed by certificate %d: %w", i+1, i+2, err)
		}
	}
	if want.FingerprintSHA1 != "" {
		sum := sha1.Sum(b.Leaf.Raw)
		if got := hex.EncodeToString(sum[:]); got != want.FingerprintSHA1 {
			return fmt.Errorf("leaf SHA-1 %s, the certificate's is %s", got, want.FingerprintSHA1)
		}
	}
	for _, n := range want.DNSNames {
		if err := b.Leaf.VerifyHostname(n); err != nil {
			return fmt.Errorf("the leaf does not name %s: %w", n, err)
		}
	}
	return nil
}
