package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Tests of the small stumbles of issue 23 ("Cosmetic, each small"), each run as a user
// runs the command line.

// The help of a command is reached every way a user tries: "help GROUP", "--help" before
// the command, and flags between a group's two words; --version prints the version.
func TestHelpAndCommandForms(t *testing.T) {
	for _, args := range [][]string{{"help", "certs"}, {"help", "certs", "list"}, {"--help", "certs", "list"},
		{"certs", "list", "--help"}, {"-h", "cert", "get"}, {"help", "domain"}} {
		r := runApp(t, nil, args...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "Usage: anyca "+strings.Join(args[len(args)-2:], " ")) &&
			!strings.HasPrefix(r.stdout, "Usage: anyca domain status") && !strings.HasPrefix(r.stdout, "Usage: anyca certs list") {
			t.Errorf("anyca %q: exit %d, stdout starts %.60q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}

	env := memEnv(memKey)
	want := mustSucceed(t, runApp(t, env, "certs", "list", "-o", "json")).stdout
	if got := mustSucceed(t, runApp(t, env, "certs", "-o", "json", "list")).stdout; got != want {
		t.Errorf("certs -o json list printed\n%.200s\nwant\n%.200s", got, want)
	}

	version := mustSucceed(t, runApp(t, nil, "version")).stdout
	if got := mustSucceed(t, runApp(t, nil, "--version")).stdout; got != version || !strings.HasPrefix(got, "anyca ") {
		t.Errorf("--version printed %q, want %q", got, version)
	}
}

// Global flags work after every command that reads the configuration, the exporter too.
func TestGlobalFlagsAfterExporter(t *testing.T) {
	env := map[string]string{"ANYCA_API_KEY": "exporter-flags-key-0123456789", "ANYCA_BASE_URL": "http://127.0.0.1:9/x"}
	r := runApp(t, env, "exporter", "--provider", "nosuchca", "--region", "eu", "--listen", "127.0.0.1:0")
	assertFailure(t, r, exitUsage, `"nosuchca"`, env["ANYCA_API_KEY"])
	if strings.Contains(r.stderr, "flag provided but not defined") {
		t.Errorf("exporter refused a global flag: %q", r.stderr)
	}
}

// --account matches the configured name whatever its case, and every message that lists
// the accounts lists them in the same (sorted) order.
func TestAccountFlagCaseAndOrder(t *testing.T) {
	f := startSimFleet(t, false)
	prod := f.account(t, "prod")
	r := mustSucceed(t, f.run(t, "--account", "PROD", "cert", "get", prod.FeaturedCert, "-o", "json"))
	if !strings.Contains(r.stdout, `"id": "`+prod.FeaturedCert+`"`) {
		t.Errorf("--account PROD: %s", r.stdout)
	}
	unknown := f.run(t, "--account", "nope", "certs", "list")
	assertFailure(t, unknown, exitUsage, "(configured: dv, prod, staging)")
	choose := f.run(t, "cert", "get", prod.FeaturedCert)
	assertFailure(t, choose, exitUsage, "choose one of dv, prod, staging with --account")
}

// A malformed id (one that can never be an id: ids are opaque, so only '/', "..", a
// control character or an over-long id is malformed) is a usage error (exit 2) for every
// command that takes one, on both CAs, and the message has one kind: invalid argument,
// never "not found".
func TestMalformedIDsExitUsage(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		env := simEnv(ca, srv)
		for _, args := range [][]string{{"cert", "get", "a/b"}, {"challenges", "a/b"}, {"verify", "a/b"}, {"download", "a/b"},
			{"cert", "get", "../x"}, {"revoke", "a/b"}, {"cancel", "a/b"}, {"sim", "publish", "a/b"}} {
			r := runLive(t, env, args...)
			assertFailure(t, r, exitUsage, "invalid argument", ca.APIKey)
			if strings.Contains(r.stderr, "not found") {
				t.Errorf("%s: anyca %q: %q names two kinds", ca.Provider, args, r.stderr)
			}
		}
	}
}

// The errors of a single account (ANYCA_* variables, no accounts config) are the
// provider's own: no fleet, no account name the tool made up.
func TestSingleAccountErrorsMentionNoFleet(t *testing.T) {
	env := providerEnv("digicert", "single-account-key-0123456789", "https://ca.example.com:bad")
	for _, args := range [][]string{{"certs", "list"}, {"expiring"}, {"domains", "list"}, {"cert", "get", "1"},
		{"domain", "status", "example.com"}, {"exporter", "--listen", "127.0.0.1:0"}} {
		r := runApp(t, env, args...)
		assertFailure(t, r, exitUsage, "base URL", env["ANYCA_API_KEY"])
		if strings.Contains(r.stderr, "fleet") {
			t.Errorf("anyca %q: %q mentions a fleet", args, r.stderr)
		}
	}
}

// Ctrl-C (the context main cancels with errInterrupted) ends a command with one line,
// "anyca: interrupted", and exit code 130, whatever the command was doing.
func TestInterruptedExit130(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{CommonName: "wait.example.com", Status: model.StatusPending})
	env := providerEnv("zerossl", srv.APIKey, srv.URL)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	a := &app{now: time.Now, sleep: func(ctx context.Context, _ time.Duration) error {
		cancel(errInterrupted) // Ctrl-C during verify --wait's pause
		<-ctx.Done()
		return ctx.Err()
	}}
	var out, errb bytes.Buffer
	a.stdin, a.stdout, a.stderr = strings.NewReader(""), &out, &errb
	a.getenv = func(k string) string { return env[k] }
	code := a.run(ctx, []string{"verify", cert.ID, "--method", "dns-cname", "--wait"})
	stderr := errb.String()
	if code != exitInterrupted || !strings.HasSuffix(stderr, "\nanyca: interrupted\n") ||
		strings.Count(stderr, "interrupted") != 1 || strings.Contains(stderr, "context canceled") {
		t.Errorf("exit %d, stderr %q; want 130 and the last line once", code, stderr)
	}
}

// A key sent to another CA's API is refused in a form the adapter does not know: the
// error hints that the base URL may belong to another CA.
func TestKeyForAnotherCAHints(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	var digicert, zerossl sim.CA
	for _, ca := range cas {
		switch ca.Provider {
		case "digicert":
			digicert = ca
		case "zerossl":
			zerossl = ca
		}
	}
	r := runLive(t, providerEnv("zerossl", zerossl.APIKey, digicert.BaseURL(srv.URL)), "certs", "list")
	assertFailure(t, r, exitAuth, "does the base URL belong to another CA?", zerossl.APIKey)
}

// A base URL without a scheme is refused saying what a base URL looks like, not with
// url.Parse's words.
func TestBaseURLWithoutScheme(t *testing.T) {
	for _, base := range []string{"127.0.0.1:8089/digicert/services/v2", "api.example.com"} {
		r := runApp(t, providerEnv("digicert", "no-scheme-key-0123456789", base), "certs", "list")
		assertFailure(t, r, exitUsage, "has no scheme: want https://HOST[:PORT][/PATH], or http://127.0.0.1:PORT[/PATH]")
		if strings.Contains(r.stderr, "first path segment") {
			t.Errorf("%s: %q", base, r.stderr)
		}
	}
}

// A wait written as a bare number is refused, naming the accepted form.
func TestBareNumberWaitRefused(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "c.json", `{"provider": "digicert", "retry": {"min_wait": 500}}`)
	r := runApp(t, map[string]string{"ANYCA_API_KEY": "bare-number-key-0123456789"}, "--config", file, "certs", "list")
	assertFailure(t, r, exitUsage, `such as "500ms"`)
}

