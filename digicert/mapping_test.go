package digicert

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestMapOrderInfoSeed(t *testing.T) {
	var o orderWire
	require.NoError(t, decodeJSON(readTestdata(t, "order-info.json"), &o))
	got, err := mapOrder(&o)
	require.NoError(t, err)
	want := &model.Certificate{
		Provider: "digicert", ID: "123456", CommonName: "example.com",
		DNSNames: []string{"example.com", "www.example.com"},
		Status:   model.StatusIssued, VendorStatus: "issued", Level: model.LevelOV, Product: "ssl_plus",
		SerialNumber:    "0669d8e3f6b3b5df5e5a5b8b1e7f2c3d",
		FingerprintSHA1: "7d236b54d19d5eacf0881faf24d51dfe5d23e945",
		CreatedAt:       utc("2018-10-16T20:05:28Z"),
		NotBefore:       utc("2018-10-16T00:00:00Z"),
		NotAfter:        utc("2019-10-21T00:00:00Z"),
	}
	assert.Equal(t, want, got)
}

func TestReportAndRESTMapIdentically(t *testing.T) {
	var o orderWire
	require.NoError(t, decodeJSON(readTestdata(t, "order-info.json"), &o))
	rest, err := mapOrder(&o)
	require.NoError(t, err)

	var ans reportAnswer
	require.NoError(t, decodeJSON(readTestdata(t, "reports-by-id.json"), &ans))
	var r reportOrderWire
	require.NoError(t, decodeJSON(ans.Data["o0"], &r))
	rep, err := mapReportOrder(&r)
	require.NoError(t, err)
	assert.Equal(t, rest, rep)
	assert.Equal(t, "null", string(ans.Data["o1"]))
}

func TestMapListOrdersQuirks(t *testing.T) {
	var l orderListWire
	require.NoError(t, decodeJSON(readTestdata(t, "list-orders.json"), &l))
	assert.Equal(t, wire.Int{N: 2, Set: true}, l.Page.Total, "page total given as a string")
	require.Len(t, l.Orders, 2)
	a, err := mapOrder(&l.Orders[0])
	require.NoError(t, err)
	assert.Equal(t, "123456", a.ID, "id as a string")
	assert.Equal(t, model.StatusPending, a.Status)
	assert.Equal(t, "needs_approval", a.VendorStatus)
	assert.Equal(t, model.LevelEV, a.Level)
	assert.True(t, a.NotBefore.IsZero())
	b, err := mapOrder(&l.Orders[1])
	require.NoError(t, err)
	assert.Equal(t, "123457", b.ID, "id as a number")
	assert.Equal(t, model.StatusUnknown, b.Status)
	assert.Equal(t, "brand_new_state", b.VendorStatus)
	assert.Equal(t, []string{"pending.example.com"}, b.DNSNames, "null dns_names")
	assert.Equal(t, model.LevelDV, b.Level)
}

func TestMapStatusEveryDocumentedWord(t *testing.T) {
	for word, want := range map[string]model.CertificateStatus{
		"needs_approval": model.StatusPending, "pending": model.StatusPending, "waiting_pickup": model.StatusPending,
		"reissue_pending": model.StatusIssued, "issued": model.StatusIssued, "renewed": model.StatusIssued,
		"not_renewed": model.StatusExpired, "canceled": model.StatusCancelled, "rejected": model.StatusRejected,
		"revoked": model.StatusRevoked, "expired": model.StatusExpired, "Issued ": model.StatusIssued,
		"": model.StatusUnknown, "something_new": model.StatusUnknown,
	} {
		assert.Equal(t, want, mapStatus(word), word)
	}
}

