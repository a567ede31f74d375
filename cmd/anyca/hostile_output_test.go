package main

import (
	"context"
	"encoding/json"
	"iter"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/cmd/anyca/internal/textout"
	"github.com/anyca/anyca/model"
)

// hostileKey is the key of the hostile provider.
const hostileKey = "hostile-output-key-0123456789"

// Values a hostile or broken CA could send: terminal escapes, line breaks, bidi
// overrides, and zone-file lines smuggled into record values.
var (
	hostileCerts = []model.Certificate{
		{ID: "1\n2", CommonName: "evil\x1b[31mred\x1b[0m.test", Product: "tab\tbed", Status: model.StatusIssued,
			VendorStatus: "\u202eissued", DNSNames: []string{"a.test"}, NotAfter: testNow.Add(48 * time.Hour)},
		{ID: "3", CommonName: "clear\x1b[2J\x1b[H.test", Product: "del\x7f c1\u0085 nul\x00", Status: model.StatusIssued},
	}
	hostileChallenges = []model.Challenge{
		{Domain: "a.test", Type: model.ChallengeDNSCNAME, RecordName: "_dcv.a.test",
			RecordValue: "x.dcv.test.\nevil.test. 3600 IN NS ns.evil.test."},
		{Domain: "a.test", Type: model.ChallengeDNSCNAME, RecordName: "_ok.a.test", RecordValue: "ok.dcv.test"},
		{Domain: "a.test", Type: model.ChallengeDNSCNAME, RecordName: "_q.a.test", RecordValue: `x"y.test`},
		{Domain: "a.test", Type: model.ChallengeDNSCNAME, RecordName: "$INCLUDE /etc/passwd", RecordValue: "x.test"},
		{Domain: "b.test", Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.b.test", RecordValue: "tok\r\nb.test. IN A 6.6.6.6"},
		{Domain: "b.test", Type: model.ChallengeDNSTXT, RecordName: "_txt.b.test", RecordValue: `quoted "value" \ ok`},
		{Domain: "b.test", Type: model.ChallengeDNSTXT, RecordName: "bad name.b.test", RecordValue: "v"},
		{Domain: "c.test\n; forged", Type: model.ChallengeHTTPFile, URL: "http://c.test/.well-known/x.txt",
			Content: "line1\n-----END BODY-----\nevil"},
		{Domain: "c.test", Type: model.ChallengeHTTPSFile, URL: "https://c.test/\x1b[31m.txt", Content: "ok"},
		{Domain: "c.test", Type: model.ChallengeHTTPFile, URL: "http://c.test/y.txt", Content: "bell\a"},
		{Domain: "c.test", Type: model.ChallengeHTTPFile, URL: "http://c.test/z.txt", Content: "two\nlines"},
		{Domain: "d.test", Type: model.ChallengeEmail, Emails: []string{"admin@d.test\nevil.test. IN NS x.", "ok@d.test"}},
	}
	hostileDomain = model.DomainValidation{Provider: "hostileca", Domain: "d.test\x1b]0;pwned\a", ID: "7\u2028id",
		Status: model.ValidationPending, VendorStatus: "pending\x1b[5m", Challenges: hostileChallenges[:2]}
)

// hostileCA is a Provider whose every answer carries hostile text.
type hostileCA struct{}

func init() {
	anyca.Register("hostileca", func(context.Context, anyca.Config) (anyca.Provider, error) { return hostileCA{}, nil })
}

func (hostileCA) Name() string { return "hostileca" }
func (hostileCA) Certificate(_ context.Context, id string) (*model.Certificate, error) {
	return nil, &model.Error{Provider: "hostileca", Op: "Certificate", Kind: model.ErrNotFound, HTTPStatus: 404,
		Code: "no\x1b[8m", Message: "certificate " + id + " \x1b]0;title\a gone\nsecond line \u202egnp.exe"}
}
func (hostileCA) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		for _, c := range hostileCerts {
			c.Provider = "hostileca"
			if !yield(&c, nil) {
				return
			}
		}
	}
}
func (hostileCA) DomainValidation(context.Context, string) (*model.DomainValidation, error) {
	d := hostileDomain
	return &d, nil
}
func (hostileCA) Challenges(context.Context, string) ([]model.Challenge, error) {
	return append([]model.Challenge(nil), hostileChallenges...), nil
}

var hostileEnv = map[string]string{"ANYCA_PROVIDER": "hostileca", "ANYCA_API_KEY": hostileKey}

// assertTerminalSafe fails when out holds a character a terminal would act on: any
// control character but the newline, a format character (bidi, zero-width), or a
// line or paragraph separator.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i, r := range out {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp)) {
			t.Errorf("%s: raw %U at byte %d: %q", what, r, i, out)
			return
		}
	}
}

func TestHostileValuesInTables(t *testing.T) {
	r := mustSucceed(t, runApp(t, hostileEnv, "certs", "list"))
	assertTerminalSafe(t, "certs list", r.stdout)
	for _, want := range []string{`1\n2`, `evil\x1b[31mred\x1b[0m.test`, `tab\tbed`, `\u202eissued`, `clear\x1b[2J\x1b[H.test`,
		`del\x7f c1\u0085 nul\x00`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("certs list: want %s shown escaped in\n%s", want, r.stdout)
		}
	}
	if lines := strings.Count(r.stdout, "\n"); lines != 3 {
		t.Errorf("certs list: %d lines, want a header and one per certificate:\n%s", lines, r.stdout)
	}

	r = mustSucceed(t, runApp(t, hostileEnv, "domain", "status", "d.test"))
	assertTerminalSafe(t, "domain status", r.stdout)
	for _, want := range []string{`d.test\x1b]0;pwned\x07`, `7\u2028id`, `pending\x1b[5m`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("domain status: want %s in\n%s", want, r.stdout)
		}
	}
	assertNoForgedRecord(t, "domain status", r.stdout)
}

