package main

import (
	"context"
	"crypto/tls"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/miekg/dns"
)

func query(t *testing.T, addr, name string, qtype uint16, network string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return resp
}

// TestSimWorldServesWhatWasPublished: the sim's DNS server answers authoritatively what
// was published (TXT, CNAME for any type, CAA), NXDOMAIN for what was not, the zone's SOA
// and NS, and an empty answer above the zones; the file host serves the exact body by
// Host header, or the redirect, and 404 otherwise.
func TestSimWorldServesWhatWasPublished(t *testing.T) {
	w := startWorld(t, newSimWorld([]string{"example.org", "shop.test"}))
	pub := func(ch model.Challenge, k wrongKind) {
		t.Helper()
		if _, err := w.publish(ch, k); err != nil {
			t.Fatal(err)
		}
	}
	pub(model.Challenge{Domain: "a.example.org", Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.a.example.org", RecordValue: "abcdef"}, wrongNone)
	pub(model.Challenge{Domain: "b.example.org", Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.org", RecordValue: "tok.dcv.example.net"}, wrongCNAME)
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPFile, URL: "http://shop.test/.well-known/pki-validation/f.txt", Content: "v1\nv2"}, wrongCAA)
	pub(model.Challenge{Domain: "www.shop.test", Type: model.ChallengeHTTPFile, URL: "http://www.shop.test/.well-known/pki-validation/g.txt", Content: "g"}, wrongRedirect)

	for _, network := range []string{"udp", "tcp"} {
		r := query(t, w.dnsAddr, "_DNSAUTH.a.example.org", dns.TypeTXT, network)
		if !r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "abcdef" {
			t.Errorf("%s TXT: %v", network, r)
		}
	}
	if r := query(t, w.dnsAddr, "_x.b.example.org", dns.TypeA, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CNAME).Target != "old.dcv.example.net." {
		t.Errorf("a CNAME is not the answer to an A query at its name, or not the wrong target published: %v", r)
	}
	if r := query(t, w.dnsAddr, "shop.test", dns.TypeCAA, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CAA).Value != forbiddingIssuer {
		t.Errorf("CAA: %v", r)
	}
	if r := query(t, w.dnsAddr, "nothing.example.org", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("unpublished name: %v", r)
	}
	if r := query(t, w.dnsAddr, "a.example.org", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("empty non-terminal above a published record: %v", r)
	}
	if r := query(t, w.dnsAddr, "example.org", dns.TypeNS, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.NS).Ns != "ns.example.org." {
		t.Errorf("apex NS: %v", r)
	}
	if r := query(t, w.dnsAddr, "org", dns.TypeCAA, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("above the zones: %v", r)
	}
	if r := query(t, w.dnsAddr, "example.com", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeNameError {
		t.Errorf("outside the zones: %v", r)
	}
	// Publishing right again replaces the wrong target and removes the forbidding CAA.
	pub(model.Challenge{Domain: "b.example.org", Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.org", RecordValue: "tok.dcv.example.net"}, wrongNone)
	if r := query(t, w.dnsAddr, "_x.b.example.org", dns.TypeCNAME, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CNAME).Target != "tok.dcv.example.net." {
		t.Errorf("republished CNAME: %v", r)
	}
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPFile, URL: "http://shop.test/.well-known/pki-validation/f.txt", Content: "v1\nv2"}, wrongNone)
	if r := query(t, w.dnsAddr, "shop.test", dns.TypeCAA, "udp"); len(r.Answer) != 0 {
		t.Errorf("CAA left after a right publish: %v", r)
	}

	client := &http.Client{Transport: &http.Transport{DialContext: dialFiles(w.fileAddr, w.tlsAddr)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (int, string, string) {
		t.Helper()
		resp, body := fetch(t, client, url)
		return resp.StatusCode, body, resp.Header.Get("Location")
	}
	if code, body, _ := get("http://SHOP.test/.well-known/pki-validation/f.txt"); code != 200 || body != "v1\nv2" {
		t.Errorf("file: %d %q", code, body)
	}
	if code, _, loc := get("http://www.shop.test/.well-known/pki-validation/g.txt"); code != 301 || loc != "https://www.shop.test/.well-known/pki-validation/g.txt" {
		t.Errorf("redirect: %d %q", code, loc)
	}
	if code, _, _ := get("http://www.shop.test/.well-known/pki-validation/f.txt"); code != 404 {
		t.Errorf("the Host header does not select the domain: %d", code)
	}
	// HTTPS: the same files by scheme, with a certificate for the name from the test PKI.
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPSFile, URL: "https://shop.test/.well-known/pki-validation/f.txt", Content: "tls body"}, wrongNone)
	client.Transport = &http.Transport{DialContext: dialFiles(w.fileAddr, w.tlsAddr), TLSClientConfig: &tls.Config{RootCAs: fakeca.TestPKI().RootPool()}}
	if code, body, _ := get("https://shop.test/.well-known/pki-validation/f.txt"); code != 200 || body != "tls body" {
		t.Errorf("https file: %d %q", code, body)
	}
	if code, _, _ := get("https://www.shop.test/.well-known/pki-validation/g.txt"); code != 404 {
		t.Errorf("an http redirect is served over https: %d", code)
	}
	if _, err := client.Get("https://example.com/"); err == nil {
		t.Error("the https file host has a certificate for a name outside the zones")
	}
	if _, err := w.publish(model.Challenge{Type: model.ChallengeDNSTXT, RecordName: "_x.example.com", RecordValue: "v"}, wrongNone); err == nil {
		t.Error("a record outside the simulated zones was published")
	}
}

// TestFakesLookForThemselves: the simulated CAs decide verify with their own lookup of
// the sim's DNS and file host: unpublished is failed with the CA's problem, a wrong value
// is still failed, the right one is valid; for DNS TXT and CNAME (DigiCert) and CNAME and
// file (ZeroSSL).
func TestFakesLookForThemselves(t *testing.T) {
	cas, srv := startSim(t, testNow)
	ctx := context.Background()
	cases := []struct {
		ca     simCA
		method model.ChallengeType
		wrong  wrongKind
	}{
		{cas[0], model.ChallengeDNSCNAME, wrongCNAME},
		{cas[0], model.ChallengeDNSTXT, wrongTXT},
		{cas[1], model.ChallengeDNSCNAME, wrongCNAME},
		{cas[1], model.ChallengeHTTPFile, wrongRedirect},
		{cas[1], model.ChallengeHTTPSFile, wrongNone}, // no wrong kind for https files
	}
	used := map[string]bool{}
	for _, c := range cases {
		p, err := anyca.New(ctx, c.ca.config(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		id, _, ok, err := pendingWith(ctx, p, []model.ChallengeType{c.method}, used)
		if err != nil || !ok {
			t.Fatalf("%s: no pending certificate with %s: %v", c.ca.label, c.method, err)
		}
		used[id] = true
		verify := func(stage string, want model.ValidationStatus) {
			t.Helper()
			chs, err := anyca.Verify(ctx, p, id, c.method)
			if err != nil {
				t.Fatalf("%s %s %s: %v", c.ca.label, id, stage, err)
			}
			for _, ch := range chs {
				if ch.Type != c.method {
					continue
				}
				if ch.Status != want || want == model.ValidationFailed && ch.Problem == "" {
					t.Errorf("%s %s %s %s: %s %s (problem %q), want %s", c.ca.label, id, c.method, stage, ch.Domain, ch.Status, ch.Problem, want)
				}
			}
		}
		verify("unpublished", model.ValidationFailed)
		if c.wrong != wrongNone {
			if _, err := publishCertificate(ctx, cas, srv.URL, id, c.wrong); err != nil {
				t.Fatal(err)
			}
			verify("published wrong ("+string(c.wrong)+")", model.ValidationFailed)
		}
		if _, err := publishCertificate(ctx, cas, srv.URL, id, wrongNone); err != nil {
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
	if out := check(env, dc.featuredCert); !strings.Contains(out, "_dnsauth.pay.example.org. 3600 IN CNAME ") ||
		!strings.Contains(out, "; preflight: missing: _dnsauth.pay.example.org does not exist") || !strings.Contains(out, ";   found: nothing") {
		t.Fatalf("before publishing: %q", out)
	}
	publish(env, dc.featuredCert, "--wrong", "cname")
	if out := check(env, dc.featuredCert); !strings.Contains(out, `; preflight: mismatch: CNAME at _dnsauth.pay.example.org points to "old.dcv.digicert.com", not the expected`) ||
		!strings.Contains(out, ";   found: old.dcv.digicert.com") {
		t.Errorf("wrong target: %q", out)
	}
	publish(env, dc.featuredCert, "--wrong", "caa")
	if out := check(env, dc.featuredCert); !strings.Contains(out, `; preflight: blocked_by_caa: CAA at pay.example.org (0 issue "letsencrypt.org") does not allow digicert.com`) ||
		!strings.Contains(out, `;   CAA at pay.example.org: 0 issue "letsencrypt.org"`) {
		t.Errorf("CAA: %q", out)
	}
	publish(env, dc.featuredCert)
	var got []checkedChallenge
	decode(t, runApp(t, env, "challenges", dc.featuredCert, "--check", "-o", "json"), &got)
	if len(got) == 0 {
		t.Fatal("json: no challenge")
	}
	if v := got[0].Preflight; v.Status != "ok" || len(v.Found) != 1 || v.Found[0] != got[0].RecordValue || v.CAA == nil || v.CAA.Status != "ok" {
		t.Errorf("after publishing: %+v", v)
	}

	// A ZeroSSL file with a redirect: the verdict names the Location.
	zs := cas[1]
	zenv := simEnv(zs, srv)
	publish(zenv, zs.featuredCert, "--wrong", "redirect")
	if out := check(zenv, zs.featuredCert); !strings.Contains(out, "redirects (301) to \"https://pay.example.org/.well-known/pki-validation/") {
		t.Errorf("redirect: %q", out)
	}
	publish(zenv, zs.featuredCert)
	if out := check(zenv, zs.featuredCert, "--tls-roots", writeRoots(t)); !strings.Contains(out, "; preflight: ok: https://pay.example.org/.well-known/pki-validation/") {
		t.Errorf("https file: %q", out)
	}
	// ZeroSSL's certificates are issued by Sectigo: its CAA identity is sectigo.com (api-notes).
	publish(zenv, zs.featuredCert, "--wrong", "caa")
	if out := check(zenv, zs.featuredCert); !strings.Contains(out, `does not allow sectigo.com: add 0 issue "sectigo.com" there`) {
		t.Errorf("ZeroSSL CAA: %q", out)
	}
	for _, bad := range [][]string{{"--dns-server", "nope"}, {"--http-host", "127.0.0.1"}, {"--https-host", "x"},
		{"--tls-roots", filepath.Join(t.TempDir(), "missing.pem")}} {
		if r := runApp(t, env, append([]string{"challenges", dc.featuredCert, "--check"}, bad...)...); r.code != exitUsage {
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
	part := r.stdout[strings.Index(r.stdout, "8. What preflight reports"):]
	for _, want := range []string{
		"A CNAME pointing at an old target (", `preflight: mismatch: CNAME at _`, `points to "old.`,
		"A TXT value with a typo (", "preflight: mismatch: TXT at ", "but not the expected",
		"A file URL that redirects (", "preflight: mismatch: http://", `redirects (301) to "https://`,
		"A CAA record forbidding the CA (", `IN CAA 0 issue "letsencrypt.org"`, `preflight: blocked_by_caa: CAA at `, `(0 issue "letsencrypt.org") does not allow`,
	} {
		if !strings.Contains(part, want) {
			t.Errorf("demo step 8 lacks %q:\n%s", want, part)
		}
	}
	// The TXT verdict names the value published, which differs from the expected one.
	txt := between(part, "A TXT value with a typo", "\n\n")
	published := between(txt, `IN TXT "`, `"`)
	if published == "" || !strings.Contains(txt, `has "`+published+`" but not the expected "`) || strings.Contains(txt, `expected "`+published+`"`) {
		t.Errorf("TXT case: %q", txt)
	}
}

// TestDigiCertFileLookedAt: a DigiCert http-token order is approved only when the sim's
// file host serves fileauth.txt with exactly the random value at the order's own name
// (api-notes: http://<fqdn>/.well-known/pki-validation/fileauth.txt); a redirect does not.
// The DigiCert TXT record is on the domain itself, not under _dnsauth (api-notes).
func TestDigiCertFileLookedAt(t *testing.T) {
	ctx := context.Background()
	w := startWorld(t, newSimWorld([]string{"shop.test"}))
	srv := digicerttest.NewServer(digicerttest.WithPublished(w.published))
	defer srv.Close()
	order := srv.AddCertificate(model.Certificate{CommonName: "www.shop.test", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(order.ID, []model.Challenge{{Domain: "www.shop.test", Type: model.ChallengeHTTPFile, Token: "rv-file-1", Status: model.ValidationPending}})
	txtOrder := srv.AddCertificate(model.Certificate{CommonName: "shop.test", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(txtOrder.ID, []model.Challenge{{Domain: "shop.test", Type: model.ChallengeDNSTXT, Token: "rv-txt-1", Status: model.ValidationPending}})
	p, err := anyca.New(ctx, anyca.Config{Provider: "digicert", APIKey: srv.APIKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	chs, err := p.Challenges(ctx, order.ID)
	if err != nil || len(chs) != 1 || chs[0].URL != "http://www.shop.test/.well-known/pki-validation/fileauth.txt" {
		t.Fatalf("challenges: %v %+v", err, chs)
	}
	status := func(id string, m model.ChallengeType) (model.ValidationStatus, string) {
		t.Helper()
		got, err := anyca.Verify(ctx, p, id, m)
		if err != nil || len(got) == 0 {
			t.Fatalf("verify: %v %+v", err, got)
		}
		return got[0].Status, got[0].Problem
	}
	if st, problem := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationFailed || !strings.Contains(problem, "file_random_value_not_found") {
		t.Errorf("unpublished file: %s %q", st, problem)
	}
	if _, err := w.publish(chs[0], wrongRedirect); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationFailed {
		t.Errorf("redirecting file: %s", st)
	}
	if _, err := w.publish(chs[0], wrongNone); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationValid {
		t.Errorf("published file: %s", st)
	}

	txt, err := p.Challenges(ctx, txtOrder.ID)
	if err != nil || len(txt) != 1 || txt[0].RecordName != "shop.test" {
		t.Fatalf("TXT challenge: %v %+v", err, txt)
	}
	lines, err := w.publish(txt[0], wrongNone)
	if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "shop.test. 300 IN TXT ") {
		t.Fatalf("published TXT: %v %q", err, lines)
	}
	if st, _ := status(txtOrder.ID, model.ChallengeDNSTXT); st != model.ValidationValid {
		t.Errorf("published TXT on the domain itself: %s", st)
	}
}

// writeRoots writes the fakes' test root to a PEM file for --tls-roots.
func writeRoots(t *testing.T) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "roots.pem", string(fakeca.TestPKI().RootPEM()))
}

// TestSimDNSOddQueries: a query without exactly one question is FORMERR, a notify is
// FORMERR, and nothing panics.
func TestSimDNSOddQueries(t *testing.T) {
	w := startWorld(t, newSimWorld([]string{"example.org"}))
	c := &dns.Client{Timeout: 2 * time.Second}
	empty := new(dns.Msg)
	empty.Id = dns.Id()
	two := new(dns.Msg)
	two.SetQuestion("a.example.org.", dns.TypeTXT)
	two.Question = append(two.Question, dns.Question{Name: "b.example.org.", Qtype: dns.TypeTXT, Qclass: dns.ClassINET})
	notify := new(dns.Msg)
	notify.SetNotify("example.org.")
	for name, m := range map[string]*dns.Msg{"no question": empty, "two questions": two, "notify": notify} {
		resp, _, err := c.Exchange(m, w.dnsAddr)
		if err != nil || resp.Rcode != dns.RcodeFormatError {
			t.Errorf("%s: %v %v", name, resp, err)
		}
	}
	if r := query(t, w.dnsAddr, "example.org", dns.TypeSOA, "udp"); len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("SOA after odd queries: %v", r)
	}
}

// TestEscapeLines: what anyca sim publish prints from the simulator keeps its lines and
// no other control character.
func TestEscapeLines(t *testing.T) {
	got := escapeLines("a\x1b[31m\tb\r\nc\x7f\n")
	if want := "a\\x1b[31m\tb\\x0d\nc\\x7f\n"; got != want {
		t.Errorf("escapeLines = %q, want %q", got, want)
	}
}
