package digicert_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/anyca/anyca/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fastRetry = retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}

func newFake(t *testing.T, opts ...digicerttest.Option) *digicerttest.Server {
	t.Helper()
	s := digicerttest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func client(t *testing.T, s *digicerttest.Server, key string) *digicert.Client {
	t.Helper()
	if key == "" {
		key = s.APIKey
	}
	c, err := digicert.New(digicert.Config{APIKey: key, BaseURL: s.URL, Retry: fastRetry})
	require.NoError(t, err)
	return c
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seedCert(s *digicerttest.Server, i int, status model.CertificateStatus) model.Certificate {
	return s.AddCertificate(model.Certificate{
		CommonName: fmt.Sprintf("host%d.example.com", i), DNSNames: []string{fmt.Sprintf("alt%d.example.com", i)},
		Status: status, Level: model.LevelOV, SerialNumber: fmt.Sprintf("0A:%02X:FF", i%256),
		FingerprintSHA1: fmt.Sprintf("%040x", i), CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		NotBefore: day(2024, 1, 2), NotAfter: day(2025, 1, 2),
	})
}

func collect[T any](t *testing.T, seq func(func(*T, error) bool)) []*T {
	t.Helper()
	var out []*T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func TestNewConfig(t *testing.T) {
	_, err := digicert.New(digicert.Config{})
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	_, err = digicert.New(digicert.Config{APIKey: "k-0123456789abcdef", Region: "mars"})
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	for _, r := range []string{"", "us", "EU"} {
		c, err := digicert.New(digicert.Config{APIKey: "k-0123456789abcdef", Region: r})
		require.NoError(t, err)
		assert.Equal(t, "digicert", c.Name())
	}
	_, err = digicert.New(digicert.Config{APIKey: "secret-key-xyz-0123", BaseURL: "http://example.com/services/v2"})
	require.Error(t, err, "plain http off loopback")
	assert.NotContains(t, err.Error(), "secret-key-xyz-0123")
	cfg := digicert.Config{APIKey: "secret-key-xyz-0123"}
	assert.NotContains(t, cfg.String(), cfg.APIKey)
	providertest.AssertNeverPrints(t, "digicert.Config", cfg, cfg.APIKey)
	providertest.AssertNeverPrints(t, "*digicert.Config", &cfg, cfg.APIKey)
}

func TestRegisteredInRoot(t *testing.T) {
	s := newFake(t)
	want := seedCert(s, 1, model.StatusIssued)
	p, err := anyca.New(context.Background(), anyca.Config{Provider: "digicert", APIKey: s.APIKey, BaseURL: s.URL, Retry: fastRetry})
	require.NoError(t, err)
	got, err := p.Certificate(context.Background(), want.ID)
	require.NoError(t, err)
	assert.Equal(t, &want, got)
}

func TestCertificate(t *testing.T) {
	s := newFake(t)
	want := seedCert(s, 7, model.StatusIssued)
	c := client(t, s, "")
	ctx := context.Background()
	got, err := c.Certificate(ctx, want.ID)
	require.NoError(t, err)
	assert.Equal(t, &want, got)
	assert.Equal(t, "0a07ff", got.SerialNumber)
	// The order path also takes the thumbprint.
	byThumb, err := c.Certificate(ctx, strings.ToUpper(want.FingerprintSHA1))
	require.NoError(t, err)
	assert.Equal(t, want.ID, byThumb.ID)

	_, err = c.Certificate(ctx, "999999999")
	assert.ErrorIs(t, err, model.ErrNotFound)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "not_found|order", me.Code)
	assert.Equal(t, 404, me.HTTPStatus)
	assert.True(t, strings.HasPrefix(err.Error(), "digicert: "))

	before := s.Requests()
	// Ids are opaque (DigiCert's own SDK data has "OID-223344"): only what can never be
	// an id is refused without a request; "abc" is CertCentral's to judge.
	for _, id := range []string{"../domain", "a/b", "x\ny", ".."} {
		_, err = c.Certificate(ctx, id)
		assert.Equal(t, model.ErrInvalidArgument, model.KindOf(err), "Certificate(%q): %v", id, err)
	}
	assert.Equal(t, before, s.Requests(), "no request for a malformed id")
}

// answerServer answers every request with status and body, counting the requests.
func answerServer(t *testing.T, status int, body string) (*digicert.Client, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := digicert.New(digicert.Config{APIKey: "answer-key-0123456789abcdef", BaseURL: srv.URL,
		Retry: retry.Config{MaxAttempts: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}})
	require.NoError(t, err)
	return c, &n
}

// TestInvalidKey403IsUnauthenticatedWithoutFallbacks: CertCentral answers an invalid key
// with 403 access_denied|access_denied_invalid_key (api-notes, recorded from the live
// API). That is ErrUnauthenticated, never ErrPermissionDenied, and takes none of the
// view-only-key fallbacks: one request per call.
func TestInvalidKey403IsUnauthenticatedWithoutFallbacks(t *testing.T) {
	c, requests := answerServer(t, http.StatusForbidden,
		`{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]}`)
	ctx := context.Background()
	for op, call := range map[string]func() error{
		"Certificate":      func() error { _, err := c.Certificate(ctx, "123"); return err },
		"CertificatesByID": func() error { _, err := c.CertificatesByID(ctx, []string{"1", "2", "3"}); return err },
		"Challenges":       func() error { _, err := c.Challenges(ctx, "123"); return err },
	} {
		err := call()
		assert.ErrorIs(t, err, model.ErrUnauthenticated, op)
		assert.NotErrorIs(t, err, model.ErrPermissionDenied, op)
		assert.EqualValues(t, 1, requests.Swap(0), "%s: one request, no view-only-key fallback on an invalid key", op)
	}
}

// TestErrorsAsObject: an old CertCentral error form has "errors" as an object rather than
// an array (api-notes); its code and message are read all the same.
func TestErrorsAsObject(t *testing.T) {
	c, _ := answerServer(t, http.StatusBadRequest, `{"errors":{"code":"not_found|order","message":"No such order."}}`)
	_, err := c.Certificate(context.Background(), "123")
	assert.ErrorIs(t, err, model.ErrNotFound)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "not_found|order", me.Code)
	assert.Contains(t, me.Message, "No such order")
}

// TestListOrdersEmptyAndForeign: CertCentral's empty List orders answer has no "orders"
// member at all (api-notes) and is an empty listing; ZeroSSL's empty list (its "page" a
// number, no "orders") is a foreign document, never an empty account.
func TestListOrdersEmptyAndForeign(t *testing.T) {
	c, _ := answerServer(t, http.StatusOK, `{"page":{"total":0,"limit":1,"offset":0}}`)
	assert.Empty(t, collect(t, c.Certificates(context.Background(), model.CertificateQuery{})))
	c, _ = answerServer(t, http.StatusOK,
		`{"total_count":0,"result_count":0,"page":1,"limit":100,"acmeUsageLevel":"LOW","isAcmeLocked":false,"results":[]}`)
	n, err := 0, error(nil)
	for _, err = range c.Certificates(context.Background(), model.CertificateQuery{}) {
		if err != nil {
			break
		}
		n++
	}
	assert.Zero(t, n, "ZeroSSL's empty list read by the DigiCert adapter yielded certificates")
	var me *model.Error
	require.ErrorAs(t, err, &me, "ZeroSSL's empty list read by the DigiCert adapter")
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, wire.CodeUnexpectedDocument, me.Code)
}

