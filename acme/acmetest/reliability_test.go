package acmetest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// fault wraps the ACME handler: requests matching match get answer instead of (or, with
// after, after) Pebble's own; hits counts the matching requests that reached it.
type fault struct {
	match  func(*http.Request) bool
	answer func(w http.ResponseWriter, r *http.Request, next http.Handler)
	armed  atomic.Bool
	hits   atomic.Int64
}

func (f *fault) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.match(r) {
			f.hits.Add(1)
			if f.armed.Load() {
				f.answer(w, r, next)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// relay serves r with next and writes its answer to w, after edit (when not nil) has
// seen the status, header and body: edit may change the header and returns the body
// to send.
func relay(w http.ResponseWriter, r *http.Request, next http.Handler, edit func(status int, h http.Header, body []byte) []byte) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if edit != nil {
		body = edit(rec.Code, rec.Header(), body)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func isNewOrder(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/order-plz"
}

// startWith starts a server whose handler is wrapped by f, and a provider on it.
func startWith(t *testing.T, opts acmetest.Options, f *fault) (*acmetest.Server, anyca.Provider) {
	t.Helper()
	opts.Wrap = f.wrap
	return start(t, opts)
}

func requireKind(t *testing.T, err error, kind error, code string) *model.Error {
	t.Helper()
	var me *model.Error
	require.ErrorAs(t, err, &me)
	require.ErrorIs(t, err, kind, "%v", err)
	if code != "" {
		require.Equal(t, code, me.Code, "%v", err)
	}
	return me
}

// TestNewOrderAtMostOnce: Pebble makes the order and the answer is lost (the connection
// is cut after Pebble answered, or a 500 replaces the answer): Order reports
// order_outcome_unknown without sending newOrder again, and FindOrder finds the order,
// which then downloads with the CSR given to Order.
func TestNewOrderAtMostOnce(t *testing.T) {
	for name, lose := range map[string]func(w http.ResponseWriter){
		"reset": func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		},
		"500": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"type":"urn:ietf:params:acme:error:serverInternal","detail":"lost","status":500}`))
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fault{match: isNewOrder, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				next.ServeHTTP(discard{}, r) // Pebble makes the order; its answer is dropped
				lose(w)
			}}
			srv, p := startWith(t, acmetest.Options{}, f)
			ctx := context.Background()
			req := model.OrderRequest{Names: []string{"once.example.com"}, CSR: csrFor(t, "once.example.com"), Method: model.ChallengeDNSTXT}
			since := time.Now()
			f.armed.Store(true)
			_, err := anyca.Order(ctx, p, req)
			requireKind(t, err, model.ErrUnavailable, anyca.OrderOutcomeUnknown)
			assert.EqualValues(t, 1, f.hits.Load(), "newOrder requests sent")
			f.armed.Store(false)

			found, err := anyca.FindOrder(ctx, p, req, since)
			require.NoError(t, err)
			assert.Equal(t, []string{"once.example.com"}, found.DNSNames)
			chs, err := p.Challenges(ctx, found.ID)
			require.NoError(t, err)
			for _, ch := range chs {
				if ch.Type == model.ChallengeDNSTXT {
					require.NoError(t, srv.Publish(ch))
				}
			}
			_, err = anyca.Verify(ctx, p, found.ID, model.ChallengeDNSTXT)
			require.NoError(t, err)
			_, err = anyca.WaitValidated(ctx, p, found.ID, anyca.WaitOptions{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond})
			require.NoError(t, err)
			b, err := anyca.Download(ctx, p, found.ID)
			require.NoError(t, err, "the order found is finalized with the CSR given to Order")
			assert.Equal(t, "once.example.com", b.Leaf.DNSNames[0])
			assert.EqualValues(t, 1, f.hits.Load(), "newOrder requests sent in all")
		})
	}
}

type discard struct{ h http.Header }

func (d discard) Header() http.Header {
	if d.h == nil {
		return http.Header{}
	}
	return d.h
}
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// TestBadNonce30: with Pebble refusing 30% of nonces, the whole loop passes, three times.
func TestBadNonce30(t *testing.T) {
	srv, p := start(t, acmetest.Options{NonceRejectPercent: 30})
	for _, n := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		issue(t, srv, p, model.ChallengeDNSTXT, n)
	}
}

// TestRateLimited: a 429 with Retry-After: 3600 on newOrder is ErrRateLimited with the
// hour in RetryAfter, at once and without a second newOrder.
func TestRateLimited(t *testing.T) {
	f := &fault{match: isNewOrder, answer: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many new orders","status":429}`))
	}}
	_, p := startWith(t, acmetest.Options{}, f)
	f.armed.Store(true)
	began := time.Now()
	_, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"rl.example.com"}, CSR: csrFor(t, "rl.example.com")})
	me := requireKind(t, err, model.ErrRateLimited, "rateLimited")
	assert.Equal(t, time.Hour, me.RetryAfter)
	assert.Less(t, time.Since(began), 5*time.Second, "a 429 is returned, not slept on")
	assert.EqualValues(t, 1, f.hits.Load())
	assert.Contains(t, me.Message, "too many new orders")
}

