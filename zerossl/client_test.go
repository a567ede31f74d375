package zerossl_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

func TestNotBatchGetter(t *testing.T) {
	var p any = &zerossl.Client{}
	if _, ok := p.(anyca.BatchGetter); ok {
		t.Fatal("zerossl has no batch endpoint; Client must not claim BatchGetter")
	}
}

const testKey = "test-key-0a1b2c3d"

var fastRetry = retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, RequestsPerSecond: -1}

func newClient(t testing.TB, baseURL, key string, mod ...func(*zerossl.Config)) *zerossl.Client {
	t.Helper()
	cfg := zerossl.Config{APIKey: key, BaseURL: baseURL, Retry: fastRetry}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := zerossl.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fake(t *testing.T, opts ...zerossltest.Option) (*zerossltest.Server, *zerossl.Client) {
	t.Helper()
	s := zerossltest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s, newClient(t, s.URL, s.APIKey)
}

// listAll lists every certificate of c, failing tb on an error, and returns how many
// were listed.
func listAll(tb testing.TB, c *zerossl.Client) int {
	tb.Helper()
	n := 0
	for _, err := range c.Certificates(context.Background(), model.CertificateQuery{}) {
		if err != nil {
			tb.Fatal(err)
		}
		n++
	}
	return n
}

func wantKind(t *testing.T, err error, kind error) *model.Error {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("err = %v, want kind %v", err, kind)
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("err %T is not a *model.Error", err)
	}
	if !strings.HasPrefix(err.Error(), "zerossl: ") {
		t.Errorf("error %q is not prefixed with zerossl", err)
	}
	return me
}

func TestNew(t *testing.T) {
	_, err := zerossl.New(zerossl.Config{APIKey: "k-0123456789abcdef", Region: "eu"})
	wantKind(t, err, model.ErrInvalidArgument)
	_, err = zerossl.New(zerossl.Config{})
	wantKind(t, err, model.ErrInvalidArgument)
	_, err = zerossl.New(zerossl.Config{APIKey: "k-0123456789abcdef", BaseURL: "http://example.com"})
	wantKind(t, err, model.ErrInvalidArgument)
	_, err = anyca.New(context.Background(), anyca.Config{Provider: "zerossl", APIKey: "k-0123456789abcdef", Region: "us"})
	wantKind(t, err, model.ErrInvalidArgument)
	p, err := anyca.New(context.Background(), anyca.Config{Provider: "ZeroSSL", APIKey: "k-0123456789abcdef"})
	if err != nil || p.Name() != "zerossl" {
		t.Fatalf("anyca.New: %v %v", p, err)
	}
	cfg := zerossl.Config{APIKey: "very-secret-key-0123"}
	if strings.Contains(cfg.String(), cfg.APIKey) {
		t.Errorf("Config.String shows the key: %s", cfg.String())
	}
	providertest.AssertNeverPrints(t, "zerossl.Config", cfg, cfg.APIKey)
	providertest.AssertNeverPrints(t, "*zerossl.Config", &cfg, cfg.APIKey)
}

func TestCertificateRoundTrip(t *testing.T) {
	s, c := fake(t)
	want := s.AddCertificate(model.Certificate{CommonName: "Example.COM", DNSNames: []string{"www.example.com", "example.com"},
		Status: model.StatusIssued, NotAfter: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), FingerprintSHA1: "AA:BB",
		ReplacesID: "0123456789abcdef0123456789abcdef"})
	if len(want.ID) != 32 {
		t.Fatalf("id %q", want.ID)
	}
	got, err := c.Certificate(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("got  %+v\nwant %+v", *got, want)
	}
	if want.Product != "ZeroSSL 90-day" || !reflect.DeepEqual(want.DNSNames, []string{"example.com", "www.example.com"}) {
		t.Errorf("fake normalization: %+v", want)
	}
}

