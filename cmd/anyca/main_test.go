package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// memEnv points the command at the in-memory provider.
func memEnv(key string) map[string]string {
	return map[string]string{"ANYCA_PROVIDER": "memca", "ANYCA_API_KEY": key}
}

// golden ends the test unless the run exited 0, checks that it printed nothing on
// stderr (it is not a terminal), and compares its stdout with testdata/name.golden,
// rewriting the file under -update.
func golden(t *testing.T, name string, r result) {
	t.Helper()
	got := mustSucceed(t, r).stdout
	if r.stderr != "" {
		t.Errorf("anyca %q: stderr not empty when not a terminal: %q", r.args, r.stderr)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/anyca -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (rerun with -update if intended)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// account is the memca account, as the tests see it.
func account() demo.Account { return demo.DigiCert(demo.DefaultSeed, testNow) }

// certUnder returns the id of the first certificate with a name under domain.
func certUnder(t *testing.T, domain string) string {
	t.Helper()
	for _, c := range account().Certificates {
		for _, n := range c.DNSNames {
			if n == domain || strings.HasSuffix(n, "."+domain) {
				return c.ID
			}
		}
	}
	t.Fatalf("no certificate under %s", domain)
	return ""
}

func TestGoldenTables(t *testing.T) {
	acct := account()
	var issued string
	for _, c := range acct.Certificates {
		if c.Status == model.StatusIssued && c.ReplacesID != "" {
			issued = c.ID
			break
		}
	}
	cases := []struct {
		name string
		args []string
	}{
		{"certs_list", []string{"certs", "list"}},
		{"certs_list_filtered", []string{"certs", "list", "--status", "pending,rejected", "--search", "example"}},
		{"cert_get", []string{"cert", "get", issued}},
		{"domains_list", []string{"domains", "list"}},
		{"domain_status_valid", []string{"domain", "status", "Example.COM."}},
		{"domain_status_pending", []string{"domain", "status", demo.FeaturedDomain}},
		{"challenges_cname", []string{"challenges", acct.FeaturedCertificateID}},
		{"challenges_http", []string{"challenges", certUnder(t, "payments.test")}},
		{"challenges_txt", []string{"challenges", certUnder(t, "acme-mail.test")}},
		{"challenges_email", []string{"challenges", certUnder(t, "partners.test")}},
		{"expiring_30d", []string{"expiring", "--within", "30d"}},
		{"expiring_36h", []string{"expiring", "--within=36h"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, runApp(t, memEnv(memKey), tc.args...))
		})
	}
}

func TestExitCodes(t *testing.T) {
	acct := account()
	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string // substring of the one-line error
	}{
		{"no args", memEnv(memKey), nil, exitUsage, "Usage: anyca"},
		{"unknown command", memEnv(memKey), []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"group without verb", memEnv(memKey), []string{"certs"}, exitUsage, `did you mean "certs list"`},
		{"bad flag", memEnv(memKey), []string{"certs", "list", "--nope"}, exitUsage, "flag provided but not defined"},
		{"api key flag refused", memEnv(memKey), []string{"certs", "list", "--api-key", "x"}, exitUsage, "flag provided but not defined"},
		{"bad output", memEnv(memKey), []string{"certs", "list", "-o", "yaml"}, exitUsage, "-o must be table or json"},
		{"bad status", memEnv(memKey), []string{"certs", "list", "--status", "issued,shiny"}, exitUsage, `--status "shiny"`},
		{"missing id", memEnv(memKey), []string{"cert", "get"}, exitUsage, "missing the certificate ID"},
		{"extra arg", memEnv(memKey), []string{"cert", "get", "1", "2"}, exitUsage, "too many arguments: want only the certificate ID"},
		{"stray arg", memEnv(memKey), []string{"certs", "list", "x"}, exitUsage, `unexpected argument "x"`},
		{"missing domain", memEnv(memKey), []string{"domain", "status"}, exitUsage, "missing the domain NAME"},
		{"bad window", memEnv(memKey), []string{"expiring", "--within", "soon"}, exitUsage, `--within "soon"`},
		{"flags before config", map[string]string{}, []string{"certs", "list", "--status", "shiny"}, exitUsage, `--status "shiny"`},
		{"window before config", map[string]string{}, []string{"expiring", "--within", "soon"}, exitUsage, `--within "soon"`},
		{"zero timeout", map[string]string{}, []string{"verify", "1", "--timeout", "0s"}, exitUsage, "--timeout must be positive"},
		{"zero interval", map[string]string{}, []string{"exporter", "--interval", "0s"}, exitUsage, "--interval 0s: must be positive"},
		{"negative window", memEnv(memKey), []string{"expiring", "--within", "-3h"}, exitUsage, "positive"},
		{"malformed domain", memEnv(memKey), []string{"domain", "status", "bad..name"}, exitUsage, "invalid argument"},
		{"no provider", map[string]string{}, []string{"certs", "list"}, exitUsage, "no provider: set ANYCA_PROVIDER"},
		{"no key", map[string]string{"ANYCA_PROVIDER": "memca"}, []string{"certs", "list"}, exitUsage, "no API key: set ANYCA_API_KEY"},
		{"unknown provider", map[string]string{"ANYCA_PROVIDER": "nope", "ANYCA_API_KEY": "k"}, []string{"certs", "list"}, exitUsage, `unknown provider "nope"`},
		{"not found cert", memEnv(memKey), []string{"cert", "get", "999"}, exitNotFound, "not found"},
		{"not found domain", memEnv(memKey), []string{"domain", "status", "nowhere.test"}, exitNotFound, "not found"},
		{"not found challenges", memEnv(memKey), []string{"challenges", "999"}, exitNotFound, "not found"},
		{"bad key", memEnv(memKeyBad), []string{"certs", "list"}, exitAuth, "unauthenticated"},
		{"bad key expiring", memEnv(memKeyBad), []string{"expiring"}, exitAuth, "unauthenticated"},
		{"rate limited", memEnv(memKeyLimited), []string{"cert", "get", acct.FeaturedCertificateID}, exitRateLimited, "rate limited"},
		{"rate limited domains", memEnv(memKeyLimited), []string{"domains", "list"}, exitRateLimited, "retry after 1m0s"},
		{"sim non-loopback", nil, []string{"sim", "--listen", "0.0.0.0:8089"}, exitUsage, "only loopback"},
		{"sim all interfaces", nil, []string{"sim", "--listen", ":8089"}, exitUsage, "only loopback"},
		{"sim public name", nil, []string{"sim", "--listen", "example.com:80"}, exitUsage, "only loopback"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runApp(t, tc.env, tc.args...)
			assertFailure(t, r, tc.code, tc.stderr, memKey, memKeyBad, memKeyLimited)
			if tc.code != exitUsage || tc.args == nil {
				return
			}
			// Errors are one line (plus the help hint for usage errors).
			if lines := strings.Count(r.stderr, "\n"); lines > 2 {
				t.Errorf("error takes %d lines: %q", lines, r.stderr)
			}
		})
	}
}

