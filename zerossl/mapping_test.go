package zerossl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/stretchr/testify/require"
)

func readWire(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// mapFixture reads the certificate of testdata/name and maps it, failing t when it does
// not map.
func mapFixture(t *testing.T, name string) (*wireCertificate, *model.Certificate) {
	t.Helper()
	var w wireCertificate
	readWire(t, name, &w)
	cert, err := mapCertificate(&w.wireSummary)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &w, cert
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The vendor's own example (seed zerossl-get-certificate.txt).
func TestMapCertificateVendorExample(t *testing.T) {
	_, got := mapFixture(t, "get-certificate.json")
	want := &model.Certificate{
		Provider: "zerossl", ID: "a856a39a1c3ad0s8asa606g37667d221", CommonName: "domain.com",
		DNSNames: []string{"domain.com", "www.domain.com"}, Status: model.StatusDraft, VendorStatus: "draft",
		Level: model.LevelDV, Product: "ZeroSSL 90-day",
		CreatedAt: utc("2020-04-29 09:04:19"), NotAfter: utc("2020-07-28 00:00:00"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if !got.NotBefore.IsZero() {
		t.Error("NotBefore is not given by the API and must stay zero")
	}
	if !validID(got.ID) {
		t.Error("the vendor's example id must pass the id check")
	}
}

func TestMapChallengesVendorExample(t *testing.T) {
	w, cert := mapFixture(t, "get-certificate.json")
	got, err := mapChallenges(w, cert.DNSNames, ChallengeStatus(cert.Status), nil)
	if err != nil {
		t.Fatal(err)
	}
	content := "2B449B722B449B729394793947\ncomodoca.com\n4bad7360c7076ba"
	ns := model.ValidationNotStarted
	want := []model.Challenge{
		{Domain: "domain.com", Type: model.ChallengeDNSCNAME, RecordName: "2b449b7293947.domain.com", RecordValue: "2b449b7293947.23dd7293947.11dd7293941.ca.com", Status: ns},
		{Domain: "domain.com", Type: model.ChallengeHTTPFile, URL: "http://domain.com/.well-known/pki-validation/2449B.txt", Content: content, Status: ns},
		{Domain: "domain.com", Type: model.ChallengeHTTPSFile, URL: "https://domain.com/.well-known/pki-validation/2449B.txt", Content: content, Status: ns},
		{Domain: "domain.com", Type: model.ChallengeEmail, Emails: []string{"admin@domain.com", "administrator@domain.com", "hostmaster@domain.com", "postmaster@domain.com", "webmaster@domain.com"}, Status: ns},
		{Domain: "www.domain.com", Type: model.ChallengeDNSCNAME, RecordName: "2b449b7293947.www.domain.com", RecordValue: "2b449b7293947.23dd7293947.11dd7293941.ca.com", Status: ns},
		{Domain: "www.domain.com", Type: model.ChallengeHTTPFile, URL: "http://www.domain.com/.well-known/pki-validation/2449B.txt", Content: content, Status: ns},
		{Domain: "www.domain.com", Type: model.ChallengeHTTPSFile, URL: "https://www.domain.com/.well-known/pki-validation/2449B.txt", Content: content, Status: ns},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

// Number type, wildcard CN with trailing dot and upper case, duplicate SANs, fingerprint
// with colons, PHP [] for an empty object, unknown fields, half-filled methods.
func TestMapCertificateQuirks(t *testing.T) {
	w, got := mapFixture(t, "issued-quirks.json")
	if got.Product != "ZeroSSL 1-year wildcard" || got.Level != model.LevelDV {
		t.Errorf("product/level = %q/%q", got.Product, got.Level)
	}
	if want := []string{"*.example.com", "example.com"}; !reflect.DeepEqual(got.DNSNames, want) {
		t.Errorf("DNSNames = %q, want %q", got.DNSNames, want)
	}
	if got.CommonName != "*.example.com" {
		t.Errorf("CommonName = %q", got.CommonName)
	}
	if got.FingerprintSHA1 != "abcdef0123456789abcdef0123456789abcdef01" {
		t.Errorf("fingerprint = %q", got.FingerprintSHA1)
	}
	if got.ReplacesID != "fedcba9876543210fedcba9876543210" || got.Status != model.StatusIssued {
		t.Errorf("replaces/status = %q/%q", got.ReplacesID, got.Status)
	}
	chs, err := mapChallenges(w, got.DNSNames, ChallengeStatus(got.Status), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Challenge{{Domain: "example.com", Type: model.ChallengeDNSCNAME, RecordName: "_abc.example.com",
		RecordValue: "abc.def.comodoca.com", Status: model.ValidationValid}}
	if !reflect.DeepEqual(chs, want) {
		t.Errorf("challenges: missing keys must give no half-filled challenge\ngot  %+v\nwant %+v", chs, want)
	}
}

func TestMapListPages(t *testing.T) {
	var l wireList
	readWire(t, "list-page-string.json", &l)
	if l.Page.N != 1 || l.Limit.N != 10 || l.TotalCount.N != 2 || len(l.Results) != 2 {
		t.Fatalf("list = %+v", l)
	}
	a, err := mapCertificate(&l.Results[0].wireSummary)
	if err != nil {
		t.Fatal(err)
	}
	if !a.NotAfter.IsZero() || a.Status != model.StatusPending || a.Product != "ZeroSSL 90-day wildcard" {
		t.Errorf("null expires / pending: %+v", a)
	}
	b, err := mapCertificate(&l.Results[1].wireSummary)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != model.StatusCancelled || b.VendorStatus != "deleted" || b.Product != "ZeroSSL ACME 90-day" ||
		!reflect.DeepEqual(b.DNSNames, []string{"api.example"}) || b.ReplacesID != "" {
		t.Errorf("deleted: %+v", b)
	}
	var n wireList
	readWire(t, "list-page-number.json", &n)
	if n.Page.N != 1 || n.TotalCount.N != 1 || n.Limit.N != 100 {
		t.Fatalf("numeric list = %+v", n)
	}
	c, _ := mapCertificate(&n.Results[0].wireSummary)
	if c.Status != model.StatusUnknown || c.VendorStatus != "some_new_word" || c.Product != "ZeroSSL 1-year" {
		t.Errorf("unknown status: %+v", c)
	}
}

func TestStatusEmail(t *testing.T) {
	var s wireStatus
	readWire(t, "status-email.json", &s)
	if s.ValidationCompleted.V {
		t.Error("validation_completed 0 read as true")
	}
	got := map[string]model.ValidationStatus{}
	for d, det := range s.Details {
		got[d], _ = emailValidationStatus(string(det.Status))
	}
	want := map[string]model.ValidationStatus{"domain.com": model.ValidationPending, "www.domain.com": model.ValidationValid}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v want %v", got, want)
	}
}

func TestWrongTypesAreErrorsNotPanics(t *testing.T) {
	var w wireCertificate
	b, _ := os.ReadFile("testdata/wrong-types.json")
	err := json.Unmarshal(b, &w)
	if err == nil || !strings.Contains(err.Error(), "additional_domains") {
		t.Fatalf("err = %v, want a decode error naming the field", err)
	}
	for _, body := range []string{
		`{"type":{"a":1}}`, `{"type":[1]}`, `{"validation":{"email_validation":"x"}}`,
		`{"validation":{"other_methods":[1]}}`, `{"validation":{"other_methods":{"a.com":{"file_validation_content":"x"}}}}`,
		`{"created":5}`, `{"id":5}`, `{"validation":7}`,
	} {
		// The validation object is decoded when first asked for (lazyValidation): its inner
		// types are errors then.
		var w wireCertificate
		err := json.Unmarshal([]byte(body), &w)
		if err == nil {
			_, err = w.Validation.get()
		}
		if err == nil {
			t.Errorf("%s: no error", body)
		}
	}
	var l wireList
	for _, body := range []string{`{"page":"x"}`, `{"total_count":{}}`, `{"results":{}}`, `{"limit":1.5}`} {
		if err := json.Unmarshal([]byte(body), &l); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
	for body, field := range map[string]string{
		`{"id":"0123456789abcdef0123456789abcdef","created":"yesterday"}`: "created",
		`{"id":"x/y","created":"2024-01-01 00:00:00"}`:                    "id",
		`{"id":"not/a-number","created":"2024-01-01 00:00:00"}`:           "id",
	} {
		var w2 wireCertificate
		require.NoError(t, json.Unmarshal([]byte(body), &w2))
		if _, err := mapCertificate(&w2.wireSummary); err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("%s: err = %v, want one naming %s", body, err, field)
		}
	}
}

// TestFlexString: ZeroSSL sends error codes as numbers or strings (its integers and
// booleans are the kit's wire.Int and wire.Bool, tested there).
func TestFlexString(t *testing.T) {
	var s flexString
	for in, want := range map[string]string{`2803`: "2803", `"2803"`: "2803", `null`: ""} {
		if err := json.Unmarshal([]byte(in), &s); err != nil || string(s) != want {
			t.Errorf("%s: %q %v", in, s, err)
		}
	}
}

func TestValidID(t *testing.T) {
	for id, ok := range map[string]bool{
		"0123456789abcdef0123456789abcdef":   true,
		"0123456789ABCDEF0123456789ABCDEF":   true,
		"":                                   false,
		"0123456789abcdef0123456789abcde":    true, // ids are opaque: any length up to 256
		"0123456789abcdef0123456789abcdef0":  true,
		"OID-223344":                         true,
		"0123456789abcdef0123456789abcd%2f":  true, // escaped in the path, never decoded
		"0123456789abcdef0123456789abcd f":   true,
		"../../../certificates?x=0123456789": false,
		"0123456789abcdef0123456789abcd/f":   false,
		"0123456789abcdef\\0123456789abcdf":  false,
		"0123456789abcdef\n0123456789abcd":   false,
	} {
		if validID(id) != ok {
			t.Errorf("validID(%q) = %v", id, !ok)
		}
	}
}

// TestKindForCode maps each error code ZeroSSL documents (api-notes) to a kind, and
// checks the same table end to end: the code in an HTTP-200 error envelope, read by
// Certificate, is an error of that kind carrying "code type" and status 200.
func TestKindForCode(t *testing.T) {
	cases := []struct {
		code, typ string
		want      error
	}{
		{"101", "invalid_access_key", model.ErrUnauthenticated},
		{"102", "inactive_user", model.ErrUnauthenticated},
		{"2801", "permission_denied", model.ErrPermissionDenied},
		{"2814", "permission_denied_on_original_certificate", model.ErrPermissionDenied},
		{"2803", "certificate_not_found", model.ErrNotFound},
		{"103", "invalid_api_function", model.ErrUnsupported},
		{"104", "route_not_found", model.ErrUnavailable}, // a wrong BaseURL path: endpoint_not_found
		{"2802", "missing_certificate_hash", model.ErrInvalidArgument},
		{"110", "invalid_request_body", model.ErrInvalidArgument},
		{"115", "invalid_json_request", model.ErrInvalidArgument},
		{"116", "invalid_json_request_param", model.ErrInvalidArgument},
		{"2800", "incorrect_request_type", model.ErrInvalidArgument},
		{"111", "internal_server_error", model.ErrUnavailable},
		{"2817", "certificate_limit_reached", model.ErrFailedPrecondition},
		{"2839", "duplicate_certificates_found", model.ErrFailedPrecondition},
		{"2813", "cannot_replace_certificate_other_replacement_in_draft", model.ErrFailedPrecondition},
		{"2907", "certificate_not_in_revocable_state", model.ErrFailedPrecondition},
		{"2908", "certificate_revocation_temporarily_blocked", model.ErrUnavailable},
		{"2904", "", model.ErrRateLimited},
		{"2905", "", model.ErrRateLimited},
		{"2904", "eab_quota", model.ErrRateLimited},
		{"2905", "eab_quota", model.ErrRateLimited},
		{"0", "domain_control_validation_failed", model.ErrInvalidArgument},
		{"9999", "something_not_found", model.ErrNotFound},
		{"9999", "", nil},
	}
	for _, c := range cases {
		if got := kindForCode(c.code, c.typ); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.code, c.typ, got, c.want)
		}
		if c.want == nil {
			continue
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"success":false,"error":{"code":%s,"type":%q}}`, c.code, c.typ)
		}))
		cl, err := New(Config{APIKey: "test-key-0a1b2c3d", BaseURL: srv.URL,
			Retry: retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, RequestsPerSecond: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cl.Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
		srv.Close()
		var me *model.Error
		if !errors.Is(err, c.want) || !errors.As(err, &me) {
			t.Errorf("%s %s through Certificate: %v, want a *model.Error of kind %v", c.code, c.typ, err, c.want)
			continue
		}
		want := strings.TrimSpace(c.code + " " + c.typ)
		if c.code == "104" {
			want = "endpoint_not_found"
			if !strings.Contains(err.Error(), "104 route_not_found") || !strings.Contains(err.Error(), "is BaseURL right?") {
				t.Errorf("104 through Certificate: %v: want the vendor's code kept and the BaseURL hint", err)
			}
		}
		if me.Code != want || me.HTTPStatus != 200 || !strings.HasPrefix(err.Error(), "zerossl: ") {
			t.Errorf("%s %s through Certificate: code %q status %d (%v), want code %q status 200", c.code, c.typ, me.Code, me.HTTPStatus, err, want)
		}
	}
}

// FuzzDecodeCertificate feeds arbitrary bodies through decoding and mapping: errors are
// fine, panics are not.
func FuzzDecodeCertificate(f *testing.F) {
	for _, name := range []string{"get-certificate.json", "issued-quirks.json", "wrong-types.json", "list-page-string.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"validation":{"other_methods":{"a":{"file_validation_content":[]}},"email_validation":{"":[""]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var w wireCertificate
		if json.Unmarshal(b, &w) == nil {
			if cert, err := mapCertificate(&w.wireSummary); err == nil {
				_, _ = mapChallenges(&w, cert.DNSNames, ChallengeStatus(cert.Status), map[string]model.ValidationStatus{"a": model.ValidationValid})
			}
		}
		var l wireList
		_ = json.Unmarshal(b, &l)
		var env wireEnvelope
		if json.Unmarshal(b, &env) == nil {
			_, _, _ = decodeErrorObject(env.Error)
			_, _ = wire.ParseBool(env.Success)
		}
		_, _, _ = decodeHTTPError(500, b)
	})
}