// TestBodyCap: an order answer or a chain longer than the cap is ErrUnavailable wrapping
// retry.ErrBodyTooLarge, read no further than the cap.
func TestBodyCap(t *testing.T) {
	for _, path := range []string{"/my-order/", "/certZ/"} {
		t.Run(strings.Trim(path, "/"), func(t *testing.T) {
			var written atomic.Int64
			f := &fault{match: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, path) },
				answer: func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
					w.Header().Set("Content-Type", "application/json")
					chunk := []byte(strings.Repeat(" ", 64<<10))
					for i := 0; i < 512; i++ { // 32 MiB
						if _, err := w.Write(chunk); err != nil {
							return
						}
						written.Add(int64(len(chunk)))
					}
				}}
			srv, p := startWith(t, acmetest.Options{}, f)
			c, _ := issue(t, srv, p, model.ChallengeDNSTXT, "cap"+strings.Trim(path, "/")+".example.com")
			f.hits.Store(0)
			f.armed.Store(true)
			var err error
			if path == "/my-order/" {
				_, err = p.Certificate(context.Background(), c.ID)
			} else {
				_, err = anyca.Download(context.Background(), p, c.ID)
			}
			requireKind(t, err, model.ErrUnavailable, "")
			require.True(t, errors.Is(err, retry.ErrBodyTooLarge), "%v", err)
			assert.EqualValues(t, 1, f.hits.Load(), "a body over the cap ends the call")
			assert.Less(t, written.Load(), int64(8<<20), "the server could write only about the cap before the client stopped reading")
		})
	}
}

// TestSharedFaultInjector: the shared injector sits in front of Pebble: an injected 429
// is ErrRateLimited with its Retry-After when no attempt is left, an injected 503 on a
// read is retried.
func TestSharedFaultInjector(t *testing.T) {
	srv, p := start(t, acmetest.Options{})
	c, _ := issue(t, srv, p, model.ChallengeDNSTXT, "faults.example.com")
	cfg := configFor(t, srv)
	cfg.Retry.MaxAttempts = 1
	single, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	_, err = single.Certificate(context.Background(), c.ID)
	require.ErrorIs(t, err, model.ErrPermissionDenied, "another account's order")
	srv.Faults.FailNext(1, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "120"})
	_, err = single.Certificate(context.Background(), c.ID)
	me := requireKind(t, err, model.ErrRateLimited, "")
	assert.Equal(t, 2*time.Minute, me.RetryAfter)
	_, err = p.Certificate(context.Background(), c.ID) // refills the nonce pool the 429 left empty
	require.NoError(t, err)
	srv.Faults.FailNext(1, fakeca.Fault{Kind: fakeca.ServerError})
	got, err := p.Certificate(context.Background(), c.ID)
	require.NoError(t, err, "a 5xx on a read is retried")
	assert.Equal(t, model.StatusIssued, got.Status)
	assert.Equal(t, 2, srv.Faults.Injected()[fakeca.RateLimit]+srv.Faults.Injected()[fakeca.ServerError])
}

// TestNonceFetchRetried: a 5xx on the new-nonce request (a HEAD, with no problem body
// to read) is retried like any read, within Config.Retry, and the call succeeds; the
// order it was fetched for is placed once.
func TestNonceFetchRetried(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			f := &fault{match: func(r *http.Request) bool { return r.URL.Path == "/nonce-plz" }}
			f.answer = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
				f.armed.Store(false) // once
				w.WriteHeader(status)
			}
			srv, warm := startWith(t, acmetest.Options{}, f)
			_, err := anyca.Order(context.Background(), warm, model.OrderRequest{Names: []string{"warm.example.com"}, CSR: csrFor(t, "warm.example.com")})
			require.NoError(t, err, "a first order, so that the directory is known")
			cfg := configFor(t, srv)
			cfg.Retry = retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}
			p, err := anyca.New(context.Background(), cfg)
			require.NoError(t, err)
			f.hits.Store(0)
			f.armed.Store(true)
			_, err = anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"nonce.example.com"}, CSR: csrFor(t, "nonce.example.com")})
			require.NoError(t, err, "a 5xx on the new-nonce request must be retried")
			assert.False(t, f.armed.Load(), "the fault was not met: no nonce was fetched")
			assert.EqualValues(t, 2, f.hits.Load(), "nonce fetches: the failed one and its retry")
			assert.Equal(t, 1, srv.OrdersPlaced()["nonce.example.com"])
		})
	}
}

