package zerossl

import (
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/testsupport/fuzzseed"
	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/model"
)

// decoders decode and map a body the way c does for each of ZeroSSL's answers, and
// check what they mapped (mapAll; normalized status domains; every error decoder's kind
// a model kind). A nil error means the body was accepted. TestHostile and the fuzz
// targets run them.
func decoders(c *Client) map[string]secretstest.Decoder {
	as := func(op string) func([]byte, any) error {
		return func(body []byte, v any) error { return c.decode(op, fuzzseed.Response(body), v) }
	}
	return map[string]secretstest.Decoder{
		"certificate": secretstest.Answer(as("Certificate"), func(t *testing.T, _ []byte, w *wireCertificate) error {
			mapAll(t, c, "Certificate", w)
			_, err := c.mapOne("Certificate", w)
			return err
		}),
		"list": secretstest.Answer(as("Certificates"), func(t *testing.T, _ []byte, l *wireList) error {
			for i := range l.Results {
				mapAll(t, c, "Certificates", &l.Results[i])
			}
			return nil
		}),
		"status": secretstest.Answer(as("Challenges"), func(t *testing.T, _ []byte, s *wireStatus) error {
			for d, det := range s.Details {
				fuzzseed.CheckNormalized(t, "status domain", model.NormalizeReportedDomain(d))
				emailValidationStatus(string(det.Status))
			}
			return nil
		}),
		// Both error paths: non-2xx bodies (decodeHTTPError) and HTTP-200 bodies carrying
		// success:false or an error object (the envelope).
		"error": func(t *testing.T, body []byte) error {
			for _, status := range []int{400, 401, 403, 404, 429, 500, 501, 502} {
				if _, _, kind := decodeHTTPError(status, body); kind != nil && !fuzzseed.IsKind(kind) {
					t.Fatalf("decodeHTTPError(%d): kind %v is not a model kind", status, kind)
				}
			}
			var w wireCertificate
			return c.decode("Certificate", fuzzseed.Response(body), &w)
		},
	}
}

// mapAll maps w as Certificate and Challenges do and checks the result.
func mapAll(t *testing.T, c *Client, op string, w *wireCertificate) {
	t.Helper()
	cert, err := c.mapOne(op, w)
	if err != nil {
		fuzzseed.CheckModelError(t, err)
		return
	}
	if cert == nil {
		t.Fatal("nil certificate without an error")
	}
	fuzzseed.CheckNormalized(t, "common name", cert.CommonName)
	fuzzseed.CheckNormalized(t, "dns name", cert.DNSNames...)
	for _, st := range []map[string]model.ValidationStatus{nil, {cert.CommonName: model.ValidationValid}} {
		chs, _ := mapChallenges(w, cert.DNSNames, ChallengeStatus(cert.Status), st)
		for _, ch := range chs {
			fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
		}
	}
}

// TestHostile runs the kit's hostile bodies (secretstest.RunHostile) through every one of
// ZeroSSL's decoders: each field of each testdata payload replaced by a wrong type, deep
// nesting, nulls and invalid UTF-8.
func TestHostile(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	secretstest.RunHostile(t, decoders(fuzzClient(t)), secretstest.Hostile{
		LeastVariants: 300,
		Shapes: []string{
			`{"id":"a","validation":` + deep + `}`,
			`{"success":false,"error":` + deep + `}`,
			`{"results":` + strings.Repeat(`[{"results":`, 50000) + `}`,
			`{"validation":null,"results":null,"details":null,"error":null,"success":null}`,
			`{"validation":{"email_validation":null,"other_methods":null},"results":[null]}`,
			`{"validation":{"email_validation":{"a.example":null},"other_methods":{"a.example":null}}}`,
			`{"details":{"a.example":null},"validation_completed":null}`,
			"{\"id\":\"a\xff\",\"common_name\":\"ex\xc3\x28ample.com\",\"additional_domains\":\"\xfe,b\xff.example\",\"created\":\"2024-01-01 00:00:00\",\"expires\":\"2024-04-01 00:00:00\",\"status\":\"iss\xffued\"}",
			"{\"success\":false,\"error\":{\"code\":\"10\xff1\",\"type\":\"\xff\",\"info\":\"\xc3\"}}",
			`{"total_count":1e999,"page":-1e400,"limit":"1e999"}`,
			`{"success":false,"error":{"code":1e999}}`,
		},
	})
}

// Fuzz targets for the decoders and mappers of ZeroSSL's answers through the client's own
// decode path (the decoders of hostile_test.go; mapping_test.go's FuzzDecodeCertificate
// covers the bare wire types). Properties: no panic; a body that decodes either maps or
// fails with a *model.Error of a model kind; every mapped domain name is already
// normalized; error decoders always yield a model kind. Seeds are every file of
// testdata/ and each target's own bodies.

func fuzzClient(t testing.TB) *Client {
	return fuzzseed.NewClient(t, func(key, base string) (*Client, error) { return New(Config{APIKey: key, BaseURL: base}) })
}

func FuzzDecodeCertificateBody(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":"a","validation":{"other_methods":[],"email_validation":{"A.Example.":["x@a.example"]}}}`,
		`{"success":false,"error":{"code":2803}}`, `{"validation":null}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "certificate", "status")
}

func FuzzDecodeList(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"total_count":"2","result_count":1,"page":"1","limit":100,"results":[null,{"id":"x"}]}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "list")
}

// FuzzDecodeError covers both error paths: non-2xx bodies (decodeHTTPError) and HTTP-200
// bodies carrying success:false or an error object (the envelope).
func FuzzDecodeError(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"success":0,"error":"text"}`, `{"error":{"code":"101","type":"invalid_access_key"}}`, `{"error":[]}`)
	secretstest.Fuzz(f, decoders(fuzzClient(f)), "error")
}