func TestHTMLAndRateLimitErrors(t *testing.T) {
	s := newFake(t)
	want := seedCert(s, 1, model.StatusIssued)
	c := client(t, s, "")
	ctx := context.Background()
	s.FailNext(3, digicerttest.Fault{Kind: providertest.FaultHTMLError, Status: 503})
	_, err := c.Certificate(ctx, want.ID)
	require.ErrorIs(t, err, model.ErrUnavailable)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 503, me.HTTPStatus)
	assert.NotEmpty(t, me.Message, "a snippet of the HTML page")

	s.FailNext(3, digicerttest.Fault{Kind: providertest.FaultRateLimit, RetryAfter: "0"})
	_, err = c.Certificate(ctx, want.ID)
	require.ErrorIs(t, err, model.ErrRateLimited)
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "request_limit_exceeded", me.Code)

	s.FailNext(2, digicerttest.Fault{Kind: providertest.FaultServerError})
	got, err := c.Certificate(ctx, want.ID)
	require.NoError(t, err, "retried past two 503s")
	assert.Equal(t, want.ID, got.ID)
}

func TestCertificatesPagingExactlyOnce(t *testing.T) {
	s := newFake(t)
	var want []string
	for i := 0; i < 23; i++ {
		want = append(want, seedCert(s, i, model.StatusIssued).ID)
	}
	c := client(t, s, "")
	got := collect(t, c.Certificates(context.Background(), model.CertificateQuery{PageSize: 5}))
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	assert.Equal(t, want, ids)
	assert.EqualValues(t, 5, s.EndpointRequest("GET /order/certificate"))
}