func TestCertificateBadIDsMakeNoRequest(t *testing.T) {
	s, c := fake(t)
	for _, id := range []string{"", "../certificates", "0123456789abcdef0123456789abcd/f", "..",
		"0123456789abcdef0123456789abcd\x00", "0123456789abcdef0123456789abcdef/status"} {
		_, err := c.Certificate(context.Background(), id)
		wantKind(t, err, model.ErrInvalidArgument)
		_, err = c.Challenges(context.Background(), id)
		wantKind(t, err, model.ErrInvalidArgument)
	}
	if n := s.Requests(); n != 0 {
		t.Errorf("%d requests for malformed ids", n)
	}
	// Ids are opaque: one of another shape is looked up, escaped as one path segment,
	// and the CA says it does not know it.
	for _, id := range []string{"abc", "0123456789abcdef0123456789abcd?f", "0123456789abcdef0123456789abcd%2", "OID 22#33"} {
		before := s.Requests()
		_, err := c.Certificate(context.Background(), id)
		wantKind(t, err, model.ErrNotFound)
		if s.Requests() != before+1 {
			t.Errorf("Certificate(%q): %d requests, want 1", id, s.Requests()-before)
		}
	}
	_, err := c.Certificate(context.Background(), "ffffffffffffffffffffffffffffffff")
	me := wantKind(t, err, model.ErrNotFound)
	if me.Code != "2803 certificate_not_found" || me.HTTPStatus != 200 {
		t.Errorf("code %q status %d", me.Code, me.HTTPStatus)
	}
}

// bodyServer answers every request with status and body.
func bodyServer(t *testing.T, status int, contentType, body string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestHTTP200ErrorsMapToKinds: ZeroSSL's irregular HTTP-200 envelopes (success as a
// string or a number or missing, an error without a code) and the testdata error
// payloads are errors of the right kind. TestKindForCode checks every code the same way.
func TestHTTP200ErrorsMapToKinds(t *testing.T) {
	cases := []struct {
		body string
		kind error
		code string
	}{
		{`{"success":"0","error":{"code":"101","type":"invalid_access_key"}}`, model.ErrUnauthenticated, "101 invalid_access_key"},
		{`{"success":0,"error":{"code":102,"type":"inactive_user"}}`, model.ErrUnauthenticated, "102 inactive_user"},
		{`{"error":{"code":2803,"type":"certificate_not_found"}}`, model.ErrNotFound, "2803 certificate_not_found"},
		{`{"success":false}`, model.ErrUnavailable, ""},
	}
	for _, tc := range cases {
		srv, _ := bodyServer(t, 200, "application/json", tc.body)
		c := newClient(t, srv.URL, testKey)
		_, err := c.Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
		me := wantKind(t, err, tc.kind)
		if me.Code != tc.code || me.HTTPStatus != 200 {
			t.Errorf("%s: code %q status %d", tc.body, me.Code, me.HTTPStatus)
		}
	}
	// The testdata payloads, including a DCV failure with details and code 0.
	for file, kind := range map[string]error{"error-not-found.json": model.ErrNotFound,
		"error-string-code.json": model.ErrUnauthenticated, "error-dcv-failed.json": model.ErrInvalidArgument,
		"error-2838.json": model.ErrUnavailable} {
		b, _ := os.ReadFile("testdata/" + file)
		srv, _ := bodyServer(t, 200, "application/json", string(b))
		_, err := newClient(t, srv.URL, testKey).Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
		wantKind(t, err, kind)
	}
}

func TestNonJSONBodies(t *testing.T) {
	html, _ := os.ReadFile("testdata/proxy-502.html")
	// HTML with 200: an error with the status kept, not retried.
	srv, n := bodyServer(t, 200, "text/html", string(html))
	_, err := newClient(t, srv.URL, testKey).Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
	me := wantKind(t, err, model.ErrUnavailable)
	if me.HTTPStatus != 200 || n.Load() != 1 || !errors.Is(err, retry.ErrMalformedResponse) {
		t.Errorf("status %d requests %d err %v", me.HTTPStatus, n.Load(), err)
	}
	// HTML with 502 and 429: retried, status kept. An HTML 404 is a missing endpoint
	// (wrong BaseURL, a proxy), not a missing certificate: unavailable, not retried.
	for status, kind := range map[int]error{502: model.ErrUnavailable, 429: model.ErrRateLimited, 404: model.ErrUnavailable} {
		srv, n := bodyServer(t, status, "text/html", string(html))
		_, err := newClient(t, srv.URL, testKey).Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
		me := wantKind(t, err, kind)
		wantN := int64(3)
		if status == 404 {
			wantN = 1
		}
		if me.HTTPStatus != status || n.Load() != wantN {
			t.Errorf("%d: status %d requests %d", status, me.HTTPStatus, n.Load())
		}
	}
	// Broken JSON and wrong types: malformed, clear, no panic.
	for _, body := range []string{`{"id":`, `[]`, `{"id":"x","type":{}}`, `{"success":true,"id":"x","created":"soon"}`} {
		srv, _ := bodyServer(t, 200, "application/json", body)
		_, err := newClient(t, srv.URL, testKey).Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
		wantKind(t, err, model.ErrUnavailable)
	}
}

// TestListAnswersEmptyAndForeign: ZeroSSL's own answer for an account without
// certificates is an empty listing, while CertCentral's empty List orders answer (its
// "page" an object, no "results") is a foreign document, never an empty account.
func TestListAnswersEmptyAndForeign(t *testing.T) {
	srv, _ := bodyServer(t, 200, "application/json",
		`{"total_count":0,"result_count":0,"page":1,"limit":100,"acmeUsageLevel":"LOW","isAcmeLocked":false,"results":[]}`)
	if n := listAll(t, newClient(t, srv.URL, testKey)); n != 0 {
		t.Errorf("ZeroSSL's empty list gave %d certificates", n)
	}
	srv, _ = bodyServer(t, 200, "application/json", `{"page":{"total":0,"limit":1,"offset":0}}`)
	err := secretstest.FirstError(newClient(t, srv.URL, testKey).Certificates(context.Background(), model.CertificateQuery{}))
	if me := wantKind(t, err, model.ErrUnavailable); me.Code != wire.CodeUnexpectedDocument {
		t.Errorf("CertCentral's empty list read by ZeroSSL: code %q, want %s", me.Code, wire.CodeUnexpectedDocument)
	}
}

func TestFaultsFromFake(t *testing.T) {
	s, c := fake(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "a.example", Status: model.StatusIssued})
	s.FailNext(2, zerossltest.Fault{Kind: providertest.FaultRateLimit, RetryAfter: "0"})
	if _, err := c.Certificate(context.Background(), cert.ID); err != nil {
		t.Fatalf("two 429s then success: %v", err)
	}
	s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultRateLimit, RetryAfter: "0"})
	_, err := c.Certificate(context.Background(), cert.ID)
	me := wantKind(t, err, model.ErrRateLimited)
	if me.HTTPStatus != 429 || me.Code != "429 too_many_requests" {
		t.Errorf("429: %+v", me)
	}
	s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultHTMLError, Status: 503})
	_, err = c.Certificate(context.Background(), cert.ID)
	if me := wantKind(t, err, model.ErrUnavailable); me.HTTPStatus != 503 {
		t.Errorf("html 503: %v", err)
	}
	// A cut answer is retried when the cut comes before the headers, and an error of
	// kind unavailable when the body is cut after a 200: either way no panic.
	s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultTruncated})
	if _, err = c.Certificate(context.Background(), cert.ID); err != nil {
		wantKind(t, err, model.ErrUnavailable)
	}
}

