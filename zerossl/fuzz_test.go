package zerossl

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Fuzz targets for the decoders and mappers of ZeroSSL's answers through the client's own
// decode path (mapping_test.go's FuzzDecodeCertificate covers the bare wire types). Properties: no panic;
// a body that decodes either maps or fails with a *model.Error; every mapped domain name
// is already normalized; error decoders always yield a model kind. Seeds are every file
// of testdata/.

func addSeeds(f *testing.F, extra ...string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

func fuzzClient(t testing.TB) *Client {
	t.Helper()
	c, err := New(Config{APIKey: "fuzz-key-0123456789", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fuzzResp(body []byte) *retry.Response { return &retry.Response{StatusCode: 200, Body: body} }

func checkModelError(t *testing.T, err error) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || me.Kind == nil {
		t.Fatalf("error is not a *model.Error with a kind: %T %v", err, err)
	}
	_ = me.Error()
}

func isKind(k error) bool {
	for _, m := range model.Kinds() {
		if k == m {
			return true
		}
	}
	return false
}

func checkNormalized(t *testing.T, what string, names ...string) {
	t.Helper()
	for _, n := range names {
		if n == "" {
			continue
		}
		if norm, err := model.NormalizeDomain(n); err == nil && norm != n {
			t.Fatalf("%s %q is not normalized (want %q)", what, n, norm)
		}
	}
}

// mapAll maps w as Certificate and Challenges do and checks the result.
func mapAll(t *testing.T, c *Client, op string, w *wireCertificate) {
	t.Helper()
	cert, err := c.mapOne(op, w)
	if err != nil {
		checkModelError(t, err)
		return
	}
	if cert == nil {
		t.Fatal("nil certificate without an error")
	}
	checkNormalized(t, "common name", cert.CommonName)
	checkNormalized(t, "dns name", cert.DNSNames...)
	for _, st := range []map[string]model.ValidationStatus{nil, {cert.CommonName: model.ValidationValid}} {
		for _, ch := range mapChallenges(w, cert.DNSNames, ChallengeStatus(cert.Status), st) {
			checkNormalized(t, "challenge domain", ch.Domain)
		}
	}
}

func FuzzDecodeCertificateBody(f *testing.F) {
	addSeeds(f, `{"id":"a","validation":{"other_methods":[],"email_validation":{"A.Example.":["x@a.example"]}}}`,
		`{"success":false,"error":{"code":2803}}`, `{"validation":null}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wireCertificate
		if err := c.decode("Certificate", fuzzResp(body), &w); err != nil {
			checkModelError(t, err)
		} else {
			mapAll(t, c, "Certificate", &w)
		}
		var ws wireStatus
		if err := c.decode("Challenges", fuzzResp(body), &ws); err != nil {
			checkModelError(t, err)
			return
		}
		for _, det := range ws.Details {
			emailValidationStatus(string(det.Status))
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	addSeeds(f, `{"total_count":"2","result_count":1,"page":"1","limit":100,"results":[null,{"id":"x"}]}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		var l wireList
		if err := c.decode("Certificates", fuzzResp(body), &l); err != nil {
			checkModelError(t, err)
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
	addSeeds(f, `{"success":0,"error":"text"}`, `{"error":{"code":"101","type":"invalid_access_key"}}`, `{"error":[]}`)
	c := fuzzClient(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 501, 502} {
			_, _, kind := decodeHTTPError(status, body)
			if kind != nil && !isKind(kind) {
				t.Fatalf("status %d: kind %v is not a model kind", status, kind)
			}
		}
		var w wireCertificate
		err := c.decode("Certificate", fuzzResp(body), &w)
		if err != nil {
			checkModelError(t, err)
			if k := model.KindOf(err); !isKind(k) {
				t.Fatalf("kind %v is not a model kind", k)
			}
		}
	})
}
