package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
)

// TestDownloadNeverPrintsKeyMaterial: a CA whose download holds a private key (PEM, or
// its base64 without armor) gets an error, and neither stderr nor stdout shows any 16
// characters of the key, nor the API key.
func TestDownloadNeverPrintsKeyMaterial(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	b64 := base64.StdEncoding.EncodeToString(der)
	srv := digicerttest.NewServer()
	defer srv.Close()
	order := srv.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusIssued, Level: model.LevelOV})
	env := providerEnv("digicert", srv.APIKey, srv.URL)
	for name, body := range map[string]string{
		"PEM private key":                pemKey,
		"EC PEM private key, CRLF":       strings.ReplaceAll(strings.ReplaceAll(pemKey, "PRIVATE KEY", "EC PRIVATE KEY"), "\n", "\r\n"),
		"base64 without armor":           b64 + "\n",
		"text, then the key":             "here is your bundle:\n" + pemKey,
		"a cut-off key after some lines": strings.Repeat("-- log line --\n", 10) + pemKey[:len(pemKey)/2],
	} {
		t.Run(name, func(t *testing.T) {
			srv.SetDownload(order.ID, []byte(body))
			r := runApp(t, env, "download", order.ID, "--out", filepath.Join(t.TempDir(), "x.pem"))
			if r.code == exitOK {
				t.Fatalf("a download holding a private key succeeded: %q", r.stdout)
			}
			for _, out := range []string{r.stderr, r.stdout} {
				for i := 0; i+16 <= len(b64); i++ {
					if strings.Contains(out, b64[i:i+16]) {
						t.Fatalf("the output shows private key material %q: %q", b64[i:i+16], out)
					}
				}
				if strings.Contains(out, srv.APIKey) {
					t.Errorf("the output shows the API key: %q", out)
				}
			}
		})
	}
}
