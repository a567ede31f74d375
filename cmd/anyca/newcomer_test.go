package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Tests of what a new user meets on a first afternoon with the tool (issue 23), each run
// as a user runs it: the command line against the simulator.

// A base URL with the right host and a wrong path reaches no API route: that is never
// "not found" (exit 3, which a script reads as "it does not exist") but an unavailable
// endpoint (exit 1) whose message asks whether the base URL is right, for a listing and a
// lookup, on both CAs.
func TestWrongBaseURLPathIsNotNotFound(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		right := ca.BaseURL(srv.URL)
		for _, base := range []string{srv.URL + "/" + ca.Provider + "/services", strings.TrimSuffix(right, "/") + "/v9"} {
			env := providerEnv(ca.Provider, ca.APIKey, base)
			for _, args := range [][]string{{"certs", "list"}, {"cert", "get", ca.FeaturedCert}, {"domains", "list"}} {
				r := runLive(t, env, args...)
				assertFailure(t, r, exitError, "is BaseURL right?", ca.APIKey)
				if strings.Contains(r.stderr, "not found (") {
					t.Errorf("anyca %q at %s: %q reads as an object not found", args, base, r.stderr)
				}
			}
		}
	}
}

// verify --wait waits for DNS to propagate: a refused proof is checked again until it
// passes, each problem printed as it comes; --timeout ends the wait saying how many
// domains are valid. The pauses are the test's (no real waiting).
func TestVerifyWaitRechecksUntilValid(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{CommonName: "wait.example.com", DNSNames: []string{"wait.example.com", "www.wait.example.com"}, Status: model.StatusPending})
	env := providerEnv("zerossl", srv.APIKey, srv.URL)
	pauses := 0
	a := &app{now: time.Now, sleep: func(ctx context.Context, _ time.Duration) error {
		pauses++
		if pauses == 2 { // the record has propagated
			srv.Publish("wait.example.com")
			srv.Publish("www.wait.example.com")
		}
		return ctx.Err()
	}}
	r := runWith(t, a, env, "verify", cert.ID, "--method", "dns-cname", "--wait")
	if r.code != exitOK {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "wait.example.com: no CNAME record at"); n < 2 {
		t.Errorf("each refusal should be printed as it comes: %q", r.stderr)
	}
	if strings.Count(r.stdout, "valid") != 2 || strings.Contains(r.stdout, "failed") {
		t.Errorf("want both domains valid:\n%s", r.stdout)
	}

	other := srv.AddCertificate(model.Certificate{CommonName: "never.example.com", Status: model.StatusPending})
	pauses = 0
	a = &app{now: time.Now, sleep: func(ctx context.Context, _ time.Duration) error {
		if pauses++; pauses == 3 {
			return context.DeadlineExceeded // what the --timeout's context gives
		}
		return ctx.Err()
	}}
	r = runWith(t, a, env, "verify", other.ID, "--method", "dns-cname", "--wait", "--timeout", "1h")
	if r.code != exitError || !strings.Contains(r.stderr, "--timeout 1h0m0s passed: 0 of 1 domains valid") {
		t.Errorf("timeout: exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "failed") {
		t.Errorf("the last state is printed at the timeout: %q", r.stdout)
	}
}

// ZeroSSL offers four methods per domain; a check answers for one: verify shows a row
// per domain for the method checked, not four rows all carrying the CNAME problem.
func TestVerifyShowsTheMethodChecked(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{CommonName: "rows.example.com", DNSNames: []string{"rows.example.com", "www.rows.example.com"}, Status: model.StatusPending})
	r := runApp(t, providerEnv("zerossl", srv.APIKey, srv.URL), "verify", cert.ID, "--method", "dns-cname")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitDCVFailed || len(lines) != 3 {
		t.Fatalf("exit %d, want a header and one row per domain:\n%s", r.code, r.stdout)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "dns-cname") {
			t.Errorf("row %q is not the method checked", l)
		}
	}
}

