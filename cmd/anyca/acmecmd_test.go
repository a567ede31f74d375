package main

import (
	"os"
	"strings"
	"testing"

	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
)

// TestACMERegister makes and registers an account key against Pebble: without
// --agree-terms the key file is made (0600) and the error names the terms' URL; with it
// the account is registered; again, the account is found; the key is never printed.
// Bad input is a usage error.
func TestACMERegister(t *testing.T) {
	srv, err := acmetest.New(acmetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	env := map[string]string{"ANYCA_PROVIDER": "acme", "ANYCA_BASE_URL": srv.DirectoryURL,
		envCARoots: writeFile(t, dir, "tls.pem", string(srv.TLSCertificatePEM()))}
	keyFile := dir + "/account.pem"

	r := runLive(t, env, "acme", "register", "--key-file", keyFile)
	assertFailure(t, r, exitUsage, "agree to the terms of service at data:text/plain,Do%20what%20thou%20wilt")
	if !strings.Contains(r.stderr, "--agree-terms") {
		t.Errorf("the error does not say how to agree: %s", r.stderr)
	}
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acme.ParseKey(string(key)); err != nil || !strings.Contains(string(key), "EC PRIVATE KEY") {
		t.Fatalf("key file holds no ECDSA key: %v", err)
	}

	r = mustSucceed(t, runLive(t, env, "acme", "register", "--key-file", keyFile, "--agree-terms", "--email", "ops@example.com"))
	if !strings.Contains(r.stdout, srv.URL()+"/my-account/") || !strings.Contains(r.stdout, "the key already in it") {
		t.Errorf("register: %s", r.stdout)
	}
	var got struct {
		AccountURL string `json:"account_url"`
		Directory  string `json:"directory"`
		KeyFile    string `json:"key_file"`
		KeyCreated bool   `json:"key_created"`
	}
	decode(t, runLive(t, env, "acme", "register", "--key-file", keyFile, "-o", "json"), &got)
	if !strings.HasPrefix(got.AccountURL, srv.URL()+"/my-account/") || got.KeyCreated || got.KeyFile != keyFile || got.Directory != srv.DirectoryURL {
		t.Errorf("the registered account is not found again: %+v", got)
	}
	// The config it prints names the key file, and works as it is: the account is found
	// (an unknown order is then exit 3, not a configuration error).
	i := strings.Index(r.stdout, "\n; {")
	if i < 0 || strings.Contains(r.stdout, "PRIVATE KEY") {
		t.Fatalf("register printed no config line, or the key: %s", r.stdout)
	}
	cfgLine := strings.TrimPrefix(strings.SplitN(r.stdout[i+1:], "\n", 2)[0], "; ")
	if !strings.Contains(cfgLine, `"key_file":`) {
		t.Errorf("the printed config does not name the key file: %s", cfgLine)
	}
	cfgEnv := map[string]string{envConfigFile: writeFile(t, dir, "printed.json", cfgLine), envCARoots: env[envCARoots]}
	assertFailure(t, runLive(t, cfgEnv, "cert", "get", srv.URL()+"/my-order/none"), exitNotFound, "")
	fresh := dir + "/fresh.pem"
	r = mustSucceed(t, runLive(t, env, "acme", "register", "--key-file", fresh, "--agree-terms"))
	if !strings.Contains(r.stdout, "a new ECDSA P-256 key, made now (mode 0600)") {
		t.Errorf("register with a new key: %s", r.stdout)
	}
	freshKey, _ := os.ReadFile(fresh)
	for _, k := range []string{string(key), string(freshKey)} {
		for _, line := range strings.Split(strings.TrimSpace(k), "\n")[1:2] {
			if strings.Contains(r.stdout+r.stderr, line) {
				t.Fatal("the account key was printed")
			}
		}
	}

	assertFailure(t, runLive(t, env, "acme", "register"), exitUsage, "--key-file is required")
	assertFailure(t, runLive(t, env, "acme", "register", "--key-file", keyFile, "--email", "not an address"), exitUsage, "--email")
	assertFailure(t, runLive(t, env, "acme", "register", "--key-file", writeFile(t, dir, "junk.pem", "junk"), "--agree-terms"), exitUsage, "not PEM")
	assertFailure(t, runLive(t, env, "acme", "register", "--key-file", dir+"/no/such/dir/k.pem"), exitUsage, "--key-file")
	assertFailure(t, runLive(t, map[string]string{"ANYCA_PROVIDER": "digicert"}, "acme", "register", "--key-file", keyFile), exitUsage, `provider "digicert" is not an ACME CA`)
}
