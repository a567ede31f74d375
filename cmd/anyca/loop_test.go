package main

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

func TestVerifyAndDownloadCommands(t *testing.T) {
	srv := digicerttest.NewServer()
	defer srv.Close()
	order := srv.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(order.ID, []model.Challenge{{Domain: "shop.example.com", Type: model.ChallengeDNSTXT, Token: "rv-cli-1", Status: model.ValidationPending}})
	env := providerEnv("digicert", srv.APIKey, srv.URL)

	r := runApp(t, env, "verify", order.ID)
	if r.code != exitDCVFailed || !strings.Contains(r.stdout, "failed") || !strings.Contains(r.stdout, "invalid_dns_txt") {
		t.Fatalf("verify before publishing: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "DCV failed for shop.example.com") || strings.Contains(r.stderr, srv.APIKey) {
		t.Errorf("stderr: %q", r.stderr)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "shop.pem")
	assertFailure(t, runApp(t, env, "download", order.ID, "--out", out), exitError, "only an issued certificate")
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused download wrote a file")
	}

	srv.Publish("shop.example.com")
	r = runApp(t, env, "verify", order.ID, "--wait", "--timeout", "5s", "-o", "json")
	if r.code != exitOK || !strings.Contains(r.stdout, `"status": "valid"`) {
		t.Fatalf("verify after publishing: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	r = runApp(t, env, "download", order.ID, "--out", out)
	if r.code != exitOK || !strings.Contains(r.stdout, "shop.example.com") {
		t.Fatalf("download: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("file mode: %v %v", fi, err)
	}
	data, _ := os.ReadFile(out)
	verifyPEM(t, data, "shop.example.com")

	assertFailure(t, runApp(t, env, "download", order.ID, "--out", out), exitUsage, "--force")
	writeFile(t, dir, "shop.pem", "old")
	if r := runApp(t, env, "download", order.ID, "--out", out, "--force"); r.code != exitOK {
		t.Errorf("--force: code %d, stderr %q", r.code, r.stderr)
	}
	data, _ = os.ReadFile(out)
	verifyPEM(t, data, "shop.example.com")
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o644 {
		t.Errorf("replaced file mode %v", fi.Mode())
	}

	r = runApp(t, env, "download", order.ID)
	if r.code != exitOK {
		t.Fatalf("download to stdout: %d %q", r.code, r.stderr)
	}
	verifyPEM(t, []byte(r.stdout), "shop.example.com")

	assertFailure(t, runApp(t, env, "verify", order.ID), exitError, "failed precondition")
	if r := runApp(t, env, "verify", "999999999"); r.code != exitNotFound {
		t.Errorf("unknown id: code %d, stderr %q", r.code, r.stderr)
	}
	if r := runApp(t, env, "verify", order.ID, "--method", "smoke-signal"); r.code != exitUsage {
		t.Errorf("unknown method: code %d", r.code)
	}
}

func TestVerifyCommandZeroSSLMethod(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{CommonName: "z.example.com", Status: model.StatusPending})
	env := providerEnv("zerossl", srv.APIKey, srv.URL)
	if r := runApp(t, env, "verify", cert.ID, "--method", "dns-txt"); r.code != exitUsage {
		t.Errorf("dns-txt on ZeroSSL: code %d, stderr %q", r.code, r.stderr)
	}
	r := runApp(t, env, "verify", cert.ID, "--method", "dns-cname")
	if r.code != exitDCVFailed || !strings.Contains(r.stdout, "no CNAME record at _") {
		t.Errorf("unpublished CNAME: code %d, stdout %q", r.code, r.stdout)
	}
	if srv.VerifyRequests() != 1 {
		t.Errorf("verify requests: %d", srv.VerifyRequests())
	}
}

func TestHelpListsVerifyAndDownload(t *testing.T) {
	r := runApp(t, nil, "--help")
	for _, want := range []string{"verify", "download", "7  DCV failed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("top help lacks %q", want)
		}
	}
	for _, cmd := range []string{"verify", "download"} {
		r := runApp(t, nil, cmd, "--help")
		if r.code != exitOK || !strings.Contains(r.stdout, "Usage: anyca "+cmd) {
			t.Errorf("%s --help: %d %q", cmd, r.code, r.stdout)
		}
	}
}

func verifyPEM(t *testing.T, data []byte, name string) {
	t.Helper()
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	if len(certs) < 2 {
		t.Fatalf("%d certificates in the PEM", len(certs))
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{Roots: digicerttest.Roots(), Intermediates: inter, DNSName: name}); err != nil {
		t.Errorf("the written chain does not verify: %v", err)
	}
}

// TestDemoShowsTheDCVLoop: the demo checks, publishes, waits and downloads for both
// CAs, and prints the same thing on every run.
func TestDemoShowsTheDCVLoop(t *testing.T) {
	first := mustSucceed(t, runLive(t, nil, "demo"))
	for _, want := range []string{"7. Walk the DCV loop", "DigiCert, pending order", "ZeroSSL, pending certificate",
		"preflight pay.example.org: missing: _dnsauth.pay.example.org does not exist",
		"failed: invalid_dns_cname: No CNAME record _dnsauth.pay.example.org", "failed: no CNAME record at _", "ZeroSSL expects one pointing to ",
		"anyca sim publish 4128223: _dnsauth.pay.example.org. 300 IN CNAME ",
		`preflight pay.example.org: ok: CNAME _dnsauth.pay.example.org -> "`,
		"1 of 1 domains valid", "2 of 2 domains valid"} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if n := strings.Count(first.stdout, "verifies against the simulator's root"); n != 2 {
		t.Errorf("%d downloads verified, want 2:\n%s", n, first.stdout)
	}
	if again := runLive(t, nil, "demo"); again.stdout != first.stdout {
		t.Error("the demo's output differs between two runs")
	}
}

// TestSimPublish: POST /publish on the simulator makes the next verify pass, for both
// CAs, through the CLI.
func TestSimPublish(t *testing.T) {
	cas, srv := startSim(t, testNow)
	for _, ca := range cas {
		env := caEnv(ca, srv.URL)
		args := []string{"verify", ca.FeaturedCert, "--method", "dns-cname"}
		if r := runApp(t, env, args...); r.code != exitDCVFailed {
			t.Fatalf("%s before publishing: code %d, %q %q", ca.Label, r.code, r.stdout, r.stderr)
		}
	}
	// publish sends POST /publish?query with the Host header host (the listener's when
	// empty) and returns the answer's status; a request that fails ends the test.
	publish := func(query, host string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/publish?"+query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("publish?%s: %v", query, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, ca := range cas {
		if code := publish("id="+ca.FeaturedCert, ""); code != http.StatusOK {
			t.Fatalf("publish %s: %d", ca.FeaturedCert, code)
		}
	}
	for _, ca := range cas {
		env := caEnv(ca, srv.URL)
		if r := runApp(t, env, "verify", ca.FeaturedCert, "--method", "dns-cname"); r.code != exitOK {
			t.Errorf("%s after publishing: code %d, %q %q", ca.Label, r.code, r.stdout, r.stderr)
		}
		if r := runApp(t, env, "download", ca.FeaturedCert); r.code != exitOK || !strings.HasPrefix(r.stdout, "-----BEGIN CERTIFICATE-----") {
			t.Errorf("%s download: code %d, %q", ca.Label, r.code, r.stderr)
		}
	}
	// A Host header naming another server changes nothing: the CAs are asked locally.
	if code := publish("id="+cas[0].FeaturedCert, "192.0.2.1:80"); code != http.StatusOK {
		t.Errorf("publish with a foreign Host header: %d", code)
	}
	for query, want := range map[string]int{"id=404404": http.StatusNotFound, "domain=pay.example.org": http.StatusBadRequest,
		"id=" + cas[0].FeaturedCert + "&wrong=typo": http.StatusBadRequest} {
		if code := publish(query, ""); code != want {
			t.Errorf("publish?%s: %d, want %d", query, code, want)
		}
	}
}
