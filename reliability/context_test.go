package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// Context: every call returns, with a context error, soon after its context is cancelled
// while it waits on the client-side rate limiter, on a Retry-After, or on a slow answer.
// Nothing here asserts a duration: a watchdog fails a call that has not returned within
// 5 s, and the measured delay between cancel and return is logged for docs/reliability.md.

// ctxCall is one Provider call, its error reduced to the first one an iterator yields.
type ctxCall struct {
	name string
	call func(ctx context.Context, p anyca.Provider, fx *fixture) error
}

var ctxCalls = []ctxCall{
	{"Certificate", func(ctx context.Context, p anyca.Provider, fx *fixture) error {
		_, err := p.Certificate(ctx, fx.certIDs[0])
		return err
	}},
	{"Certificates", func(ctx context.Context, p anyca.Provider, _ *fixture) error {
		for _, err := range p.Certificates(ctx, model.CertificateQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}},
	{"Domains", func(ctx context.Context, p anyca.Provider, _ *fixture) error {
		for _, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}},
	{"DomainValidation", func(ctx context.Context, p anyca.Provider, fx *fixture) error {
		_, err := p.DomainValidation(ctx, fx.domains[0])
		return err
	}},
	{"Challenges", func(ctx context.Context, p anyca.Provider, fx *fixture) error {
		_, err := p.Challenges(ctx, fx.certIDs[0])
		return err
	}},
	{"CertificatesByID", func(ctx context.Context, p anyca.Provider, fx *fixture) error {
		_, err := anyca.CertificatesByID(ctx, p, fx.certIDs)
		return err
	}},
}

// A wait is what a call is made to wait on before its context is cancelled: prepare sets
// it up on a fresh fake and provider.
type wait struct {
	name    string
	retry   retry.Config
	prepare func(t *testing.T, p anyca.Provider, fx *fixture)
}

var waits = []wait{
	{"rate limiter", retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond,
		RequestsPerSecond: 0.001, Burst: 1}, // the next token in ~17 min
		func(t *testing.T, p anyca.Provider, fx *fixture) {
			if _, err := p.Certificate(context.Background(), fx.certIDs[0]); err != nil { // spends the token
				t.Fatalf("spending the limiter's token: %v", err)
			}
		}},
	{"Retry-After 3600", retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Hour, RequestsPerSecond: -1},
		func(t *testing.T, p anyca.Provider, fx *fixture) {
			fx.srv.FailNext(len(fx.certIDs), fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "3600"})
		}},
	{"slow answer", retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond, RequestsPerSecond: -1},
		func(t *testing.T, p anyca.Provider, fx *fixture) {
			fx.srv.FailNext(len(fx.certIDs), fakeca.Fault{Kind: fakeca.Slow}) // answers when the client gives up
		}},
}

func TestContextCancelPromptly(t *testing.T) {
	const cancelAfter = 50 * time.Millisecond
	latencies := map[string][]time.Duration{} // by adapter and wait
	for _, h := range harnesses.All() {
		adapter := h.Name
		for _, w := range waits {
			for _, c := range ctxCalls {
				t.Run(adapter+"/"+w.name+"/"+c.name, func(t *testing.T) {
					snapshot := goleak.IgnoreCurrent()
					fx := newFixture(t, h, 3)
					p, hc := newProvider(t, fx.fake, w.retry)
					w.prepare(t, p, fx)

					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					var cancelledAt atomic.Int64
					timer := time.AfterFunc(cancelAfter, func() {
						cancelledAt.Store(time.Now().UnixNano())
						cancel()
					})
					defer timer.Stop()
					err, returned := watchdog(t, func() error { return c.call(ctx, p, fx) })
					at := cancelledAt.Load()
					switch {
					case at == 0:
						t.Fatalf("returned before the cancel with %v; the call was not waiting", err)
					case !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
						t.Errorf("error = %v, want one that is context.Canceled", err)
					}
					d := returned.Sub(time.Unix(0, at))
					key := adapter + ", " + w.name
					latencies[key] = append(latencies[key], d)
					t.Logf("returned %.1f ms after cancel: %v", float64(d.Microseconds())/1000, err)
					verifyNoLeaks(t, snapshot, fx.srv, hc)
				})
			}
		}
	}
	for _, k := range sortedKeys(latencies) {
		ds := slices.Clone(latencies[k])
		slices.Sort(ds)
		var parts []string
		for _, d := range ds {
			parts = append(parts, fmt.Sprintf("%.1f", float64(d.Microseconds())/1000))
		}
		t.Logf("%s: cancel-to-return ms over %d calls: median %.1f, max %.1f [%s]", k, len(ds),
			float64(ds[len(ds)/2].Microseconds())/1000, float64(ds[len(ds)-1].Microseconds())/1000, strings.Join(parts, " "))
	}
}

// A context cancelled before the call makes no request and returns its error.
func TestContextAlreadyCancelled(t *testing.T) {
	for _, h := range harnesses.All() {
		adapter := h.Name
		for _, c := range ctxCalls {
			t.Run(adapter+"/"+c.name, func(t *testing.T) {
				fx := newFixture(t, h, 3)
				p, _ := newProvider(t, fx.fake, chaosRetry)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				before := fx.srv.Requests()
				err, _ := watchdog(t, func() error { return c.call(ctx, p, fx) })
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error = %v, want one that is context.Canceled", err)
				}
				if n := fx.srv.Requests() - before; n != 0 {
					t.Errorf("%d requests made with a cancelled context", n)
				}
			})
		}
	}
}