func TestCertificatesFilters(t *testing.T) {
	s := newFake(t)
	issued := seedCert(s, 1, model.StatusIssued)
	expired := seedCert(s, 2, model.StatusExpired)
	pending := s.AddCertificate(model.Certificate{CommonName: "p.example.org", Status: model.StatusPending, VendorStatus: "needs_approval"})
	revoked := seedCert(s, 3, model.StatusRevoked)
	cancelled := seedCert(s, 4, model.StatusCancelled)
	c := client(t, s, "")
	ctx := context.Background()
	ids := func(q model.CertificateQuery) []string {
		var out []string
		for _, g := range collect(t, c.Certificates(ctx, q)) {
			out = append(out, g.ID)
		}
		return out
	}
	assert.Equal(t, []string{issued.ID}, ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusIssued}}),
		"issued filter also matches expired on the server: filtered again here")
	assert.Equal(t, []string{expired.ID}, ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusExpired}}))
	assert.Equal(t, []string{pending.ID}, ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusPending}}))
	assert.Equal(t, []string{revoked.ID, cancelled.ID}, ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusRevoked, model.StatusCancelled}}))
	assert.Empty(t, ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusDraft}}))
	assert.Equal(t, []string{pending.ID}, ids(model.CertificateQuery{Search: "example.org"}))
	assert.Equal(t, []string{issued.ID, expired.ID, pending.ID, revoked.ID, cancelled.ID},
		ids(model.CertificateQuery{Status: []model.CertificateStatus{model.StatusUnknown, model.StatusIssued, model.StatusExpired, model.StatusPending, model.StatusRevoked, model.StatusCancelled}}))
}

func TestCertificatesByIDBatchEqualsSingle(t *testing.T) {
	s := newFake(t)
	var ids []string
	for i := 0; i < 250; i++ {
		ids = append(ids, seedCert(s, i, model.StatusIssued).ID)
	}
	pending := s.AddCertificate(model.Certificate{CommonName: "pending.example.com", Status: model.StatusPending, Level: model.LevelEV})
	ids = append(ids, pending.ID, "424242424", ids[0], "", strings.ToUpper(pending.FingerprintSHA1))
	c := client(t, s, "")
	ctx := context.Background()
	got, err := c.CertificatesByID(ctx, ids)
	require.NoError(t, err)
	assert.Len(t, got, 251)
	assert.NotContains(t, got, "424242424")
	assert.EqualValues(t, 3, s.EndpointRequest("POST /reports/query"))
	assert.Zero(t, s.EndpointRequest("GET /order/certificate/{id}"))
	for _, id := range []string{ids[0], ids[100], pending.ID} {
		single, err := c.Certificate(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, single, got[id])
	}
}