func TestMapDomainInfoSeed(t *testing.T) {
	var d domainWire
	require.NoError(t, decodeJSON(readTestdata(t, "domain-info.json"), &d), "unquoted token is tolerated")
	now := utc("2022-01-01T00:00:00Z")
	got, err := mapDomain(&d, now)
	require.NoError(t, err)
	assert.Equal(t, "12345678", got.ID)
	assert.Equal(t, "example.com", got.Domain)
	assert.Equal(t, model.ValidationValid, got.Status, "derived from validations, not the deprecated status")
	assert.Equal(t, model.ChallengeDNSTXT, got.Method)
	assert.Equal(t, "dns-txt-token", got.VendorMethod)
	assert.Equal(t, []model.LevelValidation{
		{Level: model.LevelOV, Status: model.ValidationValid, VendorStatus: "active", ValidUntil: utc("2023-07-31T14:51:31Z")},
		{Level: model.LevelEV, Status: model.ValidationValid, VendorStatus: "active", ValidUntil: utc("2022-05-27T14:51:31Z")},
	}, got.Levels)
	require.Len(t, got.Challenges, 1)
	assert.Equal(t, model.Challenge{Domain: "example.com", Type: model.ChallengeDNSTXT, RecordName: "example.com",
		RecordValue: "x7k2m9q4dcvtoken", Token: "x7k2m9q4dcvtoken", Status: model.ValidationValid}, got.Challenges[0])

	// Later, the EV validation has lapsed but OV has not.
	later, err := mapDomain(&d, utc("2022-06-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, model.ValidationValid, later.Status)
	assert.Equal(t, model.ValidationExpired, later.Levels[1].Status)
	all, err := mapDomain(&d, utc("2024-01-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, model.ValidationExpired, all.Status)
}

func TestMapListDomainsSeed(t *testing.T) {
	var l domainListWire
	require.NoError(t, decodeJSON(readTestdata(t, "list-domains.json"), &l))
	require.Len(t, l.Domains, 1)
	got, err := mapListedDomain(&l.Domains[0], utc("2022-03-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, "12345", got.ID)
	assert.Equal(t, model.ValidationValid, got.Status, "submitted after the approval, but with valid levels")
	assert.Equal(t, utc("2022-02-24T06:49:33Z"), got.ValidatedAt)
	require.Len(t, got.Levels, 2, "ov_status and ev_status valid add no level beside validations[]")
	assert.Equal(t, []model.ValidationLevel{model.LevelOV, model.LevelEV}, []model.ValidationLevel{got.Levels[0].Level, got.Levels[1].Level}, "dv, ov, ev order")
	assert.Equal(t, "active", got.Levels[0].VendorStatus)
	assert.Equal(t, model.ChallengeEmail, got.Method)
	assert.Empty(t, got.Challenges, "a listed domain has no challenge")
}

// TestMapListedDomainStates maps List domains values (include_validation_reuse_status
// and include_dcv_expiration_time) for the states that validations[] alone cannot show.
func TestMapListedDomainStates(t *testing.T) {
	now := utc("2025-06-01T00:00:00Z")
	listed := func(body string) *model.DomainValidation {
		t.Helper()
		var d domainWire
		require.NoError(t, decodeJSON([]byte(body), &d))
		got, err := mapListedDomain(&d, now)
		require.NoError(t, err)
		return got
	}
	expired := listed(`{"id":1,"name":"old.example.com","dcv_method":"dns-txt-token",
		"dcv_approval_datetime":"2024-01-02T03:04:05+00:00","last_submitted_datetime":"2024-01-02T03:04:05+00:00",
		"dcv_expiration":{"ov":"2025-02-03T03:04:05+00:00","ov_status":"expired","dcv_approval_date":"2024-01-02T03:04:05+00:00"}}`)
	assert.Equal(t, model.ValidationExpired, expired.Status, "submitted no later than approved: no DCV under way")
	assert.Equal(t, []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationExpired, VendorStatus: "expired",
		ValidUntil: utc("2025-02-03T03:04:05Z")}}, expired.Levels)
	assert.Equal(t, utc("2024-01-02T03:04:05Z"), expired.ValidatedAt)

	pending := listed(`{"id":2,"name":"new.example.com","dcv_method":"http-token",
		"last_submitted_datetime":"2025-05-30T00:00:00+00:00"}`)
	assert.Equal(t, model.ValidationPending, pending.Status, "submitted, never approved")
	assert.Empty(t, pending.Levels)
	assert.Equal(t, model.ChallengeHTTPFile, pending.Method)
	assert.Empty(t, pending.Challenges)

	again := listed(`{"id":3,"name":"again.example.com","dcv_approval_datetime":"2024-01-02T03:04:05+00:00",
		"last_submitted_datetime":"2025-05-30T00:00:00+00:00"}`)
	assert.Equal(t, model.ValidationPending, again.Status, "submitted again after the approval, no level")

	flagged := listed(`{"id":4,"name":"flag.example.com","is_pending_validation":true}`)
	assert.Equal(t, model.ValidationPending, flagged.Status)

	none := listed(`{"id":5,"name":"none.example.com","dcv_method":"email"}`)
	assert.Equal(t, model.ValidationNotStarted, none.Status)

	mixed := listed(`{"id":6,"name":"mixed.example.com",
		"validations":[{"type":"ov","validated_until":"2026-01-01T00:00:00+00:00","status":"active"}],
		"dcv_expiration":{"ov":"2026-01-01T00:00:00+00:00","ov_status":"valid","ev_status":"pending"}}`)
	assert.Equal(t, model.ValidationValid, mixed.Status)
	require.Len(t, mixed.Levels, 2)
	assert.Equal(t, model.LevelValidation{Level: model.LevelEV, Status: model.ValidationPending, VendorStatus: "pending"}, mixed.Levels[1])

	phantom := listed(`{"id":7,"name":"phantom.example.com",
		"dcv_expiration":{"ov":"2026-01-01","ov_status":"valid"}}`)
	assert.Empty(t, phantom.Levels, "a valid word without an active validation is no level")
	assert.Equal(t, model.ValidationNotStarted, phantom.Status)

	var bad domainWire
	require.NoError(t, decodeJSON([]byte(`{"id":8,"name":"bad.example.com","last_submitted_datetime":"yesterday"}`), &bad))
	_, err := mapListedDomain(&bad, now)
	assert.ErrorContains(t, err, "last_submitted_datetime")
}

func TestMapDomainQuirks(t *testing.T) {
	var d domainWire
	require.NoError(t, decodeJSON(readTestdata(t, "domain-quirks.json"), &d))
	assert.Equal(t, wire.Bool{V: true, Set: true}, d.IsActive, `"1" is true`)
	got, err := mapDomain(&d, utc("2025-01-01T00:00:00Z"))
	require.NoError(t, err)
	assert.Equal(t, "777", got.ID)
	assert.Equal(t, "quirks.example.com", got.Domain)
	require.Len(t, got.Levels, 2, "unknown level types are skipped")
	// No validated_until: the date-only dcv_expiration is midnight Mountain Time.
	assert.Equal(t, utc("2030-07-31T06:00:00Z"), got.Levels[0].ValidUntil, "MDT is UTC-6")
	assert.Equal(t, utc("2020-01-01T07:00:00Z"), got.Levels[1].ValidUntil, "MST is UTC-7")
	assert.Equal(t, model.ValidationExpired, got.Levels[1].Status)
	require.Len(t, got.Challenges, 1)
	ch := got.Challenges[0]
	assert.Equal(t, "_dnsauth.quirks.example.com", ch.RecordName)
	assert.Equal(t, "123456789.dcv.digicert.com", ch.RecordValue, "numeric token")
	assert.Equal(t, utc("2030-01-15T00:00:00Z"), ch.ExpiresAt)
}

func TestMapDomainNoValidations(t *testing.T) {
	var d domainWire
	require.NoError(t, decodeJSON(readTestdata(t, "domain-no-validations.json"), &d))
	got, err := mapDomain(&d, time.Now())
	require.NoError(t, err)
	assert.Equal(t, model.ValidationPending, got.Status)
	assert.Empty(t, got.Levels)
	require.Len(t, got.Challenges, 1)
	assert.Equal(t, "http://new.example.net/.well-known/pki-validation/fileauth.txt", got.Challenges[0].URL)
	assert.Equal(t, "httptok", got.Challenges[0].Content)
}

func TestDCVExpirationUTCWithTime(t *testing.T) {
	got, err := dcvExpiration("ov", "2023-07-31T14:51:31+00:00")
	require.NoError(t, err)
	assert.Equal(t, utc("2023-07-31T14:51:31Z"), got)
	_, err = dcvExpiration("ov", "not a date")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
}

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		file         string
		body         string
		kind         error
		code, prefix string
	}{
		{"not found", 404, "error-not-found.json", "", model.ErrNotFound, "not_found|order", "Order not found."},
		{"rate limit", 429, "error-rate-limit.json", "", model.ErrRateLimited, "request_limit_exceeded", "Service unavailable"},
		{"access denied", 403, "error-access-denied.json", "", model.ErrPermissionDenied, "access_denied|missing_permission", "You do not"},
		{"401 whatever the body", 401, "error-not-found.json", "", model.ErrUnauthenticated, "not_found|order", "Order"},
		{"401 empty", 401, "", "", model.ErrUnauthenticated, "", ""},
		{"code refines 400", 400, "", `{"errors":[{"code":"not_found|product","message":"x"}]}`, model.ErrNotFound, "not_found|product", "x"},
		{"code access_denied on 400", 400, "", `{"errors":[{"code":"access_denied","message":"x"}]}`, model.ErrPermissionDenied, "access_denied", "x"},
		{"bad request", 400, "", `{"errors":[{"code":"bad_request_format","message":"bad"}]}`, model.ErrInvalidArgument, "bad_request_format", "bad"},
		{"html maintenance", 503, "maintenance-503.html", "", model.ErrUnavailable, "", ""},
		{"numeric code", 500, "", `{"errors":[{"code":42,"message":null}]}`, model.ErrUnavailable, "42", ""},
		{"errors null", 502, "", `{"errors":null}`, model.ErrUnavailable, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.file != "" {
				body = readTestdata(t, tt.file)
			}
			code, msg, kind := decodeError(tt.status, body)
			assert.Equal(t, tt.kind, kind)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, msg, tt.prefix)
		})
	}
}