// A fleet config whose key variables are missing names every one of them in one run,
// with its account, not one per run.
func TestMissingFleetKeysReportedAtOnce(t *testing.T) {
	f := startSimFleet(t, false)
	r := runLive(t, map[string]string{}, "--config", f.config, "certs", "list")
	assertFailure(t, r, exitUsage, "3 environment variables are not set or empty")
	for _, ca := range f.accounts {
		want := sim.KeyEnv(ca.Account) + ` (account "` + ca.Account + `")`
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q does not name %s", r.stderr, want)
		}
	}
}

// freeAddr returns a loopback address whose TCP and UDP port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			pc.Close()
			return addr
		}
	}
	t.Fatal("no free port")
	return ""
}

// anyca sim --env-file writes every variable a script needs, and --dns-listen,
// --http-listen and --https-listen fix the world's ports; the file's variables, read as
// they are, walk the loop.
func TestSimEnvFileAndFixedPorts(t *testing.T) {
	dnsAddr, httpAddr, httpsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	envFile := filepath.Join(t.TempDir(), "sim.env")
	serve(t, func(string) string { return "" }, "sim", "--listen", "127.0.0.1:0",
		"--dns-listen", dnsAddr, "--http-listen", httpAddr, "--https-listen", httpsAddr, "--env-file", envFile)
	b, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			env[k] = v
		}
	}
	for k, want := range map[string]string{envDNSServer: dnsAddr, envHTTPHost: httpAddr, envHTTPSHost: httpsAddr, "ANYCA_PROVIDER": "digicert"} {
		if env[k] != want {
			t.Errorf("%s=%q in the env file, want %q", k, env[k], want)
		}
	}
	for _, k := range []string{"ANYCA_API_KEY", "ANYCA_BASE_URL", "ANYCA_SIM_ZEROSSL_BASE_URL", "ANYCA_SIM_DIGICERT_PENDING_ID", envTLSRoots, "ANYCA_SIM_FLEET_CONFIG", "ANYCA_SIM_PROD_KEY"} {
		if env[k] == "" {
			t.Errorf("%s missing from the env file:\n%s", k, b)
		}
	}
	id := env["ANYCA_SIM_DIGICERT_PENDING_ID"]
	mustSucceed(t, runLive(t, env, "sim", "publish", id))
	r := mustSucceed(t, runLive(t, env, "challenges", id, "--check"))
	if !strings.Contains(r.stdout, "; preflight: ok") {
		t.Errorf("the env file's variables should reach the world:\n%s", r.stdout)
	}
	mustSucceed(t, runLive(t, env, "--config", env["ANYCA_SIM_FLEET_CONFIG"], "certs", "list", "--account", "dv"))
}

// domain status of a domain still being validated shows the pending order to verify
// (JSON: certificate_id), on both CAs; DigiCert's unknown subdomain hints at the
// registered domain.
func TestDomainStatusShowsThePendingOrder(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		env := caEnv(ca, srv.URL)
		r := mustSucceed(t, runLive(t, env, "domain", "status", "pay.example.org"))
		if !strings.Contains(r.stdout, "Pending order: ") || !strings.Contains(r.stdout, "anyca verify ") || !strings.Contains(r.stdout, ca.FeaturedCert) {
			t.Errorf("%s: no pending order %s shown:\n%s", ca.Provider, ca.FeaturedCert, r.stdout)
		}
	}
	dc := cas[0]
	if dc.Provider != "digicert" {
		t.Fatalf("the first simulated CA is %s", dc.Provider)
	}
	var d model.DomainValidation
	decode(t, runLive(t, caEnv(dc, srv.URL), "domain", "status", "pay.example.org", "-o", "json"), &d)
	if d.CertificateID != dc.FeaturedCert {
		t.Errorf("certificate_id %q, want the pending order %s", d.CertificateID, dc.FeaturedCert)
	}
	r := runLive(t, caEnv(dc, srv.URL), "domain", "status", "nowhere.pay.example.org")
	assertFailure(t, r, exitNotFound, "DigiCert validates the registered domain, not each subdomain: try anyca domain status example.org")
}