func TestCertificatesByIDFallsBackToREST(t *testing.T) {
	for name, opts := range map[string][]digicerttest.Option{
		"reports disabled": {digicerttest.WithReportsAPI(false)},
		"view-only key":    {digicerttest.WithViewOnlyKey("view-only-key-0123456789")},
	} {
		t.Run(name, func(t *testing.T) {
			s := newFake(t, opts...)
			var ids []string
			for i := 0; i < 12; i++ {
				ids = append(ids, seedCert(s, i, model.StatusIssued).ID)
			}
			key := ""
			if name == "view-only key" {
				key = "view-only-key-0123456789"
			}
			c := client(t, s, key)
			got, err := c.CertificatesByID(context.Background(), append(ids, "77777777"))
			require.NoError(t, err)
			assert.Len(t, got, 12)
			assert.EqualValues(t, 13, s.EndpointRequest("GET /order/certificate/{id}"))
		})
	}
}

func TestCertificatesByIDBatchLimitError(t *testing.T) {
	s := newFake(t, digicerttest.WithGraphQLBatchLimit(10))
	for i := 0; i < 20; i++ {
		seedCert(s, i, model.StatusIssued)
	}
	c := client(t, s, "")
	_, err := c.CertificatesByID(context.Background(), []string{"100001", "100003"})
	require.NoError(t, err)
	c2, err := digicert.New(digicert.Config{APIKey: s.APIKey, BaseURL: s.URL, Retry: fastRetry, BatchSize: 10})
	require.NoError(t, err)
	ids := make([]string, 0, 20)
	for i := 0; i < 20; i++ {
		ids = append(ids, strconv.Itoa(100001+2*i))
	}
	got, err := c2.CertificatesByID(context.Background(), ids)
	require.NoError(t, err)
	assert.Len(t, got, 20)
	c3, err := digicert.New(digicert.Config{APIKey: s.APIKey, BaseURL: s.URL, Retry: fastRetry, BatchSize: 50})
	require.NoError(t, err)
	before := s.EndpointRequest("POST /reports/query")
	got, err = c3.CertificatesByID(context.Background(), ids)
	require.NoError(t, err, "a refused batch size is halved until the server accepts it")
	assert.Len(t, got, 20)
	// 20 ids in a batch of 50: 20 refused, 10 accepted twice.
	assert.LessOrEqual(t, s.EndpointRequest("POST /reports/query")-before, int64(6))
	assert.Zero(t, s.EndpointRequest("GET /order/certificate/{id}"), "no REST fallback for a size problem")

	s2 := newFake(t, digicerttest.WithGraphQLBatchLimit(0))
	c4 := client(t, s2, "")
	got, err = c4.CertificatesByID(context.Background(), []string{"5"})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestDomainValidationExactNameNotSubdomain(t *testing.T) {
	s := newFake(t)
	until := time.Now().Add(200 * 24 * time.Hour).UTC().Truncate(time.Second)
	sub := s.AddDomain(model.DomainValidation{Domain: "sub.example.com", Method: model.ChallengeDNSTXT,
		Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationExpired, ValidUntil: until.Add(-400 * 24 * time.Hour)}}})
	want := s.AddDomain(model.DomainValidation{Domain: "Example.COM", Method: model.ChallengeDNSCNAME,
		ValidatedAt: time.Now().Add(-24 * time.Hour),
		Levels: []model.LevelValidation{
			{Level: model.LevelEV, Status: model.ValidationPending},
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: until},
		}})
	c := client(t, s, "")
	ctx := context.Background()
	got, err := c.DomainValidation(ctx, "EXAMPLE.com.")
	require.NoError(t, err)
	assert.Equal(t, &want, got)
	assert.Equal(t, model.ValidationValid, got.Status)
	require.Len(t, got.Challenges, 1)
	assert.Equal(t, "_dnsauth.example.com", got.Challenges[0].RecordName)
	assert.True(t, strings.HasSuffix(got.Challenges[0].RecordValue, ".dcv.digicert.com"))

	gotSub, err := c.DomainValidation(ctx, "sub.example.com")
	require.NoError(t, err)
	assert.Equal(t, &sub, gotSub)
	assert.Equal(t, model.ValidationExpired, gotSub.Status)

	wild, err := c.DomainValidation(ctx, "*.example.com")
	require.NoError(t, err)
	assert.Equal(t, want.ID, wild.ID, "a wildcard is validated on its base name")

	_, err = c.DomainValidation(ctx, "other.example.com")
	assert.ErrorIs(t, err, model.ErrNotFound)
	_, err = c.DomainValidation(ctx, "ample.com")
	assert.ErrorIs(t, err, model.ErrNotFound, "a substring match is not the domain")

	before := s.Requests()
	_, err = c.DomainValidation(ctx, "bad name!.com")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	assert.Equal(t, before, s.Requests())
}