// A literal api_key in a single-account config that group or others may read gets the
// warning the accounts form gives; a private file gets none. The key is never shown.
func TestSingleAccountConfigKeyWarning(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	file := writeFile(t, dir, "c.json", `{"provider": "zerossl", "api_key": "`+srv.APIKey+`", "base_url": "`+srv.URL+`"}`)
	r := mustSucceed(t, runLive(t, nil, "--config", file, "certs", "list"))
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("mode 0600: %q", r.stderr)
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustSucceed(t, runLive(t, nil, "--config", file, "certs", "list"))
	if !strings.Contains(r.stderr, "warning: config file "+file+": api_key is written in the config file") ||
		!strings.Contains(r.stderr, "0644") || strings.Contains(r.stderr, srv.APIKey) {
		t.Errorf("mode 0644: %q", r.stderr)
	}
}

// verify on an order with no domain to check, and sim publish of a certificate with
// nothing to publish, say so instead of printing an empty table or an empty section.
func TestNothingToCheckOrPublish(t *testing.T) {
	// A CA that answers a check with no domain at all.
	env := memEnv(memKey)
	env["ANYCA_PROVIDER"] = "nothingtocheck"
	id := certUnder(t, "example.com")
	r := mustSucceed(t, runApp(t, env, "verify", id))
	if r.stdout != "; nothing to check: the CA lists no domain to validate for "+id+"\n" {
		t.Errorf("verify %s printed %q", id, r.stdout)
	}

	// An issued DigiCert order lists no pending challenge (ZeroSSL keeps listing an
	// issued certificate's validation details).
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		if ca.Provider != "digicert" {
			continue
		}
		env := simEnv(ca, srv)
		var certs []model.Certificate
		decode(t, runLive(t, env, "certs", "list", "--status", "issued", "-o", "json"), &certs)
		if len(certs) == 0 {
			t.Fatalf("%s: no issued certificate", ca.Label)
		}
		r := mustSucceed(t, runLive(t, env, "sim", "publish", certs[0].ID))
		if !strings.HasPrefix(r.stdout, "; nothing to publish: the simulated CA lists no pending DNS or file challenge for "+certs[0].ID) ||
			strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("%s: sim publish of an issued certificate printed %q", ca.Label, r.stdout)
		}
	}
}

