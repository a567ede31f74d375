package main

import (
	"context"
	"maps"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// TestFakesLookForThemselves: the simulated CAs decide verify with their own lookup of
// the sim's DNS and file host: unpublished is failed with the CA's problem, a wrong value
// is still failed, the right one is valid; for DNS TXT and CNAME (DigiCert) and CNAME and
// file (ZeroSSL).
func TestFakesLookForThemselves(t *testing.T) {
	cas, srv := startSim(t, testNow)
	ctx := context.Background()
	cases := []struct {
		ca     sim.CA
		method model.ChallengeType
		wrong  sim.Wrong
	}{
		{cas[0], model.ChallengeDNSCNAME, sim.WrongCNAME},
		{cas[0], model.ChallengeDNSTXT, sim.WrongTXT},
		{cas[1], model.ChallengeDNSCNAME, sim.WrongCNAME},
		{cas[1], model.ChallengeHTTPFile, sim.WrongRedirect},
		{cas[1], model.ChallengeHTTPSFile, sim.WrongNone}, // no wrong kind for https files
	}
	used := map[string]bool{}
	for _, c := range cases {
		p, err := anyca.New(ctx, c.ca.Config(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		id, _, ok, err := sim.PendingWith(ctx, p, []model.ChallengeType{c.method}, used)
		if err != nil || !ok {
			t.Fatalf("%s: no pending certificate with %s: %v", c.ca.Label, c.method, err)
		}
		used[id] = true
		verify := func(stage string, want model.ValidationStatus) {
			t.Helper()
			chs, err := anyca.Verify(ctx, p, id, c.method)
			if err != nil {
				t.Fatalf("%s %s %s: %v", c.ca.Label, id, stage, err)
			}
			for _, ch := range chs {
				if ch.Type != c.method {
					continue
				}
				if ch.Status != want || want == model.ValidationFailed && ch.Problem == "" {
					t.Errorf("%s %s %s %s: %s %s (problem %q), want %s", c.ca.Label, id, c.method, stage, ch.Domain, ch.Status, ch.Problem, want)
				}
			}
		}
		verify("unpublished", model.ValidationFailed)
		if c.wrong != sim.WrongNone {
			if _, err := sim.Publish(ctx, cas, srv.URL, id, c.wrong); err != nil {
				t.Fatal(err)
			}
			verify("published wrong ("+string(c.wrong)+")", model.ValidationFailed)
		}
		if _, err := sim.Publish(ctx, cas, srv.URL, id, sim.WrongNone); err != nil {
			t.Fatal(err)
		}
		verify("published", model.ValidationValid)
	}
}

// TestChallengesCheck: challenges --check prints each challenge's preflight verdict and
// what was found: missing before publishing, mismatch naming the wrong value, ok after.
func TestChallengesCheck(t *testing.T) {
	cas, srv := startSim(t, testNow)
	// publish runs anyca sim publish for id, check runs challenges --check and returns
	// what it printed; both must exit 0.
	publish := func(env map[string]string, id string, flags ...string) {
		t.Helper()
		mustSucceed(t, runApp(t, env, append([]string{"sim", "publish", id}, flags...)...))
	}
	check := func(env map[string]string, id string, flags ...string) string {
		t.Helper()
		return mustSucceed(t, runApp(t, env, append([]string{"challenges", id, "--check"}, flags...)...)).stdout
	}
	dc := cas[0]
	env := simEnv(dc, srv)
	if out := check(env, dc.FeaturedCert); !strings.Contains(out, "_dnsauth.pay.example.org. 3600 IN CNAME ") ||
		!strings.Contains(out, "; preflight: missing: _dnsauth.pay.example.org does not exist") || !strings.Contains(out, ";   found: nothing") {
		t.Fatalf("before publishing: %q", out)
	}
	publish(env, dc.FeaturedCert, "--wrong", "cname")
	if out := check(env, dc.FeaturedCert); !strings.Contains(out, `; preflight: mismatch: CNAME at _dnsauth.pay.example.org points to "old.dcv.digicert.com", not the expected`) ||
		!strings.Contains(out, ";   found: old.dcv.digicert.com") {
		t.Errorf("wrong target: %q", out)
	}
	publish(env, dc.FeaturedCert, "--wrong", "caa")
	if out := check(env, dc.FeaturedCert); !strings.Contains(out, `; preflight: blocked_by_caa: CAA at pay.example.org (0 issue "letsencrypt.org") does not allow digicert.com`) ||
		!strings.Contains(out, `;   CAA at pay.example.org: 0 issue "letsencrypt.org"`) {
		t.Errorf("CAA: %q", out)
	}
	publish(env, dc.FeaturedCert)
	var got []checkedChallenge
	decode(t, runApp(t, env, "challenges", dc.FeaturedCert, "--check", "-o", "json"), &got)
	if len(got) == 0 {
		t.Fatal("json: no challenge")
	}
	if v := got[0].Preflight; v.Status != "ok" || len(v.Found) != 1 || v.Found[0] != got[0].RecordValue || v.CAA == nil || v.CAA.Status != "ok" {
		t.Errorf("after publishing: %+v", v)
	}

	// A ZeroSSL file with a redirect: the verdict names the Location.
	zs := cas[1]
	zenv := simEnv(zs, srv)
	publish(zenv, zs.FeaturedCert, "--wrong", "redirect")
	if out := check(zenv, zs.FeaturedCert); !strings.Contains(out, "redirects (301) to \"https://pay.example.org/.well-known/pki-validation/") {
		t.Errorf("redirect: %q", out)
	}
	publish(zenv, zs.FeaturedCert)
	if out := check(zenv, zs.FeaturedCert, "--tls-roots", writeRoots(t)); !strings.Contains(out, "; preflight: ok: https://pay.example.org/.well-known/pki-validation/") {
		t.Errorf("https file: %q", out)
	}
	// ZeroSSL's certificates are issued by Sectigo: its CAA identity is sectigo.com (api-notes).
	publish(zenv, zs.FeaturedCert, "--wrong", "caa")
	if out := check(zenv, zs.FeaturedCert); !strings.Contains(out, `does not allow sectigo.com: add 0 issue "sectigo.com" there`) {
		t.Errorf("ZeroSSL CAA: %q", out)
	}
	for _, bad := range [][]string{{"--dns-server", "nope"}, {"--http-host", "127.0.0.1"}, {"--https-host", "x"},
		{"--tls-roots", filepath.Join(t.TempDir(), "missing.pem")}} {
		if r := runApp(t, env, append([]string{"challenges", dc.FeaturedCert, "--check"}, bad...)...); r.code != exitUsage {
			t.Errorf("%v: code %d", bad, r.code)
		}
	}
}

// TestSimPublishCommand: anyca sim publish, end to end against a running anyca sim:
// verify fails before, passes after; errors have their exit codes.
func TestSimPublishCommand(t *testing.T) {
	sim := serve(t, func(string) string { return "" }, "sim", "--listen", "127.0.0.1:0")
	root, out := "http://"+sim.addr, sim.out
	// The DigiCert line and the world's line (the simulator, its DNS server, file hosts).
	env := parseExports(t, out.String())["digicert"]
	for _, vars := range exportLines(out.String()) {
		if vars[envSim] != "" {
			maps.Copy(env, vars)
		}
	}
	if env[envSim] != root || env[envDNSServer] == "" || env[envHTTPHost] == "" || env["ANYCA_BASE_URL"] == "" {
		t.Fatalf("the sim's export lines: %v\n%s", env, out.String())
	}
	id := strings.TrimSpace(between(out.String(), "pending order for pay.example.org: ", "\n"))
	if r := runLive(t, env, "verify", id); r.code != exitDCVFailed {
		t.Fatalf("verify before publishing: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r := runLive(t, env, "sim", "publish", id)
	if r.code != exitOK || !strings.Contains(r.stdout, "_dnsauth.pay.example.org. 300 IN CNAME ") {
		t.Fatalf("sim publish: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := runLive(t, env, "challenges", id, "--check"); !strings.Contains(r.stdout, "; preflight: ok: CNAME _dnsauth.pay.example.org -> ") {
		t.Errorf("check after publishing: %q %q", r.stdout, r.stderr)
	}
	if r := runLive(t, env, "verify", id); r.code != exitOK || !strings.Contains(r.stdout, "valid") {
		t.Errorf("verify after publishing: %d %q %q", r.code, r.stdout, r.stderr)
	}
	for _, c := range []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"sim", "publish", "404404"}, env, exitNotFound, `no simulated CA knows certificate "404404"`},
		{[]string{"sim", "publish", id, "--wrong", "typo"}, env, exitUsage, "--wrong"},
		{[]string{"sim", "publish", id}, map[string]string{}, exitUsage, envSim},
		{[]string{"sim", "publish", id, "--sim", "http://192.0.2.1:8089"}, env, exitUsage, "loopback"},
		{[]string{"sim", "publish"}, env, exitUsage, "certificate ID"},
	} {
		assertFailure(t, runLive(t, c.env, c.args...), c.code, c.want)
	}
	// A closed port: a clear error, not a hang.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	if r := runLive(t, map[string]string{envSim: closed}, "sim", "publish", id); r.code != exitError || !strings.Contains(r.stderr, "is anyca sim running?") {
		t.Errorf("no simulator: %d %q", r.code, r.stderr)
	}
}

// between returns the text of s after start up to end.
func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}

// TestDemoWrongValues: the demo shows each of the four wrong values once, with a
// verdict naming the value actually published.
func TestDemoWrongValues(t *testing.T) {
	r := mustSucceed(t, runLive(t, nil, "demo"))
	part := r.stdout[strings.Index(r.stdout, ". What preflight reports"):]
	for _, want := range []string{
		"A CNAME pointing at an old target (", `preflight: mismatch: CNAME at _`, `points to "old.`,
		"A TXT value with a typo (", "preflight: mismatch: TXT at ", "but not the expected",
		"A file URL that redirects (", "preflight: mismatch: http://", `redirects (301) to "https://`,
		"A CAA record forbidding the CA (", `IN CAA 0 issue "letsencrypt.org"`, `preflight: blocked_by_caa: CAA at `, `(0 issue "letsencrypt.org") does not allow`,
	} {
		if !strings.Contains(part, want) {
			t.Errorf("demo step 9 lacks %q:\n%s", want, part)
		}
	}
	// The TXT verdict names the value published, which differs from the expected one.
	txt := between(part, "A TXT value with a typo", "\n\n")
	published := between(txt, `IN TXT "`, `"`)
	if published == "" || !strings.Contains(txt, `has "`+published+`" but not the expected "`) || strings.Contains(txt, `expected "`+published+`"`) {
		t.Errorf("TXT case: %q", txt)
	}
}

// writeRoots writes the fakes' test root to a PEM file for --tls-roots.
func writeRoots(t *testing.T) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "roots.pem", string(fakeca.TestPKI().RootPEM()))
}

// TestEscapeLines: what anyca sim publish prints from the simulator keeps its lines and
// no other control character.
func TestEscapeLines(t *testing.T) {
	got := escapeLines("a\x1b[31m\tb\r\nc\x7f\n")
	if want := "a\\x1b[31m\tb\\x0d\nc\\x7f\n"; got != want {
		t.Errorf("escapeLines = %q, want %q", got, want)
	}
}
