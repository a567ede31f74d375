package retry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDoSendsRequest(t *testing.T) {
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"method":%q,"path":%q,"body":%q}`, r.Method, r.URL.Path, body)
		})
		c := af.client(t, srv.URL+"/api/v1/", nil)
		resp, err := c.Do(context.Background(), &Request{Op: "Get", Path: "order/certificate/123",
			Query: map[string][]string{"filters[status]": {"issued"}, "page": {"2"}}})
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, 1, resp.Attempts)
		assert.JSONEq(t, `{"method":"GET","path":"/api/v1/order/certificate/123","body":""}`, string(resp.Body))
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

		r := srv.lastReq.Load()
		assert.Equal(t, "issued", r.URL.Query().Get("filters[status]"))
		assert.Equal(t, "2", r.URL.Query().Get("page"))
		assert.Equal(t, "application/json", r.Header.Get("Accept"))
		assert.Equal(t, "anyca-test/1", r.Header.Get("User-Agent"))
		if af.auth.Header != "" {
			assert.Equal(t, testKey, r.Header.Get(af.auth.Header))
			assert.NotContains(t, r.URL.RawQuery, "access_key")
		} else {
			assert.Equal(t, testKey, r.URL.Query().Get("access_key"))
		}

		resp, err = c.Do(context.Background(), &Request{Op: "Post", Method: http.MethodPost, Path: "x",
			Body: []byte(`{"a":1}`), ContentType: "application/json"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"method":"POST","path":"/api/v1/x","body":"{\"a\":1}"}`, string(resp.Body))
		assert.Equal(t, "application/json", srv.lastReq.Load().Header.Get("Content-Type"))
	})
}

func TestRetryPolicy(t *testing.T) {
	type call struct {
		method     string
		idempotent bool
	}
	get := call{http.MethodGet, false}
	head := call{http.MethodHead, false}
	post := call{http.MethodPost, false}
	postSafe := call{http.MethodPost, true}
	put := call{http.MethodPut, false}
	deleteSafe := call{http.MethodDelete, true}
	// Grouped by what the client must do: each status with each call of a row.
	tests := []struct {
		statuses []int
		calls    []call
		attempts int
		kind     error
	}{
		// Retried: a 429 was not processed, so resending is safe whatever the method.
		{[]int{429}, []call{get, post, put}, 3, model.ErrRateLimited},
		// Retried: a 5xx of a call that is safe to repeat.
		{[]int{500, 502, 503, 504}, []call{get}, 3, model.ErrUnavailable},
		{[]int{503}, []call{head, postSafe, deleteSafe}, 3, model.ErrUnavailable},
		// Not repeated: a 5xx of a call that might have been processed.
		{[]int{500, 503}, []call{post, put}, 1, model.ErrUnavailable},
		// Not retried: answers another attempt would not change.
		{[]int{501}, []call{get, postSafe}, 1, model.ErrUnsupported},
		{[]int{400}, []call{get}, 1, model.ErrInvalidArgument},
		{[]int{409}, []call{postSafe}, 1, model.ErrInvalidArgument},
		{[]int{401}, []call{get}, 1, model.ErrUnauthenticated},
		{[]int{403}, []call{get}, 1, model.ErrPermissionDenied},
		{[]int{404, 410}, []call{get}, 1, model.ErrNotFound},
		{[]int{302}, []call{get}, 1, model.ErrUnavailable}, // a redirect without Location is not followed
	}
	for _, tt := range tests {
		for _, status := range tt.statuses {
			for _, call := range tt.calls {
				name := fmt.Sprintf("%d %s idempotent=%v", status, call.method, call.idempotent)
				t.Run(name, func(t *testing.T) {
					srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
						w.WriteHeader(status)
						io.WriteString(w, "status body")
					})
					c := newTestClient(t, srv.URL, nil)
					_, err := c.Do(context.Background(), &Request{Op: "Op", Method: call.method, Idempotent: call.idempotent})
					require.Error(t, err)
					assert.Equal(t, tt.attempts, srv.count(), "attempts")
					assert.ErrorIs(t, err, tt.kind)
					me := requireModelError(t, err)
					assert.Equal(t, status, me.HTTPStatus)
					assert.Equal(t, "testca", me.Provider)
					assert.Equal(t, "Op", me.Op)
				})
			}
		}
	}
}