func TestListing250CertificatesOver3PagesWithStringPage(t *testing.T) {
	s, c := fake(t, zerossltest.WithPageAsString(true))
	want := map[string]bool{}
	for i := 0; i < 250; i++ {
		cert := s.AddCertificate(model.Certificate{CommonName: fmt.Sprintf("host%03d.example.com", i), Status: model.StatusIssued})
		want[cert.ID] = true
	}
	got := map[string]int{}
	var prev time.Time
	for cert, err := range c.Certificates(context.Background(), model.CertificateQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !prev.IsZero() && cert.CreatedAt.After(prev) {
			t.Fatal("not newest first")
		}
		prev = cert.CreatedAt
		got[cert.ID]++
	}
	if len(got) != 250 {
		t.Fatalf("listed %d distinct, want 250", len(got))
	}
	for id, n := range got {
		if n != 1 || !want[id] {
			t.Fatalf("%s listed %d times", id, n)
		}
	}
	if r := s.Requests(); r != 3 {
		t.Errorf("%d requests, want 3", r)
	}
}

func TestListingFiltersAndQuery(t *testing.T) {
	var queries []string
	s := zerossltest.NewServer()
	t.Cleanup(s.Close)
	spy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		q.Del("access_key")
		queries = append(queries, q.Encode())
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(spy.Close)
	c := newClient(t, spy.URL, s.APIKey)
	issued := s.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusIssued})
	s.AddCertificate(model.Certificate{CommonName: "blog.example.com", Status: model.StatusDraft})
	s.AddCertificate(model.Certificate{CommonName: "old.example.com", Status: model.StatusRejected}) // stored as cancelled

	collect := func(q model.CertificateQuery) []string {
		var ids []string
		for cert, err := range c.Certificates(context.Background(), q) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, cert.CommonName)
		}
		return ids
	}
	if got := collect(model.CertificateQuery{}); len(got) != 3 {
		t.Errorf("all: %v", got)
	}
	if queries[0] != "certificate_status=draft%2Cpending_validation%2Cissued%2Ccancelled%2Crevoked%2Cexpired&limit=100&page=1" {
		t.Errorf("all statuses must be explicit: %s", queries[0])
	}
	if got := collect(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusIssued, model.StatusRejected}}); !reflect.DeepEqual(got, []string{issued.CommonName}) {
		t.Errorf("issued: %v", got)
	}
	if q := queries[len(queries)-1]; q != "certificate_status=issued&limit=100&page=1" {
		t.Errorf("rejected must be dropped from the filter: %s", q)
	}
	before := s.Requests()
	if got := collect(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusRejected, model.StatusUnknown}}); len(got) != 0 {
		t.Errorf("only unsupported statuses: %v", got)
	}
	if s.Requests() != before {
		t.Error("a filter of only unsupported statuses must make no request")
	}
	if got := collect(model.CertificateQuery{Search: "blog.example", PageSize: 5000}); !reflect.DeepEqual(got, []string{"blog.example.com"}) {
		t.Errorf("search: %v", got)
	}
	if q := queries[len(queries)-1]; !strings.Contains(q, "search=blog.example") || !strings.Contains(q, "limit=1000") {
		t.Errorf("search query: %s", q)
	}
}

