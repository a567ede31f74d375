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
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/internal/fakeca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fake is what the reliability tests need from either vendor fake.
type fake interface {
	FailNext(n int, f fakeca.Fault)
	SetChaos(rate float64, seed uint64, kinds ...fakeca.FaultKind)
	Requests() int64
	Injected() map[fakeca.FaultKind]int
	Close()
}

var (
	_ fake = (*digicerttest.Server)(nil)
	_ fake = (*zerossltest.Server)(nil)
)

// newHTTPClient returns a client with a transport of its own, so a test can close its
// idle connections without touching http.DefaultTransport.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
}

// chaosRetry retries quickly and often, with no client-side rate limit.
var chaosRetry = retry.Config{MaxAttempts: 8, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, RequestsPerSecond: -1}

// newProvider builds the named provider against base with its own HTTP client, and
// registers a cleanup that closes the client's idle connections.
func newProvider(t testing.TB, name, key, base string, rc retry.Config) (anyca.Provider, *http.Client) {
	t.Helper()
	hc := newHTTPClient()
	p, err := anyca.New(context.Background(), anyca.Config{Provider: name, APIKey: key, BaseURL: base, Retry: rc, HTTPClient: hc})
	if err != nil {
		t.Fatalf("anyca.New(%s): %v", name, err)
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
	srv     fake
	url     string
	key     string
	certIDs []string // seeded certificates, in seeding order
	domains []string // a name DomainValidation knows, per certificate
}

// newFixture starts the adapter's fake with n certificates. DigiCert gets a domain record
// and a DNS TXT challenge per certificate name; ZeroSSL derives both from the certificate.
func newFixture(t testing.TB, adapter string, n int) *fixture {
	t.Helper()
	f := &fixture{adapter: adapter}
	switch adapter {
	case "digicert":
		srv := digicerttest.NewServer()
		f.srv, f.url, f.key = srv, srv.URL, srv.APIKey
		for i := 0; i < n; i++ {
			c := srv.AddCertificate(seedCert(i))
			var chs []model.Challenge
			for _, name := range c.DNSNames {
				chs = append(chs, model.Challenge{Domain: name, Type: model.ChallengeDNSTXT})
			}
			srv.SetChallenges(c.ID, chs)
			d := seedDomain(i)
			d.Domain = c.CommonName
			srv.AddDomain(d)
			f.certIDs = append(f.certIDs, c.ID)
			f.domains = append(f.domains, c.CommonName)
		}
	case "zerossl":
		srv := zerossltest.NewServer()
		f.srv, f.url, f.key = srv, srv.URL, srv.APIKey
		for i := 0; i < n; i++ {
			c := srv.AddCertificate(seedCert(i))
			f.certIDs = append(f.certIDs, c.ID)
			f.domains = append(f.domains, c.CommonName)
		}
	default:
		t.Fatalf("no fixture for %q", adapter)
	}
	t.Cleanup(f.srv.Close)
	return f
}

var adapters = []string{"digicert", "zerossl"}