func TestRetryRecovers(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		n := len(bodies)
		mu.Unlock()
		if n < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	})
	c := newTestClient(t, srv.URL, nil)
	resp, err := c.Do(context.Background(), &Request{Op: "Op", Method: http.MethodPost, Idempotent: true, Body: []byte("payload")})
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, `{"ok":true}`, string(resp.Body))
	assert.Equal(t, []string{"payload", "payload", "payload"}, bodies, "the body is resent whole on every attempt")
}

func TestRetryConnectionErrors(t *testing.T) {
	t.Run("reset before answer", func(t *testing.T) {
		for _, tt := range []struct {
			method     string
			idempotent bool
			attempts   int
		}{
			{http.MethodGet, false, 3},
			{http.MethodPost, true, 3},
			{http.MethodPost, false, 1},
		} {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { hangUp(w) })
			c := newTestClient(t, srv.URL, nil)
			_, err := c.Do(context.Background(), &Request{Op: "Op", Method: tt.method, Idempotent: tt.idempotent})
			require.Error(t, err)
			assert.ErrorIs(t, err, model.ErrUnavailable)
			assert.Equal(t, tt.attempts, srv.count(), "%s idempotent=%v", tt.method, tt.idempotent)
		}
	})
	t.Run("dial failure", func(t *testing.T) {
		c := newTestClient(t, "http://"+closedPort(t), nil)
		_, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.Error(t, err)
		assert.ErrorIs(t, err, model.ErrUnavailable)
		me := requireModelError(t, err)
		assert.Zero(t, me.HTTPStatus)
		assert.Contains(t, err.Error(), "connection refused")
	})
	t.Run("body cut short, then whole", func(t *testing.T) {
		srv := newFakeServer(t, nil)
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if srv.requests.Add(1) == 1 {
				cutShort(w)
				return
			}
			io.WriteString(w, `{"whole":true}`)
		})
		c := newTestClient(t, srv.URL, nil)
		resp, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.NoError(t, err, "a body lost half way is a connection error, retried for a GET")
		assert.Equal(t, 2, resp.Attempts)
		assert.Equal(t, `{"whole":true}`, string(resp.Body))
	})
	t.Run("body cut short on every attempt", func(t *testing.T) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { cutShort(w) })
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.Error(t, err)
		assert.Equal(t, 3, srv.count())
		assert.ErrorIs(t, err, model.ErrUnavailable)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		me := requireModelError(t, err)
		assert.Equal(t, 200, me.HTTPStatus)

		// Not repeated for a POST.
		_, err = c.Do(context.Background(), &Request{Op: "Op", Method: http.MethodPost})
		require.Error(t, err)
		assert.Equal(t, 4, srv.count())
	})
}

func TestNoRetryOnceContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		cancel() // the caller gives up while the server answers 503
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.MaxAttempts = 5 })
	_, err := c.Do(ctx, &Request{Op: "Op"})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.count())

	// An already-cancelled context sends nothing.
	_, err = c.Do(ctx, &Request{Op: "Op"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.count())
}