func TestWrongTypesAreErrorsNotPanics(t *testing.T) {
	var o orderWire
	err := decodeJSON(readTestdata(t, "wrong-types.json"), &o)
	assert.Error(t, err)
	for _, body := range []string{"", "null", "[]", `{"id":1,"date_created":"garbage"}`, `{"id":null}`, "<html>"} {
		var o orderWire
		if decodeJSON([]byte(body), &o) == nil {
			_, _ = mapOrder(&o) // must not panic
		}
		var d domainWire
		if decodeJSON([]byte(body), &d) == nil {
			_, _ = mapDomain(&d, time.Now())
		}
	}
	var o2 orderWire
	require.NoError(t, decodeJSON([]byte(`{"id":1,"date_created":"garbage"}`), &o2))
	_, err = mapOrder(&o2)
	var fe *fieldError
	assert.True(t, errors.As(err, &fe))
	assert.Contains(t, err.Error(), "date_created")
}

func TestLevelFor(t *testing.T) {
	for id, want := range map[string]model.ValidationLevel{
		"ssl_plus": model.LevelOV, "ssl_basic": model.LevelOV, "ssl_ev_basic": model.LevelEV, "ssl_ev_plus": model.LevelEV,
		"ssl_dv_geotrust": model.LevelDV, "ssl_dv_rapidssl": model.LevelDV, "wildcard_dv_geotrust": model.LevelDV,
		"": "", "client_premium": "",
	} {
		assert.Equal(t, want, levelFor(id), id)
	}
}