// nothingToCheck is the memory CA whose Verify answers no domain: an order with nothing
// left to check.
type nothingToCheck struct{ anyca.Provider }

// Verify answers an empty list, as a CA does for an order with nothing to check.
func (nothingToCheck) Verify(context.Context, string, model.ChallengeType) ([]model.Challenge, error) {
	return []model.Challenge{}, nil
}

func init() {
	anyca.Register("nothingtocheck", func(ctx context.Context, cfg anyca.Config) (anyca.Provider, error) {
		cfg.Provider = "memca"
		p, err := anyca.New(ctx, cfg)
		return nothingToCheck{p}, err
	})
}

// Every help text is wrapped evenly (no prose line over 90 columns, no short line whose
// sentence goes on below it) and lists each flag once, in --flag style: -o shares its
// entry with --output.
func TestHelpTextStyle(t *testing.T) {
	pages := map[string]string{"anyca --help": mustSucceed(t, runApp(t, nil, "--help")).stdout}
	for _, c := range commands {
		args := append(strings.Fields(c.name), "--help")
		pages["anyca "+strings.Join(args, " ")] = mustSucceed(t, runApp(t, nil, args...)).stdout
	}
	for page, text := range pages {
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "Usage:") || strings.HasPrefix(l, " ") {
				continue // the usage line, examples and code
			}
			if len(l) > 90 {
				t.Errorf("%s: line of %d columns: %q", page, len(l), l)
			}
			if next := ""; i+1 < len(lines) {
				next = lines[i+1]
				if l != "" && len(l) < 60 && next != "" && next[0] >= 'a' && next[0] <= 'z' && !strings.HasSuffix(l, ".") && !strings.HasSuffix(l, ":") {
					t.Errorf("%s: ragged wrap: %q / %q", page, l, next)
				}
			}
		}
		_, flags, ok := strings.Cut(text, "\nFlags:\n")
		if !ok {
			continue
		}
		flags, _, _ = strings.Cut(flags, "\n\n")
		seen := map[string]bool{}
		for _, l := range strings.Split(flags, "\n") {
			if !strings.HasPrefix(l, "  -") {
				continue
			}
			name := strings.Fields(l)[0]
			if name == "-o," {
				name = strings.Fields(l)[1]
			}
			if !strings.HasPrefix(name, "--") || seen[name] {
				t.Errorf("%s: flag entry %q (want --flag style, each once)", page, l)
			}
			seen[name] = true
		}
		if seen["--output"] && !strings.Contains("\n"+flags+"\n", "\n  -o, --output format\n") {
			t.Errorf("%s: -o and --output are not one entry:\n%s", page, flags)
		}
	}
}

// The demo separates its sections and items by exactly one blank line: never two in a
// row, none at the start or the end.
func TestDemoHasNoStrayBlankLines(t *testing.T) {
	out := mustSucceed(t, runLive(t, nil, "demo")).stdout
	if strings.Contains(out, "\n\n\n") || strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n\n") {
		for i, block := range strings.Split(out, "\n\n\n") {
			if i > 0 {
				t.Errorf("two blank lines before %.80q", block)
			}
		}
		t.Errorf("the demo's output has stray blank lines")
	}
}