// TestFinalizeAndChallengeAtMostOnce: Pebble carries out a finalize or a challenge POST
// and the answer is lost (a 500 in its place): Download or Verify fails with
// ErrUnavailable and code outcome_unknown without sending that POST again, and the
// order, looked at again, shows what the CA did.
func TestFinalizeAndChallengeAtMostOnce(t *testing.T) {
	lost := func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(discard{}, r) // Pebble carries the request out; its answer is dropped
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"type":"urn:ietf:params:acme:error:serverInternal","detail":"lost","status":500}`))
	}
	for _, tc := range []struct{ name, prefix string }{{"finalize", "/finalize-order/"}, {"challenge", "/chalZ/"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fault{match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, tc.prefix)
			}, answer: lost}
			srv, p := startWith(t, acmetest.Options{}, f)
			ctx := context.Background()
			ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{tc.name + ".example.com"}, CSR: csrFor(t, tc.name+".example.com")})
			require.NoError(t, err)
			chs, err := p.Challenges(ctx, ord.ID)
			require.NoError(t, err)
			for _, ch := range chs {
				if ch.Type == model.ChallengeDNSTXT {
					require.NoError(t, srv.Publish(ch))
				}
			}
			if tc.name == "challenge" {
				f.armed.Store(true)
			}
			_, err = anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT)
			if tc.name == "challenge" {
				requireKind(t, err, model.ErrUnavailable, acme.CodeOutcomeUnknown)
				assert.EqualValues(t, 1, f.hits.Load(), "challenge POSTs sent")
				f.armed.Store(false)
			} else {
				require.NoError(t, err)
			}
			_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond})
			require.NoError(t, err, "the challenge answered once is validated")
			if tc.name == "finalize" {
				f.armed.Store(true)
				_, err = anyca.Download(ctx, p, ord.ID)
				requireKind(t, err, model.ErrUnavailable, acme.CodeOutcomeUnknown)
				assert.EqualValues(t, 1, f.hits.Load(), "finalize POSTs sent")
				f.armed.Store(false)
			}
			b, err := anyca.Download(ctx, p, ord.ID)
			require.NoError(t, err, "the order, looked at again, downloads")
			assert.Equal(t, tc.name+".example.com", b.Leaf.DNSNames[0])
			if tc.name == "finalize" {
				assert.EqualValues(t, 1, f.hits.Load(), "the order was already finalized: no second finalize")
			}
		})
	}
}

// TestStalledAnswerUnderClientTimeout: an answer that stalls past the caller's
// http.Client Timeout ends that attempt only. A read is tried again and succeeds; a
// newOrder whose answer stalled is order_outcome_unknown (never sent twice), not the
// transport's own "attempt ended" placeholder mapped to ErrInvalidArgument.
func TestStalledAnswerUnderClientTimeout(t *testing.T) {
	srv, err := acmetest.New(acmetest.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg := configFor(t, srv)
	p, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	c, _ := issue(t, srv, p, model.ChallengeDNSTXT, "stall.example.com")
	hc := *srv.Client()
	hc.Timeout = 300 * time.Millisecond
	cfg.HTTPClient = &hc
	cfg.Retry = retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}
	q, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	_, err = q.Certificate(context.Background(), c.ID) // the directory, the account and a nonce
	require.NoError(t, err)

	srv.Faults.FailNext(1, fakeca.Fault{Kind: fakeca.StalledAnswer})
	got, err := q.Certificate(context.Background(), c.ID)
	require.NoError(t, err, "a read whose answer stalled past the client's Timeout is tried again")
	assert.Equal(t, model.StatusIssued, got.Status)

	before := srv.OrdersPlaced()["stalled.example.com"]
	srv.Faults.FailNext(1, fakeca.Fault{Kind: fakeca.StalledAnswer})
	_, err = anyca.Order(context.Background(), q, model.OrderRequest{Names: []string{"stalled.example.com"}, CSR: csrFor(t, "stalled.example.com")})
	requireKind(t, err, model.ErrUnavailable, anyca.OrderOutcomeUnknown)
	assert.Equal(t, before+1, srv.OrdersPlaced()["stalled.example.com"], "newOrder reached the CA once")
	assert.Equal(t, 2, srv.Faults.Injected()[fakeca.StalledAnswer])
}