func TestDomainsPagingAndFilters(t *testing.T) {
	s := newFake(t)
	future := time.Now().Add(300 * 24 * time.Hour)
	var want []string
	for i := 0; i < 12; i++ {
		st := model.ValidationValid
		if i%3 == 0 {
			st = model.ValidationExpired
		}
		d := s.AddDomain(model.DomainValidation{Domain: fmt.Sprintf("d%02d.example.net", i), Method: model.ChallengeEmail,
			Levels: []model.LevelValidation{{Level: model.LevelOV, Status: st, ValidUntil: future}}})
		want = append(want, d.Domain)
	}
	c := client(t, s, "")
	ctx := context.Background()
	var names []string
	for _, d := range collect(t, c.Domains(ctx, model.DomainQuery{PageSize: 5})) {
		names = append(names, d.Domain)
	}
	assert.Equal(t, want, names)
	assert.EqualValues(t, 3, s.EndpointRequest("GET /domain"))

	got := collect(t, c.Domains(ctx, model.DomainQuery{Search: "d1"}))
	assert.Len(t, got, 2)
	done := collect(t, c.DomainsFiltered(ctx, digicert.DomainFilter{Validation: "completed", Sort: "-name"}))
	require.Len(t, done, 8)
	assert.Equal(t, "d11.example.net", done[0].Domain)
	exact := collect(t, c.DomainsFiltered(ctx, digicert.DomainFilter{Search: "d01.example.net", Exact: true}))
	require.Len(t, exact, 1)
	for _, err := range c.DomainsFiltered(ctx, digicert.DomainFilter{Validation: "nonsense"}) {
		assert.ErrorIs(t, err, model.ErrInvalidArgument)
	}
}

func TestDomainsDefaultPageSize(t *testing.T) {
	s := newFake(t)
	for i := 0; i < 1001; i++ {
		s.AddDomain(model.DomainValidation{Domain: fmt.Sprintf("n%04d.example.org", i)})
	}
	c := client(t, s, "")
	got := collect(t, c.DomainsFiltered(context.Background(), digicert.DomainFilter{}))
	assert.Len(t, got, 1001)
	assert.EqualValues(t, 2, s.EndpointRequest("GET /domain"), "1000 per page")
}

func seedChallenges(s *digicerttest.Server) (model.Certificate, []model.Challenge) {
	cert := seedCert(s, 1, model.StatusPending)
	exp := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	want := s.SetChallenges(cert.ID, []model.Challenge{
		{Domain: "host1.example.com", Type: model.ChallengeDNSTXT, Token: "rv-abc123", Status: model.ValidationPending, ExpiresAt: exp},
		{Domain: "alt1.example.com", Type: model.ChallengeDNSTXT, Status: model.ValidationValid},
		{Domain: "mail.example.com", Type: model.ChallengeEmail, Status: model.ValidationPending},
		{Domain: "web.example.com", Type: model.ChallengeHTTPFile, Status: model.ValidationPending},
	})
	return cert, want
}

func TestChallenges(t *testing.T) {
	s := newFake(t)
	cert, want := seedChallenges(s)
	c := client(t, s, "")
	got, err := c.Challenges(context.Background(), cert.ID)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, model.Challenge{Domain: "host1.example.com", Type: model.ChallengeDNSTXT, RecordName: "host1.example.com",
		RecordValue: "rv-abc123", Token: "rv-abc123", Status: model.ValidationPending, ExpiresAt: want[0].ExpiresAt}, got[0])
	assert.Equal(t, "http://web.example.com/.well-known/pki-validation/fileauth.txt", got[3].URL)
	assert.Len(t, got[2].Emails, 5)
	assert.EqualValues(t, 1, s.EndpointRequest("PUT /order/certificate/{id}/dcv-random-value"))

	again, err := c.Challenges(context.Background(), cert.ID)
	require.NoError(t, err)
	assert.Equal(t, got, again, "the random value PUT is safe to repeat")

	_, err = c.Challenges(context.Background(), "31337")
	assert.ErrorIs(t, err, model.ErrNotFound)
}

