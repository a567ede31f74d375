package providertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The wire-level guarantees, proven for every adapter through its fake's faults: a
// listing under random faults yields each item exactly once; no failure, however the
// answer is broken, lets the key into the error; a redirect to another host is refused
// before that host sees a request; a wait on Retry-After ends with the context. The
// hostile answers (wrong types, deep nesting, huge bodies) are checked in hostile.go, a
// cancel while waiting on the Limiter in limiter.go; testFaults runs them all.

// chaosRate is the share of requests that fail in ExactlyOnceUnderChaos.
const chaosRate = 0.2

// hugeBodySize is larger than any adapter's body cap (retry.DefaultMaxBodyBytes, 32 MiB).
const hugeBodySize = 40 << 20

func (s *suite) testFaults(t *testing.T) {
	runParallel(t, []check{
		{"ExactlyOnceUnderChaos", s.testExactlyOnceUnderChaos},
		{"KeyAbsentOnFailures", s.testKeyAbsentOnFailures},
		{"CrossHostRedirect", s.testCrossHostRedirect},
		{"WrongTypes", s.testWrongTypes},
		{"HostileBodies", s.testHostileBodies},
		{"TaintedAnswers", s.testTaintedAnswers},
		{"RetryAfterCancel", s.testRetryAfterCancel},
		{"LimiterCancel", s.testLimiterCancel},
	})
}

// singleShot returns a provider on f's config that makes one attempt per request, so
// that the fault FailNext injects is the answer the provider must deal with.
func singleShot(t *testing.T, f *Fake) anyca.Provider {
	t.Helper()
	cfg := f.Config
	cfg.Retry.MaxAttempts = 1
	return newProvider(t, cfg)
}

// panicFree runs fn and turns a panic into a test failure naming what.
func panicFree(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	fn()
}

func (s *suite) testExactlyOnceUnderChaos(t *testing.T) {
	if !s.h.Capabilities.Chaos {
		t.Errorf("harness %q does not declare Chaos: every fake built on fakeca injects random faults; declare it and set Fake.SetChaos and Fake.Injected", s.h.Name)
		return
	}
	f := s.startFake(t)
	require.NotNil(t, f.SetChaos, "Capabilities.Chaos needs Fake.SetChaos")
	require.NotNil(t, f.Injected, "Capabilities.Chaos needs Fake.Injected")
	cfg := f.Config
	cfg.Retry.MaxAttempts = 12 // 0.2^12: no request fails every attempt
	p := newProvider(t, cfg)
	want := wantIDs(f)
	require.Greater(t, len(want), 10, "the scenario needs many pages of 2")
	before := injectedTotal(f.Injected())
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		f.SetChaos(chaosRate, seed)
		var got []string
		returnsWithin(t, 2*watchdog, "a listing under chaos", func() {
			for c, err := range p.Certificates(ctxFor(t), model.CertificateQuery{PageSize: 2}) {
				if !assert.NoError(t, err, "seed %d: a listing under %.0f%% faults with 12 attempts", seed, chaosRate*100) {
					return
				}
				got = append(got, c.ID)
			}
		})
		byID, err := anyca.CertificatesByID(ctxFor(t), p, want)
		f.SetChaos(0, 0)
		assert.NoError(t, checkNoDuplicateIDs(got), "seed %d", seed)
		assert.ElementsMatch(t, want, got, "seed %d: under chaos every certificate is listed exactly once", seed)
		if assert.NoError(t, err, "seed %d: CertificatesByID under chaos", seed) {
			assert.Len(t, byID, len(want), "seed %d: CertificatesByID under chaos returns every certificate", seed)
		}
	}
	t.Logf("%s: %d certificates listed 2 per page and fetched by id, 5 seeds at %.0f%% faults: %d requests, %d faults injected",
		s.h.Name, len(want), chaosRate*100, f.Requests(), injectedTotal(f.Injected())-before)
	assert.Greater(t, injectedTotal(f.Injected())-before, 0, "the chaos injected no fault")
}

func injectedTotal(m map[FaultKind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func checkNoDuplicateIDs(ids []string) error {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return fmt.Errorf("certificate %s listed more than once", id)
		}
		seen[id] = true
	}
	return nil
}

// failurePaths are faults that make a single attempt fail, each named.
func failurePaths(foreign string) map[string]Fault {
	return map[string]Fault{
		"rate-limit":       {Kind: FaultRateLimit, RetryAfter: "1"},
		"server-error":     {Kind: FaultServerError, Status: 500},
		"html-error":       {Kind: FaultHTMLError},
		"truncated":        {Kind: FaultTruncated},
		"reset":            {Kind: FaultReset},
		"foreign-document": {Kind: FaultForeignDocument, Document: []byte(`{"message":"hello"}`)},
		"redirect":         {Kind: FaultRedirect, Status: http.StatusTemporaryRedirect, Location: foreign},
		"huge-body":        {Kind: FaultHugeBody, Size: hugeBodySize},
		"echo-request":     {Kind: FaultEchoRequest},
		"echo-request-500": {Kind: FaultEchoRequest, Status: 500},
		"echo-request-429": {Kind: FaultEchoRequest, Status: 429},
	}
}