func TestReportQueryHasOnlyNumericLiterals(t *testing.T) {
	q := reportQuery([]string{"1", "22"})
	assert.Equal(t, "query{o0:order_details_by_id(id:1){"+reportFields+"} o1:order_details_by_id(id:22){"+reportFields+"}}", q)
	assert.False(t, numericID(`1){x}`))
	assert.False(t, numericID("1 2"))
	assert.False(t, numericID("99999999999999999999"))
	assert.True(t, numericID("123"))
}

func TestKindForStatusFirst(t *testing.T) {
	assert.Equal(t, model.ErrNotFound, kindFor(http.StatusNotFound, "not_found|order"))
	// A 404 is ErrNotFound only with CertCentral's own not-found code: anything else
	// (its route code, another code, none) is the endpoint missing, not the object.
	assert.Equal(t, model.ErrUnavailable, kindFor(http.StatusNotFound, "access_denied"))
	assert.Equal(t, model.ErrUnavailable, kindFor(http.StatusNotFound, "not_found|route"))
	assert.Equal(t, model.ErrUnavailable, kindFor(http.StatusNotFound, ""))
	assert.Equal(t, model.ErrRateLimited, kindFor(http.StatusTooManyRequests, ""))
	assert.Equal(t, model.ErrUnavailable, kindFor(http.StatusServiceUnavailable, "service_unavailable"))
}