func TestChallengesViewOnlyKeyFallsBack(t *testing.T) {
	s := newFake(t, digicerttest.WithViewOnlyKey("view-only-key-0123456789"))
	cert, want := seedChallenges(s)
	c := client(t, s, "view-only-key-0123456789")
	got, err := c.Challenges(context.Background(), cert.ID)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Domain, got[i].Domain)
		assert.Equal(t, want[i].Type, got[i].Type)
		assert.Equal(t, want[i].Token, got[i].Token, "each domain's own random value")
		assert.Equal(t, want[i].Status, got[i].Status)
	}
	assert.EqualValues(t, 1, s.EndpointRequest("PUT forbidden"))
	assert.EqualValues(t, 3, s.EndpointRequest("GET /domain/{id}"), "one Domain info per token domain")
}

func TestUnknownRouteAndMethod(t *testing.T) {
	s := newFake(t)
	req, err := http.NewRequest(http.MethodGet, s.URL+"/nowhere", nil)
	require.NoError(t, err)
	req.Header.Set("X-DC-DEVKEY", s.APIKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.False(t, errors.Is(nil, model.ErrNotFound))
}

func TestDomainsListVsDetails(t *testing.T) {
	s := newFake(t)
	future := time.Now().Add(100 * 24 * time.Hour)
	want := s.AddDomain(model.DomainValidation{Domain: "mixed.example.com", Method: model.ChallengeDNSTXT,
		Levels: []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: future},
			{Level: model.LevelEV, Status: model.ValidationPending},
		}})
	c := client(t, s, "")
	ctx := context.Background()
	bare := want
	bare.Challenges = nil
	listed := collect(t, c.DomainsFiltered(ctx, digicert.DomainFilter{}))
	require.Len(t, listed, 1)
	require.Len(t, listed[0].Levels, 2, "the pending EV level, not in validations[], comes from dcv_expiration.ev_status")
	assert.Empty(t, listed[0].Challenges, "List domains has no token")
	assert.Equal(t, &bare, listed[0], "without Details: DomainValidation's value without challenges")
	assert.Zero(t, s.EndpointRequest("GET /domain/{id}"))
	full := collect(t, c.DomainsFiltered(ctx, digicert.DomainFilter{Details: true}))
	require.Len(t, full, 1)
	assert.Equal(t, &want, full[0], "with Details: what DomainValidation returns, challenge included")
	assert.EqualValues(t, 1, s.EndpointRequest("GET /domain/{id}"))
	viaContract := collect(t, c.Domains(ctx, model.DomainQuery{}))
	require.Len(t, viaContract, 1)
	assert.Equal(t, &bare, viaContract[0], "Domains returns what DomainValidation returns, without challenges")
	assert.EqualValues(t, 1, s.EndpointRequest("GET /domain/{id}"), "Domains reads no Domain info")
}

func TestDomainInfoMountainTimeWithoutTimeSwitch(t *testing.T) {
	s := newFake(t)
	until := time.Date(2030, 7, 31, 3, 0, 0, 0, time.UTC) // 2030-07-30 21:00 in Denver
	d := s.AddDomain(model.DomainValidation{Domain: "mt.example.com",
		Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: until}}})
	_, b := fakecatest.Do(t, http.MethodGet, s.URL+"/domain/"+d.ID+"?include_dcv=true&include_validation=true", "",
		fakecatest.Header("X-DC-DEVKEY", s.APIKey))
	var body struct {
		DCVExpiration map[string]string `json:"dcv_expiration"`
	}
	fakecatest.DecodeJSON(t, b, &body)
	assert.Equal(t, "2030-07-30", body.DCVExpiration["ov"], "date-only values are Mountain Time")
}