func TestJSONOutput(t *testing.T) {
	acct := account()
	t.Run("certs list", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "certs", "list", "-o", "json", "--status", "issued")
		var got []model.Certificate
		decode(t, r, &got)
		want := 0
		for _, c := range acct.Certificates {
			if c.Status == model.StatusIssued {
				want++
			}
		}
		if len(got) != want || want == 0 {
			t.Fatalf("got %d certificates, want %d", len(got), want)
		}
		for i, c := range got {
			if c.Status != model.StatusIssued || c.Provider != "memca" || c.NotAfter.IsZero() {
				t.Errorf("certificate %d: %+v", i, c)
			}
			if i > 0 && (got[i-1].CommonName > c.CommonName) {
				t.Errorf("not sorted by common name at %d", i)
			}
		}
	})
	t.Run("empty list is []", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "--output=json", "certs", "list", "--search", "no-such-name")
		if strings.TrimSpace(r.stdout) != "[]" {
			t.Fatalf("got %q", r.stdout)
		}
	})
	t.Run("cert get, flags after the id", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "cert", "get", acct.FeaturedCertificateID, "-o", "json")
		var got model.Certificate
		decode(t, r, &got)
		if got.ID != acct.FeaturedCertificateID || got.CommonName != demo.FeaturedDomain || got.Status != model.StatusPending {
			t.Fatalf("got %+v", got)
		}
		// The documented field names are the model's JSON tags.
		var raw map[string]any
		_ = json.Unmarshal([]byte(r.stdout), &raw)
		for _, k := range []string{"provider", "id", "common_name", "dns_names", "status", "vendor_status", "not_after"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("field %q missing from %s", k, r.stdout)
			}
		}
	})
	t.Run("domain status", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "-o", "json", "domain", "status", demo.FeaturedDomain)
		var got model.DomainValidation
		decode(t, r, &got)
		if got.Status != model.ValidationPending || len(got.Challenges) != 1 || got.Challenges[0].Type != model.ChallengeDNSCNAME {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("domains list search", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "domains", "list", "--search", "example", "-o", "json")
		var got []model.DomainValidation
		decode(t, r, &got)
		var names []string
		for _, d := range got {
			names = append(names, d.Domain)
		}
		if strings.Join(names, " ") != "example.com example.net example.org pay.example.org" {
			t.Fatalf("got %v", names)
		}
	})
	t.Run("challenges", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "challenges", acct.FeaturedCertificateID, "-o", "json")
		var got []model.Challenge
		decode(t, r, &got)
		if len(got) != 1 || got[0].RecordName != "_dnsauth."+demo.FeaturedDomain || !strings.HasSuffix(got[0].RecordValue, ".dcv.digicert.com") {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("expiring", func(t *testing.T) {
		r := runApp(t, memEnv(memKey), "expiring", "--within", "30d", "-o", "json")
		var got struct {
			Now            time.Time                `json:"now"`
			Within         string                   `json:"within"`
			Certificates   []model.Certificate      `json:"certificates"`
			Domains        []model.DomainValidation `json:"domains"`
			RenewalWindows []renewalEntry           `json:"renewal_windows"`
		}
		decode(t, r, &got)
		if !got.Now.Equal(testNow) || got.Within != "720h0m0s" {
			t.Errorf("now %v within %q", got.Now, got.Within)
		}
		// Each certificate's renewal window: the last third of its lifetime (memca gives
		// no advice), open once its start has passed.
		if len(got.RenewalWindows) != len(got.Certificates) {
			t.Fatalf("%d renewal windows for %d certificates", len(got.RenewalWindows), len(got.Certificates))
		}
		for i, c := range got.Certificates {
			w, ok := model.LifetimeRenewalWindow(&c)
			rw := got.RenewalWindows[i]
			if !ok || rw.ID != c.ID || rw.Window == nil || !rw.Window.Start.Equal(w.Start) || !rw.Window.End.Equal(c.NotAfter) ||
				rw.Open != !testNow.Before(w.Start) || rw.Window.FromCA {
				t.Errorf("renewal window of %s: %+v %+v, want %+v", c.ID, rw, rw.Window, w)
			}
		}
		want := 0
		for _, c := range acct.Certificates {
			if c.ExpiresWithin(testNow, 30*24*time.Hour) {
				want++
			}
		}
		if len(got.Certificates) != want || want == 0 {
			t.Errorf("%d certificates, want %d", len(got.Certificates), want)
		}
		for i := 1; i < len(got.Certificates); i++ {
			if got.Certificates[i].NotAfter.Before(got.Certificates[i-1].NotAfter) {
				t.Errorf("certificates not soonest first at %d", i)
			}
		}
		if len(got.Domains) != 3 {
			t.Errorf("%d domains, want 3", len(got.Domains))
		}
	})
	t.Run("version", func(t *testing.T) {
		r := runApp(t, nil, "version", "-o", "json")
		var got struct {
			Version   string   `json:"version"`
			Go        string   `json:"go"`
			Providers []string `json:"providers"`
		}
		decode(t, r, &got)
		if got.Version == "" || !strings.HasPrefix(got.Go, "go") || !contains(got.Providers, "memca") {
			t.Fatalf("got %+v", got)
		}
	})
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "anyca.json", `{"provider": "memca", "api_key": "`+memKey+`", "retry": {"max_attempts": 2, "min_wait": "10ms"}}`)
	assertFailure(t, runApp(t, nil, "--config", file, "cert", "get", "999"), exitNotFound, "not found")
	assertFailure(t, runApp(t, map[string]string{"ANYCA_CONFIG": file}, "cert", "get", "999"), exitNotFound, "not found")
	// The environment overrides the file, the flags override both.
	env := map[string]string{"ANYCA_API_KEY": memKeyBad}
	assertFailure(t, runApp(t, env, "--config", file, "cert", "get", "999"), exitAuth, "unauthenticated", memKeyBad)
	env = map[string]string{"ANYCA_PROVIDER": "nope"}
	assertFailure(t, runApp(t, env, "--config", file, "cert", "get", "999"), exitUsage, `"nope"`)
	assertFailure(t, runApp(t, env, "--config", file, "cert", "get", "999", "--provider", "memca"), exitNotFound, "not found")
	writeFile(t, dir, "anyca.json", `{"provider": "memca", "api_key": "`+memKey+`", "apikey": "typo"}`)
	if r := runApp(t, nil, "--config", file, "version"); r.code != exitOK {
		t.Errorf("version must not need a config: exit %d", r.code)
	}
	assertFailure(t, runApp(t, nil, "--config", file, "certs", "list"), exitUsage, `unknown field "apikey"`, memKey)
	assertFailure(t, runApp(t, nil, "--config", filepath.Join(dir, "missing.json"), "certs", "list"), exitUsage, "config file")
}

