package secretstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// testPrivateKey is a fresh P-256 key, its PKCS#8 PEM and its DER in base64.
var testPrivateKey = sync.OnceValues(func() (pemText, b64 string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), base64.StdEncoding.EncodeToString(der)
})

// PrivateKeyPEM returns the private key the key-material paths serve, in PEM.
func PrivateKeyPEM() string { p, _ := testPrivateKey(); return p }

// keyMaterialPaths are answers that quote a private key (PEM, PEM inside a JSON
// string, base64 without armor), with a 200 and an error status: whatever the adapter
// makes of them, no error or log line may show the key material (AssertNoKeyMaterial,
// which Run applies to every path).
func keyMaterialPaths(errorBody func(status int, text string) []byte) []Path {
	pemText, b64 := testPrivateKey()
	js, _ := json.Marshal(pemText)
	serve := func(status int, body string) func(string) http.HandlerFunc {
		return func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				fmt.Fprint(w, body)
			}
		}
	}
	return []Path{
		{Name: "HTTP 200 body that is a PEM private key", Handler: serve(200, pemText)},
		{Name: "HTTP 200 JSON quoting a PEM private key", Handler: serve(200, `{"certificate":`+string(js)+`}`)},
		{Name: "HTTP 200 base64 private key without armor", Handler: serve(200, b64)},
		{Name: "HTTP 500 vendor error quoting a PEM private key", Handler: serve(500, string(errorBody(500, pemText)))},
		{Name: "HTTP 502 text quoting a PEM private key", Handler: serve(502, "upstream said:\n"+pemText)},
	}
}

// AssertNoKeyMaterial fails t when any 16 consecutive characters of the private key the
// key-material paths serve appear in err's renderings (its chain included) or in logs.
func AssertNoKeyMaterial(t testing.TB, err error, logs string) {
	t.Helper()
	_, b64 := testPrivateKey()
	texts := Renderings(err)
	texts["logs"] = logs
	for label, text := range texts {
		for i := 0; i+16 <= len(b64); i++ {
			if strings.Contains(text, b64[i:i+16]) {
				t.Errorf("private key material leaked: %s contains %q: %s", label, b64[i:i+16], text)
				return
			}
		}
	}
}
