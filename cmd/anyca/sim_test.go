package main

import (
	"bytes"
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// TestSimCommandsAgainstFakes starts "anyca sim" on a free loopback port, points the
// commands at each fake with the printed environment, and checks the answers.
func TestSimCommandsAgainstFakes(t *testing.T) {
	sim := serve(t, func(string) string { return "" }, "sim", "--listen", "127.0.0.1:0")
	envs := parseExports(t, sim.out.String())
	now := time.Now()
	accounts := map[string]demo.Account{"digicert": demo.DigiCert(demo.DefaultSeed, now), "zerossl": demo.ZeroSSL(demo.DefaultSeed, now)}
	missing := map[string]string{"digicert": "404404", "zerossl": "00000000000000000000000000000404"}

	delete(envs, "acme") // TestSimACMECommands
	for name, env := range envs {
		acct := accounts[name]
		t.Run(name, func(t *testing.T) {
			if !strings.HasPrefix(env["ANYCA_BASE_URL"], "http://127.0.0.1:") {
				t.Errorf("base URL %q", env["ANYCA_BASE_URL"])
			}
			var certs []model.Certificate
			decode(t, runLive(t, env, "certs", "list", "-o", "json"), &certs)
			if len(certs) != len(acct.Certificates) {
				t.Errorf("listed %d certificates, seeded %d", len(certs), len(acct.Certificates))
			}
			seen := map[model.CertificateStatus]bool{}
			for _, c := range certs {
				seen[c.Status] = true
				if c.Provider != name {
					t.Fatalf("provider %q", c.Provider)
				}
			}
			for _, st := range []model.CertificateStatus{model.StatusPending, model.StatusIssued, model.StatusRevoked, model.StatusCancelled, model.StatusExpired} {
				if !seen[st] {
					t.Errorf("no %s certificate listed", st)
				}
			}

			var issued []model.Certificate
			decode(t, runLive(t, env, "certs", "list", "--status", "issued", "-o", "json"), &issued)
			for _, c := range issued {
				if c.Status != model.StatusIssued {
					t.Fatalf("--status issued listed %s", c.Status)
				}
			}

			var one model.Certificate
			decode(t, runLive(t, env, "cert", "get", acct.FeaturedCertificateID, "-o", "json"), &one)
			if one.CommonName != demo.FeaturedDomain || one.Status != model.StatusPending {
				t.Errorf("featured certificate %+v", one)
			}

			var dv model.DomainValidation
			decode(t, runLive(t, env, "domain", "status", demo.FeaturedDomain, "-o", "json"), &dv)
			if dv.Domain != demo.FeaturedDomain || dv.Status != model.ValidationPending {
				t.Errorf("featured domain %+v", dv)
			}

			r := runLive(t, env, "challenges", acct.FeaturedCertificateID)
			if r.code != 0 || !strings.Contains(r.stdout, "pay.example.org. 3600 IN CNAME ") {
				t.Errorf("challenges: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}

			var rep struct {
				Now            time.Time                `json:"now"`
				Within         string                   `json:"within"`
				Certificates   []model.Certificate      `json:"certificates"`
				Domains        []model.DomainValidation `json:"domains"`
				RenewalWindows []renewalEntry           `json:"renewal_windows"`
			}
			decode(t, runLive(t, env, "expiring", "--within", "30d", "-o", "json"), &rep)
			if len(rep.Certificates) == 0 {
				t.Error("nothing expiring within 30 days")
			}
			for _, c := range rep.Certificates {
				if !c.ExpiresWithin(rep.Now, 30*24*time.Hour+24*time.Hour) {
					t.Errorf("%s expires %v, not within 30d", c.ID, c.NotAfter)
				}
			}
			if name == "digicert" && len(rep.Domains) == 0 {
				t.Error("no DigiCert domain validation expiring within 30 days")
			}

			var doms []model.DomainValidation
			decode(t, runLive(t, env, "domains", "list", "-o", "json"), &doms)
			if len(doms) == 0 {
				t.Error("no domains listed")
			}

			if r := runLive(t, env, "cert", "get", missing[name]); r.code != exitNotFound {
				t.Errorf("missing id: exit %d, %q", r.code, r.stderr)
			}
			bad := maps.Clone(env)
			bad["ANYCA_API_KEY"] = "wrong-key-for-the-test"
			if r := runLive(t, bad, "certs", "list"); r.code != exitAuth || strings.Contains(r.stderr, "wrong-key-for-the-test") {
				t.Errorf("wrong key: exit %d, %q", r.code, r.stderr)
			}
		})
	}
}

// TestRateLimitedExitCode makes each fake answer 429 and checks exit code 5, with
// retries turned off in a config file.
func TestRateLimitedExitCode(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		t.Run(ca.Provider, func(t *testing.T) {
			file := writeFile(t, t.TempDir(), "cfg.json", `{"provider": "`+ca.Provider+`", "api_key": "`+ca.APIKey+
				`", "base_url": "`+ca.BaseURL(srv.URL)+`", "retry": {"max_attempts": 1, "requests_per_second": -1}}`)
			ca.FailNext(1, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "30"})
			r := runLive(t, nil, "--config", file, "cert", "get", ca.FeaturedCert)
			assertFailure(t, r, exitRateLimited, "rate limited", ca.APIKey)
			if strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("error is not one line: %q", r.stderr)
			}
			ca.FailNext(1, fakeca.Fault{Kind: fakeca.ServerError, Status: 503})
			if r := runLive(t, nil, "--config", file, "cert", "get", ca.FeaturedCert); r.code != exitError {
				t.Errorf("503: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}

func TestDemo(t *testing.T) {
	r := mustSucceed(t, runLive(t, nil, "demo"))
	for _, want := range []string{
		"STATUS     DIGICERT  ZEROSSL",
		"total      241       151",
		"Which 5 issued certificates expire first?",
		"_dnsauth.pay.example.org. 3600 IN CNAME ",
		".comodoca.com.",
		"-----BEGIN BODY-----",
		"p.Certificate(ctx, unknownID)       not found [3]        not found [3]",
		"unauthenticated [4]  unauthenticated [4]",
		// The whole life, on each CA: the key made for the order is the one certified.
		"DigiCert: anyca order --name shop.example.org",
		"ZeroSSL: anyca order --name shop.example.org",
		"by dns-txt at shop.example.org: preflight missing",
		"certifies the order's key: true",
		"from 132 days before expiry, of a 397-day certificate",
		"from 30 days before expiry, of a 90-day certificate",
		"--reason superseded: revoked",
		"(the renewal, not issued): cancelled",
		"the same questions to three CAs",
		"10. A third CA, through the same interface: ACME",
		"verifies against Pebble's root",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:8089", "[::1]:0", "localhost:8089", "127.1.2.3:1"} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"0.0.0.0:8089", ":8089", "[::]:8089", "10.0.0.1:80", "example.com:80", "8089", ""} {
		if err := checkLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestGoldenAgainstFakes renders tables from the real adapters talking to their fakes,
// seeded relative to the fixed test clock. Only answers that do not depend on the
// fakes' own clock (certificates, challenges) are compared to golden files.
func TestGoldenAgainstFakes(t *testing.T) {
	cas, srv := startSim(t, testNow)
	for _, ca := range cas {
		env := caEnv(ca, srv.URL)
		cases := []struct {
			name string
			args []string
		}{
			{"certs_list", []string{"certs", "list", "--search", "example.org"}},
			{"cert_get", []string{"cert", "get", ca.FeaturedCert}},
			{"challenges", []string{"challenges", ca.FeaturedCert}},
		}
		for _, tc := range cases {
			name := ca.Provider + "_" + tc.name
			t.Run(name, func(t *testing.T) {
				golden(t, name, runApp(t, env, tc.args...))
			})
		}
	}
}

// TestDemoDeterministic runs the demo twice at the same instant: same answers.
func TestDemoDeterministic(t *testing.T) {
	now := time.Now()
	render := func() string {
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, now: func() time.Time { return now }}
		if code := a.run(context.Background(), []string{"demo", "--seed", "7"}); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	if a, b := render(), render(); a != b {
		t.Errorf("demo output differs between runs:\n%s\n---\n%s", a, b)
	}
}
