package preflight_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// The variables anyca sim prints are one call away from Options: a file URL of any host
// is fetched from ANYCA_HTTP_HOST, and bad values are errors naming what is wrong.
func TestRedirectFromEnv(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "shop.example.com" && r.URL.Path == "/.well-known/pki-validation/fileauth.txt" {
			_, _ = w.Write([]byte("token-1"))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	env := map[string]string{preflight.EnvHTTPHost: " " + strings.TrimPrefix(srv.URL, "http://") + " "}
	opt, err := preflight.RedirectFromEnv(func(k string) string { return env[k] }).Options()
	if err != nil {
		t.Fatal(err)
	}
	ch := model.Challenge{Domain: "shop.example.com", Type: model.ChallengeHTTPFile,
		URL: "http://shop.example.com/.well-known/pki-validation/fileauth.txt", Content: "token-1"}
	if res := preflight.Check(context.Background(), ch, opt); res.Status != preflight.StatusOK {
		t.Errorf("the file on ANYCA_HTTP_HOST: %s %s", res.Status, res.Message)
	}

	noPEM := filepath.Join(t.TempDir(), "roots.pem")
	if err := os.WriteFile(noPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		r    preflight.Redirect
		want string
	}{
		{preflight.Redirect{DNSServer: "nope"}, `DNS server "nope": want host:port`},
		{preflight.Redirect{HTTPHost: "127.0.0.1"}, `HTTP host "127.0.0.1": want host:port`},
		{preflight.Redirect{HTTPSHost: "x"}, `HTTPS host "x": want host:port`},
		{preflight.Redirect{TLSRoots: filepath.Join(t.TempDir(), "missing.pem")}, "TLS roots:"},
		{preflight.Redirect{TLSRoots: noPEM}, "no PEM certificate"},
	} {
		if _, err := bad.r.Options(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v, want %q", bad.r, err, bad.want)
		}
	}
	if opt, err := (preflight.Redirect{}).Options(); err != nil || opt.Nameservers != nil || opt.DialContext != nil || opt.TLSConfig != nil {
		t.Errorf("an empty Redirect must leave the real servers: %+v, %v", opt, err)
	}
}
