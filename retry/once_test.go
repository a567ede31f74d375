package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// createReq is an AtMostOnce create request with a body.
func createReq() *Request {
	return &Request{Op: "Order", Method: http.MethodPost, Path: "orders", Body: []byte(`{"names":["a.example"]}`),
		ContentType: "application/json", AtMostOnce: true}
}

// requireOutcomeUnknown checks err is the OutcomeUnknown error, with no key in it.
func requireOutcomeUnknown(t *testing.T, err error) *model.Error {
	t.Helper()
	me := requireModelError(t, err)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, OutcomeUnknown, me.Code, "%v", err)
	assert.Contains(t, me.Message, "find what it made before sending it again")
	assertErrorHasNoKey(t, err)
	return me
}

// readThen is a handler that reads the whole request (the CA has it) before doing then.
func readThen(then func(w http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		then(w)
	}
}

// TestAtMostOnceNeverResent: after anything that may have reached the CA, a create
// request is not sent again, and the error says the outcome is unknown.
func TestAtMostOnceNeverResent(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		mod     func(*Options)
		status  int
		cause   error
	}{
		{name: "503", status: 503, handler: readThen(func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"maintenance"}`)
		})},
		{name: "500", status: 500, handler: readThen(func(w http.ResponseWriter) { w.WriteHeader(500) })},
		{name: "reset after the request was read", handler: readThen(hangUp)},
		{name: "2xx body cut short", status: 200, handler: readThen(cutShort), cause: io.ErrUnexpectedEOF},
		{name: "timeout", handler: readThen(func(w http.ResponseWriter) { time.Sleep(2 * time.Second) }),
			mod: func(o *Options) { o.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} }},
		{name: "redirect 307", status: 307, handler: readThen(func(w http.ResponseWriter) {
			w.Header().Set("Location", "/orders/again")
			w.WriteHeader(http.StatusTemporaryRedirect)
		}), cause: ErrRedirectRefused},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, tt.handler)
			c := newTestClient(t, srv.URL, func(o *Options) {
				o.Config = Config{MaxAttempts: 5, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, RequestsPerSecond: -1}
				if tt.mod != nil {
					tt.mod(o)
				}
			})
			_, err := c.Do(context.Background(), createReq())
			me := requireOutcomeUnknown(t, err)
			assert.Equal(t, 1, srv.count(), "a create request that may have reached the CA is never sent again")
			if tt.status != 0 {
				assert.Equal(t, tt.status, me.HTTPStatus)
			}
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
		})
	}
}

// TestAtMostOnceContext: a caller who stops waiting after the request left gets the
// unknown outcome (still matching the context error); one who stops before anything
// left gets the context error alone.
func TestAtMostOnceContext(t *testing.T) {
	t.Run("cancelled while the answer is awaited", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) { cancel(); time.Sleep(time.Second) }))
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(ctx, createReq())
		requireOutcomeUnknown(t, err)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, srv.count())
	})
	t.Run("deadline while the answer is awaited", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) { time.Sleep(2 * time.Second) }))
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(ctx, createReq())
		requireOutcomeUnknown(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("cancelled before sending", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(ctx, createReq())
		require.ErrorIs(t, err, context.Canceled)
		assert.NotEqual(t, OutcomeUnknown, requireModelError(t, err).Code, "nothing left: the outcome is known")
		assert.Zero(t, srv.count())
	})
}

// TestAtMostOnceRetriesWhatNeverArrived: a 429 (refused before processing) and a
// connection that could not be made are tried again; the request then arrives once.
func TestAtMostOnceRetriesWhatNeverArrived(t *testing.T) {
	t.Run("429", func(t *testing.T) {
		var n atomic.Int64
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) {
			if n.Add(1) == 1 {
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":1}`)
		}))
		c := newTestClient(t, srv.URL, nil)
		resp, err := c.Do(context.Background(), createReq())
		require.NoError(t, err)
		assert.Equal(t, http.StatusCreated, resp.StatusCode)
		assert.Equal(t, 2, srv.count())
	})
	t.Run("429 to the end", func(t *testing.T) {
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) { w.WriteHeader(http.StatusTooManyRequests) }))
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), createReq())
		require.ErrorIs(t, err, model.ErrRateLimited, "nothing was processed: a definite refusal")
		assert.NotEqual(t, OutcomeUnknown, requireModelError(t, err).Code)
		assert.Equal(t, 3, srv.count())
	})
	t.Run("dial refused, then connected", func(t *testing.T) {
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) }))
		var dials atomic.Int64
		tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) <= 2 {
				return (&net.Dialer{}).DialContext(ctx, network, closedPort(t))
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}}
		t.Cleanup(tr.CloseIdleConnections)
		c := newTestClient(t, srv.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} })
		resp, err := c.Do(context.Background(), createReq())
		require.NoError(t, err)
		assert.Equal(t, 3, resp.Attempts)
		assert.Equal(t, 1, srv.count())
	})
	t.Run("dial refused to the end", func(t *testing.T) {
		c := newTestClient(t, "http://"+closedPort(t), nil)
		_, err := c.Do(context.Background(), createReq())
		require.ErrorIs(t, err, model.ErrUnavailable)
		assert.NotEqual(t, OutcomeUnknown, requireModelError(t, err).Code, "nothing was sent: the outcome is known")
	})
}

// TestAtMostOnceDefiniteAnswers: a 4xx, and a 2xx whose decoder finds a refusal, are the
// CA's answer, returned as they are; a 2xx the decoder cannot read is unknown.
func TestAtMostOnceDefiniteAnswers(t *testing.T) {
	t.Run("400", func(t *testing.T) {
		srv := newFakeServer(t, readThen(func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"bad csr"}`)
		}))
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), createReq())
		require.ErrorIs(t, err, model.ErrInvalidArgument)
		assert.NotEqual(t, OutcomeUnknown, requireModelError(t, err).Code)
		assert.Equal(t, 1, srv.count())
	})
	ok := readThen(func(w http.ResponseWriter) { io.WriteString(w, `{"success":false}`) })
	t.Run("2xx refusal", func(t *testing.T) {
		srv := newFakeServer(t, ok)
		c := newTestClient(t, srv.URL, nil)
		req := createReq()
		req.Decode = func(resp *Response, body *BodyStream) error {
			_, _ = io.ReadAll(body)
			return c.Error("Order", model.ErrInvalidArgument, "refused")
		}
		_, err := c.Do(context.Background(), req)
		require.ErrorIs(t, err, model.ErrInvalidArgument)
		assert.NotEqual(t, OutcomeUnknown, requireModelError(t, err).Code)
	})
	t.Run("2xx unreadable", func(t *testing.T) {
		srv := newFakeServer(t, ok)
		c := newTestClient(t, srv.URL, nil)
		req := createReq()
		req.Decode = func(resp *Response, body *BodyStream) error {
			_, _ = io.ReadAll(body)
			return c.MalformedError("Order", resp, errors.New("no id"))
		}
		_, err := c.Do(context.Background(), req)
		requireOutcomeUnknown(t, err)
		assert.ErrorIs(t, err, ErrMalformedResponse)
		assert.Equal(t, 1, srv.count())
	})
}