func TestLastStatusAndSnippetKept(t *testing.T) {
	page := "<html><head><title>503 Service Unavailable</title></head>\n<body>\t<h1>Down for maintenance</h1>" +
		strings.Repeat(" padding", 200) + "</body></html>"
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, page)
	})
	c := newTestClient(t, srv.URL, nil)
	_, err := c.Do(context.Background(), &Request{Op: "Certificate"})
	require.Error(t, err)
	assert.Equal(t, 3, srv.count())
	me := requireModelError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, me.HTTPStatus)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.True(t, strings.HasPrefix(me.Message, "<html><head><title>503 Service Unavailable</title></head> <body> <h1>Down"), me.Message)
	assert.True(t, strings.HasSuffix(me.Message, "…"))
	assert.LessOrEqual(t, len(me.Message), snippetBytes+len("…"))
	assert.NotContains(t, err.Error(), "giving up")
	assert.NotContains(t, err.Error(), "attempt")
	assert.True(t, strings.HasPrefix(err.Error(), "testca: Certificate: unavailable (HTTP 503): <html>"), err.Error())
}

func TestErrorDecoder(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"errors":[{"code":"rate_limit","message":"  too many requests for key `+testKey+`  "}]}`)
	})
	decode := func(status int, body []byte) (string, string, error) {
		var v struct {
			Errors []struct{ Code, Message string }
		}
		if json.Unmarshal(body, &v) != nil || len(v.Errors) == 0 {
			return "", "", nil
		}
		return v.Errors[0].Code, v.Errors[0].Message, model.ErrRateLimited
	}
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.DecodeError = decode
		o.Config.MaxAttempts = 2
	})
	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	require.Error(t, err)
	me := requireModelError(t, err)
	assert.Equal(t, 429, me.HTTPStatus)
	assert.Equal(t, "rate_limit", me.Code)
	assert.Equal(t, "too many requests for key "+Redacted, me.Message)
	assert.Equal(t, 7*time.Second, me.RetryAfter)
	assert.ErrorIs(t, err, model.ErrRateLimited)
	assertErrorHasNoKey(t, err)

	// A decoder that finds nothing leaves the status's kind and a snippet.
	srv2 := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "no such thing")
	})
	c2 := newTestClient(t, srv2.URL, func(o *Options) { o.DecodeError = decode })
	_, err = c2.Do(context.Background(), &Request{Op: "Op"})
	require.ErrorAs(t, err, &me)
	assert.ErrorIs(t, err, model.ErrNotFound)
	assert.Equal(t, "no such thing", me.Message)
	assert.Empty(t, me.Code)
}

func TestRetryAfterCappedEndToEnd(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1000000000") // about 31 years
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config = Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 50 * time.Millisecond, RequestsPerSecond: -1}
	})
	var err error
	watchdog(t, 10*time.Second, func() { _, err = c.Do(context.Background(), &Request{Op: "Op"}) })
	require.Error(t, err)
	assert.Equal(t, 3, srv.count(), "every attempt made, each wait capped at MaxWait")
	me := requireModelError(t, err)
	assert.Equal(t, 429, me.HTTPStatus)
	assert.ErrorIs(t, err, model.ErrRateLimited)
	assert.Equal(t, 1000000000*time.Second, me.RetryAfter, "the CA's own wish is reported as it was")
}

func TestCancelDuringRetryAfterWait(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config = Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: time.Hour, RequestsPerSecond: -1}
	})
	// Learn when the client has chosen its wait: from then on it sleeps for an hour.
	waiting := make(chan time.Duration, 1)
	backoff := c.rc.Backoff
	c.rc.Backoff = func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
		d := backoff(min, max, attempt, resp)
		waiting <- d
		return d
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if d := <-waiting; d == time.Hour {
			cancel()
		}
	}()
	var err error
	watchdog(t, 5*time.Second, func() { _, err = c.Do(ctx, &Request{Op: "Op"}) })
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.count())
	me := requireModelError(t, err)
	assert.Equal(t, 503, me.HTTPStatus, "the last status seen is kept")
	assert.Equal(t, time.Hour, me.RetryAfter)
}

func TestLimiterAppliesToEveryAttempt(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		// Two tokens at once, then one every ~17 minutes.
		o.Config = Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond,
			RequestsPerSecond: 0.001, Burst: 2}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	watchdog(t, 10*time.Second, func() { _, err = c.Do(ctx, &Request{Op: "Op"}) })
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the third attempt cannot get a token before the deadline")
	assert.Equal(t, 2, srv.count(), "the retries took the limiter's tokens")
	assert.Equal(t, context.DeadlineExceeded, model.KindOf(err))
	me := requireModelError(t, err)
	assert.Equal(t, 503, me.HTTPStatus)
	assert.NoError(t, ctx.Err(), "reported before the deadline passed: the wait was refused, not sat through")
}

func TestLimiterWaitHonoursCancel(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config = Config{MaxAttempts: 1, RequestsPerSecond: 0.001, Burst: 1}
	})
	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel) // a trigger, not a measurement
	watchdog(t, 5*time.Second, func() { _, err = c.Do(ctx, &Request{Op: "Op"}) })
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, srv.count())
}

func TestLimiterAllowsConfiguredRate(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config = Config{MaxAttempts: 1, RequestsPerSecond: 0.001, Burst: 3}
	})
	for i := 0; i < 3; i++ {
		_, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Do(ctx, &Request{Op: "Op"})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 3, srv.count())
}

func TestBodySizeCap(t *testing.T) {
	const total = 100 << 20
	stream := func(status int) (*fakeServer, *atomic64) {
		written := &atomic64{}
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			chunk := []byte(strings.Repeat("x", 32<<10))
			for n := 0; n < total; n += len(chunk) {
				m, err := w.Write(chunk)
				written.add(int64(m))
				if err != nil {
					return
				}
			}
		})
		return srv, written
	}
	run := func(t *testing.T, status int, maxBody int64) (*fakeServer, *atomic64, *countingTransport, error) {
		srv, written := stream(status)
		ct := &countingTransport{next: srv.Client().Transport}
		c := newTestClient(t, srv.URL, func(o *Options) {
			o.MaxBodyBytes = maxBody
			o.HTTPClient = &http.Client{Transport: ct}
		})
		var err error
		watchdog(t, 15*time.Second, func() { _, err = c.Do(context.Background(), &Request{Op: "Op"}) })
		return srv, written, ct, err
	}

	t.Run("small cap", func(t *testing.T) {
		srv, written, ct, err := run(t, 200, 1<<20)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrBodyTooLarge)
		assert.ErrorIs(t, err, model.ErrUnavailable)
		assert.LessOrEqual(t, ct.read.Load(), int64(1<<20+1), "read no more than cap+1 bytes")
		assert.Equal(t, 1, srv.count(), "a body too large is not retried")
		srv.Close() // wait for the handler to stop writing
		assert.Less(t, written.load(), int64(total), "the server could not send it all")
	})
	t.Run("default cap", func(t *testing.T) {
		if testing.Short() || raceEnabled {
			// 32 MB through the race detector takes seconds; "small cap" proves the same
			// mechanism, and this runs in every test run without -race.
			t.Skip("reads 32 MB: skipped with -short or -race")
		}
		_, _, ct, err := run(t, 200, 0)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrBodyTooLarge)
		assert.LessOrEqual(t, ct.read.Load(), int64(DefaultMaxBodyBytes+1))
		assert.Contains(t, err.Error(), "response body exceeds the size cap")
	})
	t.Run("huge error body", func(t *testing.T) {
		_, _, ct, err := run(t, 400, 0)
		require.Error(t, err)
		assert.ErrorIs(t, err, model.ErrInvalidArgument, "the status's error, not a read error")
		assert.NotErrorIs(t, err, ErrBodyTooLarge)
		me := requireModelError(t, err)
		assert.Equal(t, 400, me.HTTPStatus)
		assert.True(t, strings.HasPrefix(me.Message, "xxxx"))
		assert.LessOrEqual(t, ct.read.Load(), int64(errorBodyBytes+32<<10), "only the start of an error body is read")
	})
	t.Run("exactly the cap", func(t *testing.T) {
		body := strings.Repeat("y", 1000)
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
		c := newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 1000 })
		resp, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.NoError(t, err)
		assert.Len(t, resp.Body, 1000)
		c = newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 999 })
		_, err = c.Do(context.Background(), &Request{Op: "Op"})
		assert.ErrorIs(t, err, ErrBodyTooLarge)
	})
}

type atomic64 struct {
	mu sync.Mutex
	n  int64
}

func (a *atomic64) add(n int64) { a.mu.Lock(); a.n += n; a.mu.Unlock() }
func (a *atomic64) load() int64 { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

func TestMalformedError(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"certificates": [ {"id": "1", "echo": "`+testKey+`"`) // cut short
	})
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		c := af.client(t, srv.URL, nil)
		resp, err := c.Do(context.Background(), &Request{Op: "Certificates"})
		require.NoError(t, err)
		var v any
		cause := json.Unmarshal(resp.Body, &v)
		require.Error(t, cause)
		merr := c.MalformedError("Certificates", resp, cause)
		assert.ErrorIs(t, merr, ErrMalformedResponse)
		assert.ErrorIs(t, merr, model.ErrUnavailable)
		assert.Equal(t, 200, merr.HTTPStatus)
		assert.Equal(t, "malformed_response", merr.Code)
		assert.Contains(t, merr.Message, `{"certificates": [ {"id": "1", "echo": "`+Redacted)
		assertErrorHasNoKey(t, merr)

		// A cause whose text holds the key.
		merr = c.MalformedError("Op", nil, fmt.Errorf("field %s: %w", testKey, io.ErrUnexpectedEOF))
		assertErrorHasNoKey(t, merr)
		assert.ErrorIs(t, merr, io.ErrUnexpectedEOF)
		assert.Zero(t, merr.HTTPStatus)
	})
}

