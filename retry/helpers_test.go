package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/require"
)

// testKey has characters that URL escaping changes, so that every form of it is checked.
const testKey = "sk_live/K3y+Secret=Val&ue"

// keyForms are the spellings of testKey that must never appear in any output.
var keyForms = []string{testKey, url.QueryEscape(testKey), url.PathEscape(testKey), "K3y"}

// fakeServer is an httptest server that counts requests and remembers the last one.
type fakeServer struct {
	*httptest.Server
	requests atomic.Int64
	lastReq  atomic.Pointer[http.Request]
}

func newFakeServer(t testing.TB, h http.HandlerFunc) *fakeServer {
	t.Helper()
	fs := &fakeServer{}
	fs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fs.requests.Add(1)
		fs.lastReq.Store(r.Clone(context.Background()))
		h(w, r)
	}))
	fs.Config.ErrorLog = quietLog() // the server's complaints are not the client's
	fs.Start()
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fakeServer) count() int { return int(fs.requests.Load()) }

// authForm is one way the key travels: in a header (DigiCert) or in the query (ZeroSSL).
type authForm struct {
	name string
	auth Auth
}

var authForms = []authForm{
	{"header", Auth{Key: testKey, Header: "X-DC-DEVKEY"}},
	{"query", Auth{Key: testKey, QueryParam: "access_key"}},
}

// forEachAuthForm runs test as a subtest for each way the key travels, named after it.
func forEachAuthForm(t *testing.T, test func(t *testing.T, af authForm)) {
	t.Helper()
	for _, af := range authForms {
		t.Run(af.name, func(t *testing.T) { test(t, af) })
	}
}

// client is newTestClient sending the key in this form; mod, if not nil, changes the
// options further.
func (af authForm) client(t testing.TB, baseURL string, mod func(*Options)) *Client {
	t.Helper()
	return newTestClient(t, baseURL, func(o *Options) {
		o.Auth = af.auth
		if mod != nil {
			mod(o)
		}
	})
}

// fastConfig retries quickly and has no limiter.
var fastConfig = Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, RequestsPerSecond: -1}

func newTestClient(t testing.TB, baseURL string, mod func(*Options)) *Client {
	t.Helper()
	opts := Options{
		Provider:  "testca",
		BaseURL:   baseURL,
		Auth:      Auth{Key: testKey, Header: "X-Api-Key"},
		Config:    fastConfig,
		UserAgent: "anyca-test/1",
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	require.NoError(t, err)
	return c
}

// requireModelError ends the test unless err is or wraps a *model.Error, and returns it.
func requireModelError(t testing.TB, err error) *model.Error {
	t.Helper()
	var me *model.Error
	require.ErrorAs(t, err, &me)
	return me
}

// assertNoKey fails if s contains any form of the test key.
func assertNoKey(t testing.TB, what, s string) {
	t.Helper()
	for _, f := range keyForms {
		if strings.Contains(s, f) {
			t.Errorf("%s contains the key (%q): %s", what, f, s)
		}
	}
}

// assertErrorHasNoKey checks every print form of err and of each error in its chain.
func assertErrorHasNoKey(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	seen := 0
	var walk func(e error)
	walk = func(e error) {
		if e == nil || seen > 50 {
			return
		}
		seen++
		for _, verb := range []string{"%s", "%v", "%+v", "%#v", "%q"} {
			assertNoKey(t, fmt.Sprintf("%T printed with %s", e, verb), fmt.Sprintf(verb, e))
		}
		var ue *url.Error
		if errors.As(e, &ue) {
			assertNoKey(t, "url.Error.URL", ue.URL)
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
}

// watchdog fails the test if fn has not returned within limit. It is a guard against a
// hang, not a timing assertion.
func watchdog(t *testing.T, limit time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("still running after %s", limit)
	}
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// cutShort answers 200 with a Content-Length of 100, sends the first 8 bytes of a JSON
// document and hangs up.
func cutShort(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"half":`)
	w.(http.Flusher).Flush()
	hangUp(w)
}

// countingTransport counts the response-body bytes the client reads.
type countingTransport struct {
	next http.RoundTripper
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