// A server that repeats its first page forever and claims a huge total.
func TestListingGuardsAgainstRepeatedPages(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprint(w, `{"total_count":"1000000","page":"1","limit":"2","results":[`+
			`{"id":"11111111111111111111111111111111","common_name":"a.example","status":"issued","created":"2024-01-01 00:00:00"},`+
			`{"id":"22222222222222222222222222222222","common_name":"b.example","status":"issued","created":"2024-01-01 00:00:00"}]}`)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, testKey)
	count := 0
	var last error
	for _, err := range c.Certificates(context.Background(), model.CertificateQuery{PageSize: 2}) {
		if err != nil {
			last = err
			continue
		}
		count++
	}
	if count != 2 || n.Load() != 2 {
		t.Errorf("yielded %d in %d requests, want 2 in 2", count, n.Load())
	}
	var me *model.Error
	if !errors.As(last, &me) || me.Code != "pagination_stalled" || !errors.Is(last, model.ErrUnavailable) {
		t.Errorf("a repeated page must end the listing with pagination_stalled, got %v", last)
	}
}

func TestListingErrorEndsIteration(t *testing.T) {
	s, c := fake(t)
	for i := 0; i < 5; i++ {
		s.AddCertificate(model.Certificate{CommonName: fmt.Sprintf("h%d.example.com", i)})
	}
	s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultServerError})
	s.FailNext(5, zerossltest.Fault{Kind: providertest.FaultHTMLError})
	var errs int
	for cert, err := range c.Certificates(context.Background(), model.CertificateQuery{PageSize: 2}) {
		if err != nil {
			errs++
			wantKind(t, err, model.ErrUnavailable)
			if cert != nil {
				t.Error("error with a certificate")
			}
		}
	}
	if errs != 1 {
		t.Errorf("%d errors", errs)
	}
}