func TestHelpers(t *testing.T) {
	c := newTestClient(t, "https://api.example.com/v1", nil)
	e := c.Error("Op", model.ErrInvalidArgument, "bad id %q for key %s", "x", testKey)
	assert.Equal(t, `testca: Op: invalid argument: bad id "x" for key `+Redacted, e.Error())
	assert.ErrorIs(t, e, model.ErrInvalidArgument)

	assert.Nil(t, c.ContextError(context.Background(), "Op"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.ContextError(ctx, "Op")
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "testca: Op: context canceled", err.Error())

	assert.Equal(t, "x "+Redacted+" y", c.Redact("x "+testKey+" y"))
	u := c.BaseURL()
	u.Host = "changed"
	assert.Equal(t, "api.example.com", c.BaseURL().Host, "BaseURL returns a copy")
}

func TestKindForStatus(t *testing.T) {
	tests := map[int]error{
		400: model.ErrInvalidArgument, 401: model.ErrUnauthenticated, 403: model.ErrPermissionDenied,
		404: model.ErrNotFound, 405: model.ErrInvalidArgument, 409: model.ErrInvalidArgument,
		410: model.ErrNotFound, 422: model.ErrInvalidArgument, 429: model.ErrRateLimited,
		500: model.ErrUnavailable, 501: model.ErrUnsupported, 502: model.ErrUnavailable,
		503: model.ErrUnavailable, 504: model.ErrUnavailable, 302: model.ErrUnavailable, 0: model.ErrUnavailable,
	}
	for status, want := range tests {
		assert.Equal(t, want, KindForStatus(status), strconv.Itoa(status))
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("fail") == "1" && r.Header.Get("X-Try") == "" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		io.WriteString(w, r.URL.Path)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Config.RequestsPerSecond = 10000
		o.Config.Burst = 100
	})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				path := fmt.Sprintf("item/%d/%d", i, j)
				q := map[string][]string{}
				if j%3 == 0 {
					q["fail"] = []string{"1"}
				}
				resp, err := c.Do(context.Background(), &Request{Op: "Op", Path: path, Query: q})
				if j%3 == 0 {
					assert.Error(t, err)
					continue
				}
				if assert.NoError(t, err) {
					assert.Equal(t, "/"+path, string(resp.Body))
				}
			}
		}(i)
	}
	wg.Wait()
}
