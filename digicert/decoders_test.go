package digicert

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/anyca/anyca/internal/testsupport/fuzzseed"
	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/model"
)

// decoders decode and map a body the way c does for each of CertCentral's answers, and
// check what they mapped: every certificate and domain is non-nil with normalized names
// and valid UTF-8, every error decoder's kind is a model kind. A nil error means the
// body was accepted. TestHostile and the fuzz targets run them.
func decoders(c *Client) map[string]secretstest.Decoder {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	as := func(op string) func([]byte, any) error {
		return func(body []byte, v any) error { return c.decode(op, fuzzseed.Response(body), v) }
	}
	mapped := func(op string, body []byte, err error) error { return c.mapErr(op, fuzzseed.Response(body), err) }
	return map[string]secretstest.Decoder{
		"order": secretstest.Answer(as("Certificate"), func(t *testing.T, body []byte, o *orderWire) error {
			cert, err := mapOrder(o)
			if err != nil {
				return mapped("Certificate", body, err)
			}
			checkCert(t, cert)
			checkUTF8(t, cert.ID, cert.CommonName, cert.VendorStatus, cert.Product, strings.Join(cert.DNSNames, ","))
			return nil
		}),
		"order list": secretstest.Answer(as("Certificates"), func(t *testing.T, body []byte, l *orderListWire) error {
			return secretstest.Items(t, l.Orders, func(o *orderWire) (*model.Certificate, error) {
				cert, err := mapOrder(o)
				if err != nil {
					return nil, mapped("Certificates", body, err)
				}
				return cert, nil
			}, checkCert)
		}),
		"domain": secretstest.Answer(as("DomainValidation"), func(t *testing.T, body []byte, d *domainWire) error {
			dv, err := mapDomain(d, now)
			if err != nil {
				return mapped("DomainValidation", body, err)
			}
			checkDomain(t, dv)
			checkUTF8(t, dv.Domain, dv.ID, dv.VendorMethod)
			if ch, _ := domainChallenge(dv.Domain, d, dv.Status); ch != nil {
				fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
			}
			return nil
		}),
		"domain list": secretstest.Answer(as("Domains"), func(t *testing.T, body []byte, l *domainListWire) error {
			return secretstest.Items(t, l.Domains, func(d *domainWire) (*model.DomainValidation, error) {
				dv, err := mapDomain(d, now)
				if err != nil {
					return nil, mapped("Domains", body, err)
				}
				return dv, nil
			}, checkDomain)
		}),
		// The Custom Reports (GraphQL) answer, parsed as reportBatch does.
		"reports": secretstest.Answer(as("CertificatesByID"), func(t *testing.T, body []byte, ans *reportAnswer) error {
			for _, e := range ans.Errors {
				_ = kindFor(200, string(e.Code))
			}
			var raws []json.RawMessage
			for i := 0; i < 4; i++ {
				if raw, ok := ans.Data["o"+strconv.Itoa(i)]; ok && len(raw) > 0 && string(raw) != "null" {
					raws = append(raws, raw)
				}
			}
			return secretstest.Items(t, raws, func(raw *json.RawMessage) (*model.Certificate, error) {
				var o reportOrderWire
				if err := decodeJSON(*raw, &o); err != nil {
					return nil, mapped("CertificatesByID", body, err)
				}
				cert, err := mapReportOrder(&o)
				if err != nil {
					return nil, mapped("CertificatesByID", body, err)
				}
				return cert, nil
			}, checkCert)
		}),
		"order validation": secretstest.Answer[orderValidationWire](as("Challenges"), nil),
		"random value":     secretstest.Answer[randomValueWire](as("Challenges"), nil),
		"error": func(t *testing.T, body []byte) error {
			for _, status := range []int{400, 401, 403, 404, 429, 500, 501, 503} {
				if _, _, kind := decodeError(status, body); !fuzzseed.IsKind(kind) {
					t.Fatalf("decodeError(%d): kind %v is not a model kind", status, kind)
				}
			}
			return nil
		},
	}
}