// Every failure path, printed every way and logged at debug level, never shows the key.
func TestKeyNeverLeaks(t *testing.T) {
	const key = "s3cr3t-KEY+with/odd=chars"
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	withLog := func(cfg *zerossl.Config) { cfg.Logger = logger }
	id := "0123456789abcdef0123456789abcdef"

	s := zerossltest.NewServer(zerossltest.WithAPIKey(key))
	t.Cleanup(s.Close)
	other := zerossltest.NewServer(zerossltest.WithAPIKey(key))
	t.Cleanup(other.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"success":false,"error":{"code":101,"type":"invalid_access_key %s","info":"bad key %s in %s"}}`,
			r.URL.Query().Get("access_key"), r.URL.Query().Get("access_key"), r.URL.String())
	}))
	t.Cleanup(echo.Close)
	echo5xx := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprintf(w, "<html>upstream %s failed</html>", r.URL.String())
	}))
	t.Cleanup(echo5xx.Close)
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"id":"%s","pad":"%s"}`, r.URL.Query().Get("access_key"), strings.Repeat("x", 4096))
	}))
	t.Cleanup(big.Close)
	badJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"id": %s`, r.URL.Query().Get("access_key"))
	}))
	t.Cleanup(badJSON.Close)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	ln.Close()

	type tc struct {
		name string
		url  string
		prep func()
		ctx  func() (context.Context, context.CancelFunc)
		mod  func(*zerossl.Config)
	}
	bg := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
	cases := []tc{
		{name: "dial refused", url: refused},
		{name: "timeout", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultSlow, Delay: time.Second}) },
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 30*time.Millisecond)
			}},
		{name: "client timeout", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultSlow, Delay: time.Second}) },
			mod: func(c *zerossl.Config) { c.HTTPClient = &http.Client{Timeout: 20 * time.Millisecond} }},
		{name: "5xx exhaustion", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultServerError}) }},
		{name: "5xx echoing url", url: echo5xx.URL},
		{name: "html body", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultHTMLError}) }},
		{name: "reset", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultReset}) }},
		{name: "truncated", url: s.URL, prep: func() { s.FailNext(3, zerossltest.Fault{Kind: providertest.FaultTruncated}) }},
		{name: "bad json", url: badJSON.URL},
		{name: "200 error", url: s.URL, mod: func(c *zerossl.Config) {}},
		{name: "200 error echoing the key", url: echo.URL},
		{name: "redirect to another host", url: redirect.URL},
		{name: "oversized body", url: big.URL, mod: func(c *zerossl.Config) { c.MaxBodyBytes = 1024 }},
		{name: "cancelled ctx", url: s.URL, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
		{name: "cancelled while slow", url: s.URL, prep: func() { s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultSlow}) },
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 20*time.Millisecond)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			if tc.prep != nil {
				tc.prep()
			}
			mods := []func(*zerossl.Config){withLog}
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			c := newClient(t, tc.url, key, mods...)
			mk := tc.ctx
			if mk == nil {
				mk = bg
			}
			ctx, cancel := mk()
			defer cancel()
			var errs []error
			_, err := c.Certificate(ctx, id)
			errs = append(errs, err)
			for _, err := range c.Certificates(ctx, model.CertificateQuery{}) {
				errs = append(errs, err)
			}
			_, err = c.DomainValidation(ctx, "example.com")
			errs = append(errs, err)
			for _, err := range errs {
				if err == nil {
					if tc.name == "200 error" {
						continue // the right key reaches the fake: no error for the listing
					}
					t.Fatal("no error")
				}
				for _, out := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err),
					fmt.Sprintf("%s", err), fmt.Sprintf("%q", err), fmt.Sprintf("%#v", errors.Unwrap(err))} {
					if strings.Contains(out, key) || strings.Contains(out, "s3cr3t") {
						t.Fatalf("key in error: %s", out)
					}
				}
				var me *model.Error
				if !errors.As(err, &me) {
					t.Fatalf("%T is not a *model.Error", err)
				}
				if me.Err != nil {
					if s := fmt.Sprintf("%#v %+v", me.Err, me.Err); strings.Contains(s, "s3cr3t") {
						t.Fatalf("key in cause: %s", s)
					}
				}
			}
			if tc.name != "cancelled ctx" && !strings.Contains(logs.String(), "access_key=[REDACTED]") {
				t.Errorf("debug log has no redacted request line: %q", logs.String())
			}
			if strings.Contains(logs.String(), "s3cr3t") {
				t.Fatalf("key in logs: %s", logs.String())
			}
		})
	}
}

func TestShortSearchIsNotWidened(t *testing.T) {
	s, c := fake(t)
	s.AddCertificate(model.Certificate{CommonName: "ab.example.com", Status: model.StatusIssued})
	s.AddCertificate(model.Certificate{CommonName: "cd.example.com", DNSNames: []string{"xab.example.org"}, Status: model.StatusDraft})
	s.AddCertificate(model.Certificate{CommonName: "zz.example.com", Status: model.StatusIssued})
	var got []string
	for cert, err := range c.Certificates(context.Background(), model.CertificateQuery{Search: "AB"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, cert.CommonName)
	}
	if !reflect.DeepEqual(got, []string{"cd.example.com", "ab.example.com"}) {
		t.Errorf("short search: %v", got)
	}
}

// The CLI simulator mounts the fake under a path prefix; the base URL then has a path.
func TestBaseURLWithPathPrefix(t *testing.T) {
	s := zerossltest.NewUnstarted()
	mux := http.NewServeMux()
	mux.Handle("/zerossl/", http.StripPrefix("/zerossl", s.Handler()))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	cert := s.AddCertificate(model.Certificate{CommonName: "p.example.com", Status: model.StatusIssued})
	for _, base := range []string{ts.URL + "/zerossl", ts.URL + "/zerossl/"} {
		c := newClient(t, base, s.APIKey)
		if _, err := c.Certificate(context.Background(), cert.ID); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if n := listAll(t, c); n != 1 {
			t.Errorf("%s: %d", base, n)
		}
	}
}

func TestCAAIdentities(t *testing.T) {
	_, c := fake(t)
	// api-notes: ZeroSSL certificates are issued by Sectigo; CAA must allow sectigo.com.
	providertest.CheckCAAIdentities(t, c, "sectigo.com")
}
