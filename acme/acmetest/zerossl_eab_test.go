package acmetest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// zeroSSLAPIKey is the ZeroSSL REST API key of these tests: it may reach ZeroSSL's EAB
// endpoint and nothing else, and no error may show it.
const zeroSSLAPIKey = "zs-rest-key-4f9c2e7a1b8d3f6e0a5c"

// fakeZeroSSL plays ZeroSSL's REST API host (api.zerossl.com) for its EAB endpoint: it
// records every request ("METHOD /path?query", and the body's length) and answers
// each with answer.
type fakeZeroSSL struct {
	srv      *httptest.Server
	answer   func(w http.ResponseWriter)
	mu       sync.Mutex
	requests []string
}

func startFakeZeroSSL(t *testing.T, answer func(w http.ResponseWriter)) *fakeZeroSSL {
	t.Helper()
	z := &fakeZeroSSL{answer: answer}
	z.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		z.mu.Lock()
		z.requests = append(z.requests, fmt.Sprintf("%s %s (%d body bytes)", r.Method, r.URL.RequestURI(), len(body)))
		z.mu.Unlock()
		z.answer(w)
	}))
	t.Cleanup(z.srv.Close)
	return z
}

func (z *fakeZeroSSL) seen() []string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return append([]string(nil), z.requests...)
}

