package reliability_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fake is what the reliability tests need from a harness's fake.
type fake interface {
	FailNext(n int, f fakeca.Fault)
	SetChaos(rate float64, seed uint64, kinds ...fakeca.FaultKind)
	Requests() int64
	Injected() map[fakeca.FaultKind]int
	Close()
}

// harnessFake gives a providertest.Fake's functions the methods of fake.
type harnessFake struct{ f *providertest.Fake }

func (h harnessFake) FailNext(n int, f fakeca.Fault) { h.f.FailNext(n, f) }
func (h harnessFake) SetChaos(rate float64, seed uint64, kinds ...fakeca.FaultKind) {
	h.f.SetChaos(rate, seed, kinds...)
}
func (h harnessFake) Requests() int64                    { return h.f.Requests() }
func (h harnessFake) Injected() map[fakeca.FaultKind]int { return h.f.Injected() }
func (h harnessFake) Close()                             { h.f.Close() }

// startFake starts h's fake seeded with sc and checks it has what these tests use.
func startFake(t *testing.T, h providertest.Harness, sc providertest.Scenario) (*providertest.Fake, fake) {
	t.Helper()
	if !h.Capabilities.Chaos {
		t.Fatalf("harness %q does not declare Chaos: the reliability tests need the fake's fault injector", h.Name)
	}
	f := h.Start(t, sc)
	if f.FailNext == nil || f.SetChaos == nil || f.Injected == nil || f.Requests == nil || f.Close == nil {
		t.Fatalf("harness %q: the fake needs FailNext, SetChaos, Injected, Requests and Close", h.Name)
	}
	return f, harnessFake{f}
}

// newHTTPClient returns a client with a transport of its own, so a test can close its
// idle connections without touching http.DefaultTransport.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// chaosRetry retries quickly and often, with no client-side rate limit.
var chaosRetry = retry.Config{MaxAttempts: 8, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, RequestsPerSecond: -1}

// newProvider builds a provider reaching f with retry config rc and its own HTTP
// client, and registers a cleanup that closes the client's idle connections.
func newProvider(t testing.TB, f *providertest.Fake, rc retry.Config) (anyca.Provider, *http.Client) {
	t.Helper()
	hc := newHTTPClient()
	cfg := f.Config
	cfg.Retry, cfg.HTTPClient = rc, hc
	p, err := anyca.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("anyca.New(%s): %v", cfg.Provider, err)
	}
	t.Cleanup(hc.CloseIdleConnections)
	return p, hc
}

// verifyNoLeaks closes the fake and the client's idle connections, then fails t if a
// goroutine started since snapshot is still running.
func verifyNoLeaks(t *testing.T, snapshot goleak.Option, f fake, hc *http.Client) {
	t.Helper()
	f.Close()
	hc.CloseIdleConnections()
	goleak.VerifyNone(t, snapshot)
}

// faultDelta is the faults injected between two Injected snapshots.
func faultDelta(before, after map[fakeca.FaultKind]int) map[fakeca.FaultKind]int {
	d := map[fakeca.FaultKind]int{}
	for k, v := range after {
		if n := v - before[k]; n != 0 {
			d[k] = n
		}
	}
	return d
}

func total(m map[fakeca.FaultKind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// formatFaults prints faults by kind in a fixed order: "rate-limit 5, server-error 4, ...".
func formatFaults(m map[fakeca.FaultKind]int) string {
	var parts []string
	for _, k := range fakeca.AllFaults() {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// sortedKeys returns m's keys, sorted, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// watchdog runs call and fails the test if it has not returned within 5 s (a hang, not
// a slow machine). It returns call's error and when call returned.
//
//lint:ignore ST1008 the error is the main result; the time is for timing assertions
func watchdog(t *testing.T, call func() error) (error, time.Time) {
	t.Helper()
	type result struct {
		err error
		at  time.Time
	}
	done := make(chan result, 1)
	go func() {
		err := call()
		done <- result{err, time.Now()}
	}()
	select {
	case r := <-done:
		return r.err, r.at
	case <-time.After(5 * time.Second):
		t.Fatalf("call did not return within 5 s of starting (ctx cancellation ignored?)")
		return nil, time.Time{}
	}
}

// fixture is a running fake seeded with a small account, for the concurrency, leak and
// context tests.
type fixture struct {
	adapter string
	fake    *providertest.Fake
	srv     fake
	certIDs []string // the certificates as the CA reports them
	domains []string // a name DomainValidation knows, one per certificate
}

// newFixture starts h's fake with n certificates, a challenge of the CA's first type for each name
// and a domain record per certificate name (the harness adapts them to what its CA
// can represent: ZeroSSL, with no domain objects, makes each a certificate).
func newFixture(t *testing.T, h providertest.Harness, n int) *fixture {
	t.Helper()
	var sc providertest.Scenario
	sc.Challenges = map[string][]model.Challenge{}
	for i := 0; i < n; i++ {
		c := seedCert(i)
		c.ID = fmt.Sprintf("c%d", i)
		sc.Certificates = append(sc.Certificates, c)
		for _, name := range c.DNSNames {
			sc.Challenges[c.ID] = append(sc.Challenges[c.ID], seedChallenge(name, h.Capabilities.ChallengeTypes[0]))
		}
		d := seedDomain(i)
		d.Domain = c.CommonName
		sc.Domains = append(sc.Domains, d)
	}
	f, srv := startFake(t, h, sc)
	fx := &fixture{adapter: h.Name, fake: f, srv: srv}
	for _, c := range f.Want.Certificates {
		if len(f.Want.Challenges[c.ID]) > 0 {
			fx.certIDs = append(fx.certIDs, c.ID)
		}
	}
	if len(fx.certIDs) < n || len(f.Want.Domains) == 0 {
		t.Fatalf("harness %q: %d certificates with challenges and %d domains from a scenario of %d each", h.Name,
			len(fx.certIDs), len(f.Want.Domains), n)
	}
	for i := range fx.certIDs {
		fx.domains = append(fx.domains, f.Want.Domains[i%len(f.Want.Domains)].Domain)
	}
	return fx
}

// seedChallenge is a complete challenge of type typ for name.
func seedChallenge(name string, typ model.ChallengeType) model.Challenge {
	ch := model.Challenge{Domain: name, Type: typ, Status: model.ValidationPending}
	switch typ {
	case model.ChallengeDNSTXT, model.ChallengeDNSCNAME:
		ch.RecordName, ch.RecordValue = "_dcv."+name, "token.dcv.example.net"
	case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
		ch.URL, ch.Content = "http://"+name+"/.well-known/pki-validation/token.txt", "token"
	case model.ChallengeEmail:
		ch.Emails = []string{"admin@" + name}
	}
	return ch
}