func TestHelp(t *testing.T) {
	r := mustSucceed(t, runApp(t, nil, "--help"))
	for _, want := range []string{"Exit codes:", "3  not found", "4  authentication", "5  rate limited", "2  usage",
		"shell history", "process list", "common_name", "ANYCA_API_KEY", "certs list", "expiring", "sim", "demo"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("top help lacks %q", want)
		}
	}
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		r := runApp(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: anyca "+c.name) || (!c.noOutput && !strings.Contains(r.stdout, "-o, --output format")) {
			t.Errorf("%s --help: exit %d\n%s", c.name, r.code, r.stdout)
		}
		if c.name != "version" && !strings.Contains(r.stdout, "Example") {
			t.Errorf("%s --help has no examples", c.name)
		}
	}
	if r := runApp(t, nil, "help", "cert", "get"); r.code != 0 || !strings.Contains(r.stdout, "Usage: anyca cert get") {
		t.Errorf("help cert get: %d %q", r.code, r.stdout)
	}
}

func TestParseWithin(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour,
		"1.5d": 36 * time.Hour, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute} {
		if got, err := parseWithin(in); err != nil || got != want {
			t.Errorf("parseWithin(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "0d", "-1d", "0", "soon", "30 days"} {
		if _, err := parseWithin(in); err == nil {
			t.Errorf("parseWithin(%q) accepted", in)
		}
	}
}

func TestTXTQuoting(t *testing.T) {
	if got := txtQuote(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("got %s", got)
	}
	long := strings.Repeat("x", 300)
	if got := txtQuote(long); got != `"`+strings.Repeat("x", 255)+`" "`+strings.Repeat("x", 45)+`"` {
		t.Errorf("long value not split: %s", got)
	}
}

func TestProgressOnTerminalOnly(t *testing.T) {
	var errb bytes.Buffer
	a := &app{stdout: &bytes.Buffer{}, stderr: &errb, progress: true, now: func() time.Time { return testNow },
		getenv: func(k string) string { return memEnv(memKey)[k] }}
	if code := a.run(context.Background(), []string{"certs", "list"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "\ranyca: 50 certificates so far") || !strings.HasSuffix(errb.String(), "\r\033[K") {
		t.Errorf("progress output %q", errb.String())
	}
	if isTerminal(&errb) {
		t.Error("a buffer is not a terminal")
	}
}

// TestRun goes through run, the entry point main uses, with injected writers and env.
func TestRun(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errb,
		func(string) string { return "" })
	if code != 0 || !strings.HasPrefix(out.String(), "anyca ") || !strings.Contains(out.String(), "providers: ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
