package secret

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
)

func TestScrubKeyMaterial(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	scalar, err := k.Bytes() // the private scalar, as a JSON Web Key's "d" holds it
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	ecText := strings.ReplaceAll(pemText, "PRIVATE KEY", "EC PRIVATE KEY")
	b64 := base64.StdEncoding.EncodeToString(der)
	jsonPEM, _ := json.Marshal(pemText)
	for name, in := range map[string]string{
		"PEM block":                    "refused: " + pemText + " after",
		"EC PEM block, CRLF":           strings.ReplaceAll(ecText, "\n", "\r\n"),
		"PEM cut inside the block":     "bundle: " + pemText[:len(pemText)/2],
		"PEM in a JSON string":         `{"certificate":` + string(jsonPEM) + `}`,
		"base64 DER without armor":     "key=" + b64 + "&x=1",
		"base64url DER":                base64.RawURLEncoding.EncodeToString(der),
		"PEM body lines without armor": strings.Join(strings.Split(pemText, "\n")[1:4], "\n"),
		"JWK private member":           `{"kty":"EC","crv":"P-256","d":"` + base64.RawURLEncoding.EncodeToString(scalar) + `"}`,
	} {
		got := ScrubKeyMaterial(in)
		for i := 0; i+16 <= len(b64); i++ {
			if strings.Contains(got, b64[i:i+16]) {
				t.Errorf("%s: %q is left in %q", name, b64[i:i+16], got)
				break
			}
		}
		if name == "JWK private member" && strings.Contains(got, base64.RawURLEncoding.EncodeToString(scalar)[:16]) {
			t.Errorf("%s: the private scalar is left in %q", name, got)
		}
	}
	for _, keep := range []string{
		"order 4128223 is pending",
		"serial 0a1b2c3d4e5f60718293a4b5c6d7e8f901234567 fingerprint ABCDEF0123456789ABCDEF0123456789ABCDEF01",
		"https://acme.example/acme/order/1234/5678",
		"certificate ec7890188e4b326f1eeb803abd37fc56: expires",
	} {
		if got := ScrubKeyMaterial(keep); got != keep {
			t.Errorf("ScrubKeyMaterial(%q) = %q: text without key material must be kept", keep, got)
		}
	}
}