func TestDomainsBreakStopsInfoRequests(t *testing.T) {
	s := newFake(t)
	for i := 0; i < 6; i++ {
		s.AddDomain(model.DomainValidation{Domain: fmt.Sprintf("b%d.example.com", i), Method: model.ChallengeDNSTXT})
	}
	c := client(t, s, "")
	n := 0
	for d, err := range c.DomainsFiltered(context.Background(), digicert.DomainFilter{PageSize: 3, Details: true}) {
		require.NoError(t, err)
		require.Len(t, d.Challenges, 1, "token challenge from Domain info")
		n++
		if n == 2 {
			break
		}
	}
	assert.EqualValues(t, 1, s.EndpointRequest("GET /domain"))
	assert.EqualValues(t, 2, s.EndpointRequest("GET /domain/{id}"))

	n = 0
	for d, err := range c.Domains(context.Background(), model.DomainQuery{PageSize: 3}) {
		require.NoError(t, err)
		assert.Empty(t, d.Challenges, "Domains lists no challenge")
		n++
		if n == 2 {
			break
		}
	}
	assert.EqualValues(t, 2, s.EndpointRequest("GET /domain"), "one more page")
	assert.EqualValues(t, 2, s.EndpointRequest("GET /domain/{id}"), "and no Domain info")
}

func TestReportsErrorAnswers(t *testing.T) {
	fake := newFake(t)
	cert := seedCert(fake, 1, model.StatusIssued)
	for name, tc := range map[string]struct {
		body     string
		kind     error
		fellBack bool
	}{
		"graphql error with 200":      {`{"data":null,"errors":[{"message":"Syntax Error: unexpected token"}]}`, model.ErrUnavailable, false},
		"access denied in 200 errors": {`{"data":null,"errors":[{"code":"access_denied","message":"Reports not enabled"}]}`, nil, true},
		"not json":                    {`<html>oops</html>`, model.ErrUnavailable, false},
	} {
		t.Run(name, func(t *testing.T) {
			var restCalls atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("/services/v2/reports/query", func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tc.body))
			})
			mux.HandleFunc("/services/v2/", func(w http.ResponseWriter, r *http.Request) {
				restCalls.Add(1)
				r2 := r.Clone(r.Context())
				r2.URL.Host = ""
				fake.Handler().ServeHTTP(w, r2)
			})
			ts := httptest.NewServer(mux)
			defer ts.Close()
			c, err := digicert.New(digicert.Config{APIKey: fake.APIKey, BaseURL: ts.URL + "/services/v2", Retry: fastRetry})
			require.NoError(t, err)
			got, err := c.CertificatesByID(context.Background(), []string{cert.ID})
			if tc.fellBack {
				require.NoError(t, err)
				assert.Equal(t, &cert, got[cert.ID])
				assert.EqualValues(t, 1, restCalls.Load())
				return
			}
			assert.ErrorIs(t, err, tc.kind)
			assert.Zero(t, restCalls.Load())
		})
	}
}

func TestRegionsAndDefaults(t *testing.T) {
	us, err := digicert.New(digicert.Config{APIKey: "k-0123456789abcdef"})
	require.NoError(t, err)
	assert.Equal(t, digicert.BaseURLUS, us.BaseURL())
	eu, err := digicert.New(digicert.Config{APIKey: "k-0123456789abcdef", Region: "eu"})
	require.NoError(t, err)
	assert.Equal(t, "https://certcentral.digicert.eu/services/v2", eu.BaseURL())

	// The default limiter keeps both documented rolling windows: 100 per 5 s and 1000 per 3 min.
	assert.Equal(t, []retry.Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute}},
		digicert.DefaultRetry.Windows)
}

func TestCAAIdentities(t *testing.T) {
	// api-notes: DigiCert issues where CAA allows digicert.com; its brands use these names.
	providertest.CheckCAAIdentities(t, client(t, newFake(t), ""),
		"digicert.com", "www.digicert.com", "geotrust.com", "rapidssl.com", "thawte.com", "symantec.com")
}
