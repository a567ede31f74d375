package zerossl

import (
	"testing"

	"github.com/anyca/anyca/internal/fuzzseed"
	"github.com/anyca/anyca/model"
)

// Fuzz targets for the decoders and mappers of ZeroSSL's answers through the client's own
// decode path (mapping_test.go's FuzzDecodeCertificate covers the bare wire types). Properties: no panic;
// a body that decodes either maps or fails with a *model.Error; every mapped domain name
// is already normalized; error decoders always yield a model kind. Seeds are every file
// of testdata/.

func fuzzClient(t testing.TB) *Client {
	return fuzzseed.NewClient(t, func(key, base string) (*Client, error) { return New(Config{APIKey: key, BaseURL: base}) })
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
		for _, ch := range mapChallenges(w, cert.DNSNames, ChallengeStatus(cert.Status), st) {
			fuzzseed.CheckNormalized(t, "challenge domain", ch.Domain)
		}
	}
}

func FuzzDecodeCertificateBody(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"id":"a","validation":{"other_methods":[],"email_validation":{"A.Example.":["x@a.example"]}}}`,
		`{"success":false,"error":{"code":2803}}`, `{"validation":null}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireCertificate
		if err := c.decode("Certificate", fuzzseed.Response(body), &w); err != nil {
			fuzzseed.CheckModelError(t, err)
		} else {
			mapAll(t, c, "Certificate", &w)
		}
		var ws wireStatus
		if err := c.decode("Challenges", fuzzseed.Response(body), &ws); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		for _, det := range ws.Details {
			emailValidationStatus(string(det.Status))
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"total_count":"2","result_count":1,"page":"1","limit":100,"results":[null,{"id":"x"}]}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var l wireList
		if err := c.decode("Certificates", fuzzseed.Response(body), &l); err != nil {
			fuzzseed.CheckModelError(t, err)
			return
		}
		for i := range l.Results {
			mapAll(t, c, "Certificates", &l.Results[i])
		}
	})
}

// FuzzDecodeError covers both error paths: non-2xx bodies (decodeHTTPError) and HTTP-200
// bodies carrying success:false or an error object (the envelope).
func FuzzDecodeError(f *testing.F) {
	fuzzseed.AddFiles(f, "testdata", `{"success":0,"error":"text"}`, `{"error":{"code":"101","type":"invalid_access_key"}}`, `{"error":[]}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 501, 502} {
			_, _, kind := decodeHTTPError(status, body)
			if kind != nil && !fuzzseed.IsKind(kind) {
				t.Fatalf("status %d: kind %v is not a model kind", status, kind)
			}
		}
		var w wireCertificate
		err := c.decode("Certificate", fuzzseed.Response(body), &w)
		if err != nil {
			fuzzseed.CheckModelError(t, err)
			if k := model.KindOf(err); !fuzzseed.IsKind(k) {
				t.Fatalf("kind %v is not a model kind", k)
			}
		}
	})
}
