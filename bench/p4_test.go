package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/retry"
)

// P4 settings: DigiCert's own short window, 100 requests per rolling 5 s (20/s). The
// limited client runs for p4Phase, the two unlimited ones for p4ShortPhase each, so the
// test stays under 15 s. (A shorter window made the burst a larger share of it: with
// 40 per 2 s a bucket can run at most 95% of the allowed rate and with burst 1 it lost
// tokens to scheduling delays on a loaded machine.)
const (
	p4Window     = 5 * time.Second
	p4Allowed    = 100 // requests admitted per window
	p4Burst      = 3
	p4Phase      = 6 * time.Second
	p4ShortPhase = 3 * time.Second
)

type p4Result struct {
	name                  string
	calls, okCalls, fails int
	served, shed          int64
	elapsed               time.Duration
}

// TestP4RateLimit drives anyca's DigiCert client against a fake that enforces a rolling
// window, for p4Phase per client: with a limiter set just under the allowed rate, and
// without a limiter (retries on, and off). It prints "P4|..." lines that run.sh puts in
// BENCHMARKS.md. Skipped with -short.
func TestP4RateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("P4 takes ~12 s")
	}
	fk := digicerttest.NewUnstarted()
	id := fk.AddCertificate(p1Certificate("p4.example.com")).ID
	rate := float64(p4Allowed) / p4Window.Seconds()
	// A token bucket (r, b) lets at most b + r*T through in any window T: with b = 3 and
	// r = 0.995*(W-b)/T = 19.3/s that is 99.5 of 100, leaving ~25 ms for loopback jitter.
	limited := retry.Config{RequestsPerSecond: 0.995 * float64(p4Allowed-p4Burst) / p4Window.Seconds(), Burst: p4Burst}
	clients := []struct {
		name  string
		rc    retry.Config
		phase time.Duration
	}{
		{fmt.Sprintf("anyca, limiter %.1f/s burst %d", limited.RequestsPerSecond, limited.Burst), limited, p4Phase},
		{"anyca, no limiter, retries on (4 attempts, 0.5-30 s backoff)", retry.Config{RequestsPerSecond: -1}, p4ShortPhase},
		{"anyca, no limiter, no retries", retry.Config{RequestsPerSecond: -1, MaxAttempts: 1}, p4ShortPhase},
	}
	var results []p4Result
	for _, c := range clients {
		lim := &rollingFake{next: fk.Handler(), windows: []retry.Window{{N: p4Allowed, Per: p4Window}}}
		ts := httptest.NewServer(lim)
		p := newProvider(t, "digicert", fakeInfo{URL: ts.URL + digicerttest.BasePath, Key: fk.APIKey}, c.rc)
		ctx, cancel := context.WithTimeout(context.Background(), c.phase)
		r := p4Result{name: c.name}
		start := time.Now()
		ok, limited, err := p4Loop(ctx, p, id)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r.okCalls, r.fails, r.calls = ok, limited, ok+limited
		r.elapsed = time.Since(start)
		cancel()
		ts.Close()
		r.served, r.shed = lim.ok.Load(), lim.shed.Load()
		results = append(results, r)
	}
	fmt.Printf("P4|allowed|%d per %s rolling window (%.0f/s); limited client %s, others %s each\n", p4Allowed, p4Window, rate, p4Phase, p4ShortPhase)
	for _, r := range results {
		eff := float64(r.served) / r.elapsed.Seconds()
		fmt.Printf("P4|row|%s|%d|%d|%d|%d|%.1f|%.0f%%\n", r.name, r.okCalls, r.fails, r.served, r.shed, eff, 100*eff/rate)
	}
	if r := results[0]; r.shed != 0 || float64(r.served)/r.elapsed.Seconds() < 0.95*rate {
		t.Errorf("limited client: %d answered 429, %.1f/s of %.0f/s allowed", r.shed, float64(r.served)/r.elapsed.Seconds(), rate)
	}
}

// writeRequestLimitExceeded answers as CertCentral does over its rate limit: 429 with
// request_limit_exceeded and no Retry-After (none is documented).
func writeRequestLimitExceeded(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"errors":[{"code":"request_limit_exceeded","message":"Service unavailable, please limit request volume"}]}`))
}