func checkCert(t *testing.T, cert *model.Certificate) {
	t.Helper()
	if cert == nil {
		t.Fatal("nil certificate without an error")
	}
	fuzzseed.CheckNormalized(t, "common name", cert.CommonName)
	fuzzseed.CheckNormalized(t, "dns name", cert.DNSNames...)
}

func checkDomain(t *testing.T, d *model.DomainValidation) {
	t.Helper()
	if d == nil {
		t.Fatal("nil domain without an error")
	}
	fuzzseed.CheckNormalized(t, "domain", d.Domain)
	for _, ch := range d.Challenges {
		fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
	}
}

func checkUTF8(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !utf8.ValidString(s) {
			t.Fatalf("mapped value %q is not valid UTF-8", s)
		}
	}
}

// TestHostile runs the kit's hostile bodies (secretstest.RunHostile) through every one of
// CertCentral's decoders: each field of each testdata payload replaced by a wrong type, deep
// nesting, nulls and invalid UTF-8.
func TestHostile(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	secretstest.RunHostile(t, decoders(fuzzClient(t)), secretstest.Hostile{
		LeastVariants: 500,
		// DigiCert's own example leaves the token unquoted: quote it to get JSON.
		Repair: func(b []byte) []byte { return bareToken.ReplaceAll(b, []byte(`${1}"${2}"${3}`)) },
		Shapes: []string{
			`{"id":1,"certificate":` + deep + `}`,
			`{"data":{"o0":` + deep + `}}`,
			`{"id":1,"product":null,"certificate":null,"orders":null,"domains":null,"validations":null,"dcv_token":null,"dcv_expiration":null,"page":null,"data":null,"errors":null}`,
			`{"orders":[null],"domains":[null],"validations":[null],"dns_name_validations":[null],"errors":[null],"data":{"o0":null}}`,
			"{\"id\":\"1\xff\",\"name\":\"ex\xc3\x28ample.com\",\"status\":\"iss\xffued\",\"certificate\":{\"common_name\":\"\xed\xa0\x80.example\",\"dns_names\":[\"a\xff.example\"]},\"data\":{\"o0\":{\"id\":\"2\",\"dns_names\":\"\xfe\xff\"}}}",
			"{\"id\":\"1\",\"name\":\"a\\u0000b.example\",\"certificate\":{\"common_name\":\"\\u0007x\"}}",
			`{"id":1e999,"page":{"total":1e400,"limit":-1e400},"is_active":1e999}`,
			`{"id":1,"dcv_token":{"token":abc-def,"status":}`,
		},
	})
}

// Fuzz targets for the decoders and mappers of CertCentral's answers (the decoders of
// hostile_test.go). Properties: no panic; a body that decodes either maps or fails with a
// *model.Error of a model kind; every mapped domain name is already normalized. Seeds
// are every file of testdata/ and each target's own bodies.

func fuzzClient(t testing.TB) *Client {
	return fuzzseed.NewClient(t, func(key, base string) (*Client, error) { return New(Config{APIKey: key, BaseURL: base}) })
}

func FuzzDecodeOrder(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":1,"certificate":{"dns_names":"a.example,B.Example."}}`, `null`, `{"certificate":null}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "order")
}

func FuzzDecodeList(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"orders":[null,{}],"domains":[null],"page":{"total":"x"}}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "order list", "domain list")
}

func FuzzDecodeDomainInfo(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":1,"name":"Example.COM.","dcv_token":null,"validations":null}`,
		`{"id":"1","dcv_token":{"token":abc-123,"status":"pending"}}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "domain", "order validation", "random value")
}

// FuzzDecodeReports runs the Custom Reports (GraphQL) answer parser as reportBatch does.
func FuzzDecodeReports(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"data":{"o0":null,"o1":{"id":"1","dns_names":"a,b"}}}`, `{"data":null,"errors":[{"code":"x"}]}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "reports")
}

func FuzzDecodeError(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"errors":[{"code":"not_found|order","message":"x"}]}`, `{"errors":null}`, `{"errors":[null]}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "error")
}