func (s *suite) testKeyAbsentOnFailures(t *testing.T) {
	f := s.startFake(t)
	p := singleShot(t, f)
	keys := f.secrets()
	id := f.Want.Certificates[0].ID
	for name, fault := range failurePaths("http://127.0.0.1:9/elsewhere") {
		for op, call := range map[string]func() error{
			"Certificate": func() error { _, err := p.Certificate(ctxFor(t), id); return err },
			"Certificates": func() error {
				_, err := firstCert(ctxFor(t), p)
				return err
			},
		} {
			f.FailNext(1, fault)
			var err error
			panicFree(t, op+" on "+name, func() { err = call() })
			if !assert.Error(t, err, "%s answered with %s must fail", op, name) {
				continue
			}
			var me *model.Error
			assert.True(t, errors.As(err, &me), "%s on %s: want a *model.Error, got %T", op, name, err)
			assertNeverPrintsAny(t, op+" on "+name, err, keys)
		}
	}
}

func (s *suite) testCrossHostRedirect(t *testing.T) {
	var reached atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(other.Close)
	f := s.startFake(t)
	p := singleShot(t, f)
	id := f.Want.Certificates[0].ID
	for _, status := range []int{301, 302, 303, 307, 308} {
		f.FailNext(1, Fault{Kind: FaultRedirect, Status: status, Location: other.URL + "/services/v2/steal?x=1"})
		_, err := p.Certificate(ctxFor(t), id)
		assert.Error(t, err, "a %d redirect to another host must be refused", status)
		assertNeverPrintsAny(t, fmt.Sprintf("the error of a %d redirect", status), err, f.secrets())
	}
	assert.Zero(t, reached.Load(), "requests reached the other host after a cross-host redirect")
	// A redirect within the host is followed, with the key (else the fake refuses it);
	// a 301 or 302 of a provider that reads with POST fails instead (it would be a GET).
	for _, status := range []int{301, 302, 307, 308} {
		f.FailNext(1, Fault{Kind: FaultRedirect, Status: status})
		got, err := p.Certificate(ctxFor(t), id)
		if s.h.Capabilities.ReadsArePOST && (status == 301 || status == 302) {
			var me *model.Error
			assert.True(t, errors.As(err, &me), "a %d redirect of a POST read must fail with a *model.Error, got %v (%v)", status, err, got)
			continue
		}
		if assert.NoError(t, err, "a %d redirect within the host must be followed", status) {
			assert.Equal(t, id, got.ID)
		}
	}
}
func (s *suite) testRetryAfterCancel(t *testing.T) {
	f := s.startFake(t)
	cfg := f.Config
	cfg.Retry.MaxAttempts, cfg.Retry.MaxWait = 3, time.Minute
	p := newProvider(t, cfg)
	id := f.Want.Certificates[0].ID
	f.FailNext(1, Fault{Kind: FaultRateLimit, RetryAfter: "30"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := f.Requests()
	var cancelled atomic.Int64 // when cancel was called, in UnixNano
	var atCancel atomic.Int64  // the requests made by then
	go func() {
		// Cancel once the 429 has been answered, so the call is waiting on Retry-After.
		for deadline := time.Now().Add(watchdog); f.Requests() == before && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		atCancel.Store(f.Requests())
		cancelled.Store(time.Now().UnixNano())
		cancel()
	}()
	var err error
	returnsWithin(t, watchdog, "Certificate waiting on Retry-After", func() {
		_, err = p.Certificate(ctx, id)
	})
	assert.ErrorIs(t, err, context.Canceled, "a cancel during a Retry-After wait")
	require.Positive(t, cancelled.Load(), "the call returned before it was cancelled")
	assert.Less(t, time.Since(time.Unix(0, cancelled.Load())), 2*time.Second,
		"a cancel during a 30 s Retry-After wait must end the call at once")
	// The 429 was the call's request (with whatever the protocol sends before it, such
	// as an ACME client's newNonce); nothing is sent during the wait or after the cancel.
	assert.Greater(t, atCancel.Load(), before, "no request was answered 429")
	assert.Equal(t, atCancel.Load(), f.Requests(), "one request, answered 429, then the wait: a request was sent while waiting or after the cancel")
}