// eabCredentials is ZeroSSL's answer with EAB credentials: those a Server with
// RequireEAB accepts.
func eabCredentials(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"success":1,"eab_kid":%q,"eab_hmac_key":%q}`, acmetest.EABKeyID, acmetest.EABHMACKey)
}

// toFakeZeroSSL routes the requests for api.zerossl.com (acme.ZeroSSLEABURL's host) to
// the fake ZeroSSL and every other request to the ACME server, each over a transport
// that trusts that server's certificate.
type toFakeZeroSSL struct {
	zerossl *httptest.Server
	acme    http.RoundTripper
}

func (r toFakeZeroSSL) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "api.zerossl.com" {
		return r.acme.RoundTrip(req)
	}
	to, err := url.Parse(r.zerossl.URL)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host, out.Host = to.Scheme, to.Host, ""
	return r.zerossl.Client().Transport.RoundTrip(out)
}

// acmeSpy sees every request the ACME server gets: it counts account lookups
// (onlyReturnExisting) and registrations apart, and keeps every request in whose text
// (request line, headers, body, and a JWS body's protected header and payload decoded)
// secret appears.
type acmeSpy struct {
	secret        string
	lookups       atomic.Int64
	registrations atomic.Int64
	mu            sync.Mutex
	leaks         []string
}

func (s *acmeSpy) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		signed := jwsText(body)
		text := fmt.Sprintf("%s %s\n%v\n%s\n%s", r.Method, r.RequestURI, r.Header, body, signed)
		if strings.Contains(text, s.secret) || strings.Contains(text, url.QueryEscape(s.secret)) {
			s.mu.Lock()
			s.leaks = append(s.leaks, r.Method+" "+r.URL.Path)
			s.mu.Unlock()
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sign-me-up") {
			if strings.Contains(signed, `"onlyReturnExisting":true`) {
				s.lookups.Add(1)
			} else {
				s.registrations.Add(1)
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *acmeSpy) leaked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.leaks...)
}

// jwsText returns the protected header and the payload of a flattened JWS body,
// decoded, or "" for a body that is not one.
func jwsText(body []byte) string {
	var jws struct {
		Protected string `json:"protected"`
		Payload   string `json:"payload"`
	}
	if json.Unmarshal(body, &jws) != nil {
		return ""
	}
	protected, _ := base64.RawURLEncoding.DecodeString(jws.Protected)
	payload, _ := base64.RawURLEncoding.DecodeString(jws.Payload)
	return string(protected) + "\n" + string(payload)
}

// zeroSSLConfig is the Config of the zerossl-acme provider for a new account on srv,
// with zeroSSLAPIKey and no EAB credentials, its ZeroSSL requests going to z.
func zeroSSLConfig(t *testing.T, srv *acmetest.Server, z *fakeZeroSSL, stateDir string) anyca.Config {
	t.Helper()
	key, err := acme.NewKey()
	require.NoError(t, err)
	return anyca.Config{Provider: "zerossl-acme", BaseURL: srv.DirectoryURL, APIKey: zeroSSLAPIKey,
		HTTPClient: &http.Client{Transport: toFakeZeroSSL{zerossl: z.srv, acme: srv.Client().Transport}},
		ACME:       &anyca.ACMEAccount{Key: key, AgreeTerms: true, StateDir: stateDir}}
}

// TestZeroSSLEABFromAPIKey: the zerossl-acme provider, given a ZeroSSL REST API key and
// no EAB credentials, fetches them with one POST to ZeroSSL's EAB endpoint (the key in
// access_key, no body) and registers with them at a CA that requires EAB; the key
// reaches that endpoint only, never the ACME CA. The account URL is kept in StateDir: a
// second provider on the same StateDir fetches no credentials and sends no account
// request at all (ZeroSSL refuses a second registration with the same EAB), and it is
// the same account (it reads the first provider's order).
func TestZeroSSLEABFromAPIKey(t *testing.T) {
	z := startFakeZeroSSL(t, eabCredentials)
	spy := &acmeSpy{secret: zeroSSLAPIKey}
	srv, err := acmetest.New(acmetest.Options{RequireEAB: true, Wrap: spy.wrap})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg := zeroSSLConfig(t, srv, z, t.TempDir())
	ctx := context.Background()

	p, err := anyca.New(ctx, cfg)
	require.NoError(t, err)
	first, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"eab.example.com"}, CSR: csrFor(t, "eab.example.com")})
	require.NoError(t, err, "registered with the EAB credentials fetched with the API key")
	assert.Equal(t, []string{"POST /acme/eab-credentials?access_key=" + url.QueryEscape(zeroSSLAPIKey) + " (0 body bytes)"}, z.seen())
	assert.EqualValues(t, 1, spy.lookups.Load(), "account lookups")
	assert.EqualValues(t, 1, spy.registrations.Load(), "registrations")

	restarted, err := anyca.New(ctx, cfg)
	require.NoError(t, err)
	_, err = anyca.Order(ctx, restarted, model.OrderRequest{Names: []string{"again.example.com"}, CSR: csrFor(t, "again.example.com")})
	require.NoError(t, err)
	got, err := restarted.Certificate(ctx, first.ID)
	require.NoError(t, err, "the same account: it may read the first provider's order")
	assert.Equal(t, []string{"eab.example.com"}, got.DNSNames)
	assert.Len(t, z.seen(), 1, "no EAB credentials fetched again")
	assert.EqualValues(t, 1, spy.lookups.Load(), "no account lookup: the URL is in StateDir")
	assert.EqualValues(t, 1, spy.registrations.Load(), "no second registration")
	assert.Empty(t, spy.leaked(), "requests to the ACME CA that carry the API key")
}

// TestZeroSSLEABErrors: when ZeroSSL's EAB endpoint gives no credentials, the call that
// needed the account fails with a *model.Error of the kind the answer means (ZeroSSL's
// own error codes, sent with HTTP 200, kept in Code: 2902 and 2903 unavailable, 2904
// and 2905, too many credentials, rate limited, 101 a wrong key unauthenticated; a 401
// or 403 unauthenticated; a proxy's HTML page or a body that is not JSON by its status,
// which is kept), no account is registered, and the API key, which each answer echoes
// as a proxy's error page echoes the URL, shows in no form of the error.
func TestZeroSSLEABErrors(t *testing.T) {
	echoed := "https://api.zerossl.com/acme/eab-credentials?access_key=" + zeroSSLAPIKey
	zeroSSLError := func(code int, typ string) (int, string, string) {
		return http.StatusOK, "application/json", fmt.Sprintf(`{"success":false,"error":{"code":%d,"type":%q,"info":%q}}`, code, typ, echoed)
	}
	page := fmt.Sprintf("<html><body><h1>Error</h1><p>%s</p></body></html>", echoed)
	for _, tc := range []struct {
		name   string
		answer func() (status int, contentType, body string)
		kind   error
		code   string
		status int
	}{
		{"2902 maintenance", func() (int, string, string) { return zeroSSLError(2902, "failed_creating_eab_account") }, model.ErrUnavailable, "2902", http.StatusOK},
		{"2903 not saved", func() (int, string, string) { return zeroSSLError(2903, "failed_saving_eab_account") }, model.ErrUnavailable, "2903", http.StatusOK},
		{"2904 too many today", func() (int, string, string) { return zeroSSLError(2904, "too_many_eab_credentials_created_today") }, model.ErrRateLimited, "2904", http.StatusOK},
		{"2905 too many for the user", func() (int, string, string) { return zeroSSLError(2905, "too_many_eab_credentials_created_for_user") }, model.ErrRateLimited, "2905", http.StatusOK},
		{"101 wrong key", func() (int, string, string) { return zeroSSLError(101, "invalid_access_key "+zeroSSLAPIKey) }, model.ErrUnauthenticated, "101", http.StatusOK},
		{"401", func() (int, string, string) { return http.StatusUnauthorized, "text/plain", "unauthorized: " + echoed }, model.ErrUnauthenticated, "", http.StatusUnauthorized},
		{"403 page", func() (int, string, string) { return http.StatusForbidden, "text/html", page }, model.ErrUnauthenticated, "", http.StatusForbidden},
		{"503 page", func() (int, string, string) { return http.StatusServiceUnavailable, "text/html", page }, model.ErrUnavailable, "", http.StatusServiceUnavailable},
		{"429 page", func() (int, string, string) { return http.StatusTooManyRequests, "text/html", page }, model.ErrRateLimited, "", http.StatusTooManyRequests},
		{"200 page", func() (int, string, string) { return http.StatusOK, "text/html", page }, model.ErrUnavailable, "", http.StatusOK},
		{"not JSON", func() (int, string, string) {
			return http.StatusOK, "application/json", "eab_kid=" + acmetest.EABKeyID + "&access_key=" + zeroSSLAPIKey
		}, model.ErrUnavailable, "", http.StatusOK},
		{"success without credentials", func() (int, string, string) {
			return http.StatusOK, "application/json", fmt.Sprintf(`{"success":1,"info":%q}`, echoed)
		}, model.ErrUnavailable, "", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := startFakeZeroSSL(t, func(w http.ResponseWriter) {
				status, contentType, body := tc.answer()
				w.Header().Set("Content-Type", contentType)
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
			})
			spy := &acmeSpy{secret: zeroSSLAPIKey}
			srv, err := acmetest.New(acmetest.Options{RequireEAB: true, Wrap: spy.wrap})
			require.NoError(t, err)
			t.Cleanup(srv.Close)
			cfg := zeroSSLConfig(t, srv, z, "")
			cfg.Retry = retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: 10 * time.Millisecond}
			p, err := anyca.New(context.Background(), cfg)
			require.NoError(t, err)

			_, err = anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"eab.example.com"}, CSR: csrFor(t, "eab.example.com")})
			me := requireKind(t, err, tc.kind, tc.code)
			assert.Equal(t, tc.status, me.HTTPStatus, "%v", err)
			for _, verb := range []string{"%v", "%+v", "%#v", "%q", "%s"} {
				assert.NotContains(t, fmt.Sprintf(verb, err), zeroSSLAPIKey, verb)
			}
			assert.NotEmpty(t, z.seen(), "the EAB endpoint was asked")
			assert.Zero(t, spy.registrations.Load(), "no registration without EAB credentials")
			assert.Empty(t, spy.leaked(), "requests to the ACME CA that carry the API key")
		})
	}
}
