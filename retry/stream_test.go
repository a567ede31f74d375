package retry

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeInto is a DecodeFunc that reads one JSON value from the stream into v, as the
// adapters' list decoders do, and reports a failure as a malformed response.
func decodeInto(c *Client, v any) DecodeFunc {
	return func(resp *Response, body *BodyStream) error {
		if err := json.NewDecoder(body).Decode(v); err != nil {
			return c.MalformedError("Op", resp, err)
		}
		return nil
	}
}

// failingBody serves data, then fails every read with err: a connection reset mid-body.
type failingBody struct {
	data string
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.data == "" {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *failingBody) Close() error { return nil }

// resetFirst is a transport whose first answer's body is cut by a reset after cut bytes.
type resetFirst struct {
	next  http.RoundTripper
	cut   int
	calls atomic.Int64
}

var errReset = errors.New("read: connection reset by peer")

func (r *resetFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || r.calls.Add(1) > 1 {
		return resp, err
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = &failingBody{data: string(data[:r.cut]), err: errReset}
	return resp, nil
}

func TestDecodeConnectionLostMidBodyIsRetried(t *testing.T) {
	body := `{"items":[` + strings.Repeat(`{"id":"0123456789"},`, 200) + `{"id":"last"}]}`
	for _, tt := range []struct {
		name       string
		method     string
		idempotent bool
		attempts   int
	}{
		{"GET", http.MethodGet, false, 2},
		{"idempotent POST", http.MethodPost, true, 2},
		{"POST", http.MethodPost, false, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
			rt := &resetFirst{next: srv.Client().Transport, cut: len(body) / 2}
			c := newTestClient(t, srv.URL, func(o *Options) { o.HTTPClient = &http.Client{Transport: rt} })
			var v struct{ Items []struct{ ID string } }
			calls := 0
			decode := decodeInto(c, &v)
			resp, err := c.Do(context.Background(), &Request{Op: "Op", Method: tt.method, Idempotent: tt.idempotent,
				Decode: func(resp *Response, b *BodyStream) error {
					calls++
					v.Items = nil // a retried attempt starts clean
					return decode(resp, b)
				}})
			assert.Equal(t, tt.attempts, srv.count())
			assert.Equal(t, tt.attempts, calls, "the decoder runs once per 2xx attempt")
			if tt.attempts == 2 {
				require.NoError(t, err, "a body lost half way while decoding is a connection error, retried")
				assert.Equal(t, 2, resp.Attempts)
				assert.Nil(t, resp.Body, "a decoded body is not kept")
				require.Len(t, v.Items, 201)
				assert.Equal(t, "last", v.Items[200].ID)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, errReset, "the read error, not the decoder's view of it")
			assert.ErrorIs(t, err, model.ErrUnavailable)
			assert.NotErrorIs(t, err, ErrMalformedResponse, "a lost connection is not malformed JSON")
			me := requireModelError(t, err)
			assert.Equal(t, 200, me.HTTPStatus)
			assert.NotEqual(t, "malformed_response", me.Code)
		})
	}
}

func TestDecodeErrorIsFinal(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"id": [1, 2}`) })
	c := newTestClient(t, srv.URL, nil)
	var v struct{ ID string }
	var returned error
	decode := decodeInto(c, &v)
	_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: func(resp *Response, b *BodyStream) error {
		returned = decode(resp, b)
		return returned
	}})
	require.Error(t, err)
	assert.Same(t, returned, err, "the decoder's error comes back as it is")
	assert.Equal(t, 1, srv.count(), "a decode error is not retried, even for a GET")
	me := requireModelError(t, err)
	assert.Equal(t, model.ErrUnavailable, me.Kind)
	assert.Equal(t, "malformed_response", me.Code)
	assert.Equal(t, `{"id": [1, 2}`, me.Message)
	var syn *json.SyntaxError
	assert.ErrorAs(t, err, &syn)

	// Any error, not only a malformed response: a vendor error found in a 2xx body.
	vendor := &model.Error{Provider: "testca", Op: "Op", Kind: model.ErrNotFound, Code: "2803", Message: "no such certificate"}
	_, err = c.Do(context.Background(), &Request{Op: "Op", Decode: func(*Response, *BodyStream) error { return vendor }})
	assert.Same(t, vendor, err)
	assert.Equal(t, 2, srv.count())
}

func TestDecodeCapHolds(t *testing.T) {
	const limit = 100
	serve := func(body string) *Client {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
		return newTestClient(t, srv.URL, func(o *Options) { o.MaxBodyBytes = limit })
	}
	readAll := func(resp *Response, b *BodyStream) error {
		_, err := b.ReadAll()
		return err
	}
	t.Run("a decode that ends before the cap", func(t *testing.T) {
		// The object is whole within the cap; the white space after it is past it.
		c := serve(`{"a":1}` + strings.Repeat(" ", limit))
		var v map[string]int
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: decodeInto(c, &v)})
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrBodyTooLarge, "never a truncated decode that succeeds")
		assert.ErrorIs(t, err, model.ErrUnavailable)
	})
	t.Run("a decoder that stops reading", func(t *testing.T) {
		c := serve(strings.Repeat("z", limit+1))
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: func(_ *Response, b *BodyStream) error {
			_, err := b.Read(make([]byte, 10))
			return err
		}})
		assert.ErrorIs(t, err, ErrBodyTooLarge, "what the decoder leaves is read against the cap")
	})
	t.Run("read whole", func(t *testing.T) {
		c := serve(strings.Repeat("z", limit+1))
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: readAll})
		assert.ErrorIs(t, err, ErrBodyTooLarge)
	})
	t.Run("exactly the cap", func(t *testing.T) {
		body := `{"a":"` + strings.Repeat("y", limit-8) + `"}`
		require.Len(t, body, limit)
		c := serve(body)
		var v map[string]string
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: decodeInto(c, &v)})
		require.NoError(t, err)
		assert.Len(t, v["a"], limit-8)
		_, err = c.Do(context.Background(), &Request{Op: "Op", Decode: readAll})
		assert.NoError(t, err)
	})
}

func TestDecodeKeepsTheSnippet(t *testing.T) {
	// The decoder fails on the first byte; the snippet still shows what a body read whole
	// would show: its first bytes, the key redacted, cut with an ellipsis.
	body := `<html> denied for ` + testKey + ` ` + strings.Repeat("lorem ipsum ", 100) + `</html>`
	short := `<p>` + testKey + `</p>`
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		for _, b := range []string{body, short} {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, b) })
			c := af.client(t, srv.URL, nil)
			want := c.Snippet([]byte(b))
			var v any
			_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: decodeInto(c, &v)})
			me := requireModelError(t, err)
			assert.Equal(t, want, me.Message, "%s: the streamed snippet is the whole body's", af.name)
			assertErrorHasNoKey(t, err)

			// After Do: a mapping error on a decoded answer quotes the same start.
			resp, err := c.Do(context.Background(), &Request{Op: "Op", Decode: func(_ *Response, s *BodyStream) error {
				_, err := io.Copy(io.Discard, s)
				return err
			}})
			require.NoError(t, err)
			later := c.MalformedError("Op", resp, errors.New("unmappable"))
			assert.Equal(t, want, later.Message)
			assertErrorHasNoKey(t, later)
		}
	})
	assert.True(t, strings.HasSuffix(newTestClient(t, "https://x.example", nil).Snippet([]byte(body)), "…"))
}

// TestDecodeDataAfterTheDocument: what a decoder leaves unread is never ignored (the
// adapters' decoders read to the end and check the rest themselves: see internal/wire).
func TestDecodeDataAfterTheDocument(t *testing.T) {
	const doc = `{"a":1}`
	readDoc := func(_ *Response, b *BodyStream) error {
		_, err := io.ReadFull(b, make([]byte, len(doc)))
		return err
	}
	for body, ok := range map[string]bool{
		doc + ` {"b":2}`: false,
		doc + `x`:        false,
		doc + "\r\n\t ":  true,
		doc:              true,
	} {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })
		c := newTestClient(t, srv.URL, nil)
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: readDoc})
		if ok {
			assert.NoError(t, err, "%q: white space after the document", body)
			continue
		}
		assert.ErrorIs(t, err, ErrMalformedResponse, "%q", body)
		assert.Equal(t, 1, srv.count(), "%q: final, not retried", body)
	}
}

func TestDecodeLeavesErrorAnswersAlone(t *testing.T) {
	statuses := []int{404, 503}
	for _, status := range statuses {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			io.WriteString(w, `{"code":"E1","message":"no such thing"}`)
		})
		c := newTestClient(t, srv.URL, func(o *Options) {
			o.DecodeError = func(_ int, body []byte) (string, string, error) {
				var e struct{ Code, Message string }
				_ = json.Unmarshal(body, &e)
				return e.Code, e.Message, nil
			}
		})
		called := false
		_, err := c.Do(context.Background(), &Request{Op: "Op", Decode: func(*Response, *BodyStream) error {
			called = true
			return nil
		}})
		assert.False(t, called, "%d: a non-2xx body is the vendor's error, not the document", status)
		me := requireModelError(t, err)
		assert.Equal(t, status, me.HTTPStatus)
		assert.Equal(t, "E1", me.Code)
		assert.Equal(t, "no such thing", me.Message)
		assert.Equal(t, KindForStatus(status), me.Kind)
	}
}

func TestBodyStreamKeepsItsFailure(t *testing.T) {
	b := &BodyStream{r: &failingBody{data: "abc", err: errReset}, limit: 10, length: -1, headMax: 2}
	p := make([]byte, 8)
	n, err := b.Read(p)
	assert.Equal(t, 3, n)
	assert.NoError(t, err)
	_, err = b.Read(p)
	assert.ErrorIs(t, err, errReset)
	_, err = b.Read(p)
	assert.ErrorIs(t, err, errReset, "every later read fails the same way")
	assert.Equal(t, "ab", string(b.head))
	_, err = b.ReadAll()
	assert.ErrorIs(t, err, errReset)
}