// assertNoForgedRecord fails when a line of out that is not a comment is anything but
// a record the hostile CA sent intact.
func assertNoForgedRecord(t *testing.T, what, out string) {
	t.Helper()
	allowed := map[string]bool{
		"_ok.a.test. 3600 IN CNAME ok.dcv.test.":            true,
		`_txt.b.test. 3600 IN TXT "quoted \"value\" \\ ok"`: true,
		textout.BodyBegin: true, textout.BodyEnd: true, "two": true, "lines": true,
	}
	inTable := true
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "Challenges:":
			inTable = false
			continue
		case inTable && what == "domain status", line == "", strings.HasPrefix(line, ";"), allowed[line]:
			continue
		}
		t.Errorf("%s: a line that is neither a comment nor an intact record: %q", what, line)
	}
}

func TestHostileValuesInChallenges(t *testing.T) {
	r := mustSucceed(t, runApp(t, hostileEnv, "challenges", "42"))
	out := r.stdout
	assertTerminalSafe(t, "challenges", out)
	assertNoForgedRecord(t, "challenges", out)
	for _, want := range []string{
		"_ok.a.test. 3600 IN CNAME ok.dcv.test.\n",
		`_txt.b.test. 3600 IN TXT "quoted \"value\" \\ ok"` + "\n",
		"; WARNING: the CA's CNAME target for _dcv.a.test. would break a zone file",
		"; WARNING: the CA's CNAME target for _q.a.test. would break",
		`; WARNING: the CA's record name "$INCLUDE /etc/passwd" would break`,
		"; WARNING: the CA's TXT value for _dnsauth.b.test. would break",
		`; WARNING: the CA's record name "bad name.b.test" would break`,
		`; c.test\n; forged  http-file`,
		`; WARNING: the CA's file URL "https://c.test/\\x1b[31m.txt" would break`,
		";   admin@d.test\\nevil.test. IN NS x.\n",
		"; serve this URL: http://c.test/z.txt\n; with exactly this body (between the marker lines, no trailing newline):\n" +
			textout.BodyBegin + "\ntwo\nlines\n" + textout.BodyEnd + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("challenges: want %q in\n%s", want, out)
		}
	}
	if n := strings.Count(out, "; WARNING:"); n != 8 {
		t.Errorf("challenges: %d warnings, want 8 (each hostile value once):\n%s", n, out)
	}
	if n := strings.Count(out, "not printed: see -o json"); n != 8 {
		t.Errorf("challenges: every warning says the value was not printed; %d do", n)
	}

	// -o json keeps every value exact.
	r = runApp(t, hostileEnv, "challenges", "42", "-o", "json")
	var got []model.Challenge
	decode(t, r, &got)
	want := append([]model.Challenge(nil), hostileChallenges...)
	sim.SortChallenges(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("-o json changed values:\ngot  %q\nwant %q", got, want)
	}
	r = runApp(t, hostileEnv, "certs", "list", "-o", "json")
	var certs []model.Certificate
	decode(t, r, &certs)
	if len(certs) != 2 || certs[0].CommonName != hostileCerts[1].CommonName || certs[1].CommonName != hostileCerts[0].CommonName ||
		certs[1].ID != "1\n2" || certs[0].Product != hostileCerts[1].Product {
		t.Errorf("-o json changed values: %q", certs)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Errorf("-o json is not JSON")
	}
}

func TestHostileErrorMessage(t *testing.T) {
	r := runApp(t, hostileEnv, "cert", "get", "x\x1b[2Jy")
	if r.code != exitNotFound {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	assertTerminalSafe(t, "stderr", r.stderr)
	if strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("the error is not one line: %q", r.stderr)
	}
	for _, want := range []string{`no\x1b[8m`, `x\x1b[2Jy`, `\x1b]0;title\x07 gone second line \u202egnp.exe`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr: want %s in %q", want, r.stderr)
		}
	}
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"plain.example.com":       "plain.example.com",
		`back\slash`:              `back\slash`,
		"é ü 日本":                  "é ü 日本",
		"a\nb\rc\td":              `a\nb\rc\td`,
		"\x00\x07\x1b\x7f":        `\x00\x07\x1b\x7f`,
		"c1\u0085\u009b":          `c1\u0085\u009b`,
		"bidi\u202e\u2066\u200f":  `bidi\u202e\u2066\u200f`,
		"zero\u200bwidth\ufeff":   `zero\u200bwidth\ufeff`,
		"sep\u2028\u2029":         `sep\u2028\u2029`,
		"bad\xffutf8\xc3":         `bad\xffutf8\xc3`,
		"nbsp\u00a0stays visible": "nbsp\u00a0stays visible",
	} {
		if got := textout.Display(in); got != want {
			t.Errorf("textout.Display(%q) = %q, want %q", in, got, want)
		}
	}
}