func TestMapDomainHTTPDynamicURL(t *testing.T) {
	var d domainWire
	require.NoError(t, decodeJSON(readTestdata(t, "domain-http-dynamic.json"), &d))
	got, err := mapDomain(&d, time.Now())
	require.NoError(t, err)
	require.Len(t, got.Challenges, 1)
	assert.Equal(t, "http://dyn.example.com/.well-known/pki-validation/5f2a9c.txt", got.Challenges[0].URL)
	assert.Equal(t, "dyntok", got.Challenges[0].Content)
	assert.Equal(t, model.ValidationPending, got.Status)
}

// TestAnswerIDsMustBeLookupIDs: an order or domain whose id the adapter would refuse to
// look up (one that can never be an id: '/', "..", a control character, empty) is an
// error naming the field, not an id that no later call accepts. Ids are otherwise
// opaque: DigiCert's own SDK test data answers an order with "id": "OID-223344".
func TestAnswerIDsMustBeLookupIDs(t *testing.T) {
	for _, id := range []string{`"OID-223344"`, `"12 34"`, `"not-a-number"`} {
		var o orderWire
		require.NoError(t, decodeJSON([]byte(`{"id":`+id+`,"date_created":"2024-01-01T00:00:00+00:00"}`), &o))
		c, err := mapOrder(&o)
		if assert.NoError(t, err, "order id %s", id) {
			assert.Equal(t, id[1:len(id)-1], c.ID)
		}
	}
	for _, id := range []string{`"not/a-number"`, `"../1"`, `"1\n2"`, `""`, `null`} {
		var o orderWire
		require.NoError(t, decodeJSON([]byte(`{"id":`+id+`,"date_created":"2024-01-01T00:00:00+00:00"}`), &o))
		_, err := mapOrder(&o)
		assert.ErrorContains(t, err, "field id", "order id %s", id)
		var d domainWire
		require.NoError(t, decodeJSON([]byte(`{"id":`+id+`,"name":"example.com"}`), &d))
		_, err = mapDomain(&d, time.Now())
		assert.ErrorContains(t, err, "field id", "domain id %s", id)
	}
	var o orderWire
	require.NoError(t, decodeJSON([]byte(`{"id":4126435,"date_created":"2024-01-01T00:00:00+00:00"}`), &o))
	c, err := mapOrder(&o)
	require.NoError(t, err)
	assert.Equal(t, "4126435", c.ID)
}

// TestMapDomainHTTPTokenURLIsTheDomains: http_token_url comes from the CA and goes to
// preflight and the operator: one that is not one file under the domain's own
// /.well-known/pki-validation/ is an error naming the field, never a challenge.
func TestMapDomainHTTPTokenURLIsTheDomains(t *testing.T) {
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8500/v1/kv/?recurse",
		"http://dyn.example.com/admin", "http://other.example.com/.well-known/pki-validation/5f2a9c.txt"} {
		var d domainWire
		body := `{"id": 779, "name": "dyn.example.com", "dcv_method": "http-token-dynamic", "dcv_token": {"token": "dyntok", "status": "pending", "http_token_url": "` + u + `"}}`
		require.NoError(t, decodeJSON([]byte(body), &d))
		_, err := mapDomain(&d, time.Now())
		assert.ErrorContains(t, err, "field dcv_token.http_token_url", u)
	}
}
