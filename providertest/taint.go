package providertest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// testTaintedAnswers proves the one quoting rule of every adapter: a CA value quoted in
// an error is redacted first and cut after, and made one printable line. Every string
// of the answers (ids, dates, status words, the PEM download) gets the key, a PEM
// private key and a terminal escape appended (FaultTaint); whatever each call answers,
// an error must not show any 10 characters of the key, any 16 characters of the
// private key's base64, or a control character in its text.
func (s *suite) testTaintedAnswers(t *testing.T) {
	calls := map[string]func(p anyca.Provider, f *Fake) error{
		"Certificate": func(p anyca.Provider, f *Fake) error {
			_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
			return err
		},
		"Certificates": func(p anyca.Provider, f *Fake) error {
			_, err := firstCert(ctxFor(t), p)
			return err
		},
		"Challenges": func(p anyca.Provider, f *Fake) error {
			_, err := p.Challenges(ctxFor(t), f.Want.Certificates[0].ID)
			return err
		},
	}
	if s.h.Capabilities.Downloader {
		calls["Download"] = func(p anyca.Provider, f *Fake) error {
			for _, c := range f.Want.Certificates {
				if c.Status == model.StatusIssued {
					_, err := anyca.Download(ctxFor(t), p, c.ID)
					return err
				}
			}
			return nil
		}
	}
	pemKey, keyBody := taintKey(t)
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			f := s.startFake(t)
			p := singleShot(t, f)
			secrets := f.secrets()
			key := secrets[len(secrets)-1]
			// The key comes after a date's worth of text, so a value cut at 40 bytes
			// before redaction shows part of it.
			f.FailNext(4, Fault{Kind: FaultTaint, Message: " and then " + key + " " + pemKey + "\x1b[2J\u0085end"})
			var err error
			panicFree(t, op+" on tainted answers", func() { err = call(p, f) })
			if err == nil {
				return
			}
			t.Logf("%s: %v", op, err)
			checkQuotedSafely(t, op+" on tainted answers", err, key, keyBody)
		})
	}
}

// checkQuotedSafely fails t when err, printed any way, shows 10 consecutive bytes of
// key or 16 of keyBody, or when its text holds a control character.
func checkQuotedSafely(t *testing.T, what string, err error, key, keyBody string) {
	t.Helper()
	for how, printed := range printedForms(err) {
		if w := window(printed, key, 10); w != "" {
			t.Errorf("%s: the error printed with %s shows part of the API key (%q): %s", what, how, w, printed)
		}
		if w := window(printed, keyBody, 16); w != "" {
			t.Errorf("%s: the error printed with %s shows private key material (%q): %s", what, how, w, printed)
		}
	}
	if i := strings.IndexFunc(err.Error(), isControl); i >= 0 {
		t.Errorf("%s: the error's text holds the control character %q: %q", what, err.Error()[i], err.Error())
	}
}

// window returns the first n-byte piece of secret that text contains, or "".
func window(text, secret string, n int) string {
	for i := 0; i+n <= len(secret); i++ {
		if strings.Contains(text, secret[i:i+n]) {
			return secret[i : i+n]
		}
	}
	return ""
}

var taintKeyOnce = sync.OnceValues(func() (string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
})

// taintKey returns a fresh P-256 private key in PEM and its base64 body on one line.
func taintKey(t *testing.T) (pemText, body string) {
	pemText, err := taintKeyOnce()
	if err != nil {
		t.Fatalf("generating the test private key: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(pemText), "\n")
	return pemText, strings.Join(lines[1:len(lines)-1], "")
}
