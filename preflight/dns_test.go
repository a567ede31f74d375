package preflight

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
)

func txtChallenge(name, value string) model.Challenge {
	return model.Challenge{Domain: "example.test", Type: model.ChallengeDNSTXT, RecordName: name, RecordValue: value}
}

func cnameChallenge(name, target string) model.Challenge {
	return model.Challenge{Domain: "example.test", Type: model.ChallengeDNSCNAME, RecordName: name, RecordValue: target}
}

// assertPrintable fails when a Message carries a control character.
func assertPrintable(t *testing.T, msg string) {
	t.Helper()
	for _, r := range msg {
		if unicode.IsControl(r) || r == '\u202e' {
			t.Fatalf("message carries control character %U: %q", r, msg)
		}
	}
}

func TestTXTFoundAmongSeveralRecords(t *testing.T) {
	w := newWorld(t)
	w.parent.add(
		`example.test. 300 IN TXT "v=spf1 -all"`,
		`example.test. 300 IN TXT "google-site-verification=abc"`,
		`example.test. 300 IN TXT "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"`,
	)
	res := Check(context.Background(), txtChallenge("Example.Test.", "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "example.test", res.Name)
	assert.ElementsMatch(t, []string{"v=spf1 -all", "google-site-verification=abc", "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"}, res.Found)
	assert.Contains(t, res.Message, "3 TXT records")
	assert.Equal(t, 1, count(w.parent, "example.test.", dns.TypeTXT), "the record comes from the authoritative server")
	assert.Zero(t, count(w.resolver, "example.test.", dns.TypeTXT), "the resolver is never asked for the record")
}

// dnsCase is one DNS check against a fresh world: the records each of its servers
// holds (zone-file syntax), the challenge, and what the Result must say.
type dnsCase struct {
	name                    string
	resolver, parent, child []string
	prepare                 func(w *world) // breaks a server, when set
	ch                      model.Challenge
	status                  Status
	reason                  Reason
	found                   []string // exactly, in order
	message, notes          []string // in Message; among Notes
}

// checkDNS runs c and checks its Result: the verdict, what was found, the message and
// notes, an Err exactly when the status is an error, and a printable message.
func checkDNS(t *testing.T, c dnsCase) {
	t.Helper()
	w := newWorld(t)
	w.resolver.add(c.resolver...)
	w.parent.add(c.parent...)
	w.child.add(c.child...)
	if c.prepare != nil {
		c.prepare(w)
	}
	res := Check(context.Background(), c.ch, w.opts())
	assert.Equal(t, c.status, res.Status, res.Message)
	assert.Equal(t, c.reason, res.Reason, res.Message)
	if len(c.found) == 0 {
		assert.Empty(t, res.Found)
	} else {
		assert.Equal(t, c.found, res.Found)
	}
	for _, m := range c.message {
		assert.Contains(t, res.Message, m)
	}
	for _, n := range c.notes {
		assert.Contains(t, res.Notes, n)
	}
	assert.Equal(t, c.status == StatusError, res.Err != nil, "Err is set exactly when the status is an error: %v", res.Err)
	assertPrintable(t, res.Message)
}

func TestDNSRecords(t *testing.T) {
	for _, c := range []dnsCase{
		{name: "TXT typo names the value found",
			parent: []string{`_dnsauth.example.test. 300 IN TXT "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"`},
			ch:     txtChallenge("_dnsauth.example.test", "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"),
			status: StatusMismatch, reason: ReasonWrongValue, found: []string{"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"},
			message: []string{`"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"`, `"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"`}},
		{name: "TXT strings of one record are joined",
			parent: []string{`_dnsauth.example.test. 300 IN TXT "first-half-" "second-half"`},
			ch:     txtChallenge("_dnsauth.example.test", "first-half-second-half"),
			status: StatusOK, found: []string{"first-half-second-half"}},
		{name: "TXT value with surrounding space is named",
			parent: []string{`_dnsauth.example.test. 300 IN TXT " token123 "`},
			ch:     txtChallenge("_dnsauth.example.test", "token123"),
			status: StatusMismatch, reason: ReasonWhitespace, found: []string{" token123 "}, message: []string{"whitespace"}},
		{name: "a stale resolver cannot make the check pass",
			resolver: []string{`_dnsauth.example.test. 300 IN TXT "wanted-value"`}, // cached, since removed
			parent:   []string{`_dnsauth.example.test. 300 IN TXT "other-value"`},
			ch:       txtChallenge("_dnsauth.example.test", "wanted-value"),
			status:   StatusMismatch, reason: ReasonWrongValue, found: []string{"other-value"}},
		{name: "a stale resolver cannot make the check fail",
			resolver: []string{`_dnsauth.example.test. 300 IN TXT "old-value"`},
			parent:   []string{`_dnsauth.example.test. 300 IN TXT "new-value"`},
			ch:       txtChallenge("_dnsauth.example.test", "new-value"),
			status:   StatusOK, found: []string{"new-value"}},
		{name: "NXDOMAIN",
			ch:     txtChallenge("_dnsauth.nowhere.example.test", "v"),
			status: StatusMissing, reason: ReasonNXDOMAIN, message: []string{"_dnsauth.nowhere.example.test does not exist"}},
		{name: "no data",
			parent: []string{"www.example.test. 300 IN A 192.0.2.1"},
			ch:     txtChallenge("www.example.test", "v"),
			status: StatusMissing, reason: ReasonNoData, message: []string{"has no TXT record"}},
		{name: "SERVFAIL",
			prepare: func(w *world) { w.parent.setServFail("_dnsauth.example.test.") },
			ch:      txtChallenge("_dnsauth.example.test", "v"),
			status:  StatusError, reason: ReasonServFail, message: []string{"SERVFAIL"}},
		{name: "TXT through a CNAME chain across zones",
			// _dnsauth.example.test delegates the record to a name in the child zone, which
			// chains once more inside the child zone.
			parent: []string{"_dnsauth.example.test. 300 IN CNAME dcv.child.example.test."},
			child: []string{"dcv.child.example.test. 300 IN CNAME final.child.example.test.",
				`final.child.example.test. 300 IN TXT "tok"`},
			ch:     txtChallenge("_dnsauth.example.test", "tok"),
			status: StatusOK, found: []string{"tok"},
			message: []string{"via CNAME to final.child.example.test"},
			notes:   []string{"followed CNAME chain _dnsauth.example.test -> dcv.child.example.test -> final.child.example.test"}},
		{name: "TXT beside a CNAME is flagged",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME elsewhere.example.test.", `_dnsauth.example.test. 300 IN TXT "tok"`},
			ch:     txtChallenge("_dnsauth.example.test", "tok"),
			status: StatusMismatch, reason: ReasonCNAMEConflict, found: []string{"tok"}},
		{name: "CNAME matches ignoring case and dot",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME AbC123.DCV.DigiCert.test."},
			ch:     cnameChallenge("_dnsauth.example.test", "abc123.dcv.digicert.test"),
			status: StatusOK, found: []string{"AbC123.DCV.DigiCert.test"}},
		{name: "CNAME to the wrong target names the target",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME old-token.dcv.digicert.test."},
			ch:     cnameChallenge("_dnsauth.example.test", "new-token.dcv.digicert.test."),
			status: StatusMismatch, reason: ReasonWrongValue, found: []string{"old-token.dcv.digicert.test"},
			message: []string{`points to "old-token.dcv.digicert.test", not the expected "new-token.dcv.digicert.test"`}},
		{name: "CNAME chain reaching the target",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME hop.child.example.test."},
			child:  []string{"hop.child.example.test. 300 IN CNAME want.comodoca.test."},
			ch:     cnameChallenge("_dnsauth.example.test", "WANT.comodoca.test"),
			status: StatusOK, found: []string{"hop.child.example.test", "want.comodoca.test"},
			notes: []string{"followed CNAME chain _dnsauth.example.test -> hop.child.example.test -> want.comodoca.test"}},
		{name: "CNAME chain missing the target",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME hop.child.example.test."},
			child:  []string{"hop.child.example.test. 300 IN CNAME old.comodoca.test."},
			ch:     cnameChallenge("_dnsauth.example.test", "new.comodoca.test"),
			status: StatusMismatch, reason: ReasonWrongValue, found: []string{"hop.child.example.test", "old.comodoca.test"},
			message: []string{"_dnsauth.example.test -> hop.child.example.test -> old.comodoca.test"}},
		{name: "CNAME loop",
			parent: []string{"a.example.test. 300 IN CNAME b.example.test.", "b.example.test. 300 IN CNAME a.example.test."},
			ch:     txtChallenge("a.example.test", "v"),
			status: StatusError, reason: ReasonCNAMELoop},
		{name: "CNAME missing",
			ch:     cnameChallenge("_dnsauth.example.test", "x.dcv.digicert.test"),
			status: StatusMissing, reason: ReasonNXDOMAIN},
		{name: "CNAME beside a TXT record is flagged",
			parent: []string{"_dnsauth.example.test. 300 IN CNAME x.dcv.digicert.test.", `_dnsauth.example.test. 300 IN TXT "leftover"`},
			ch:     cnameChallenge("_dnsauth.example.test", "x.dcv.digicert.test"),
			status: StatusMismatch, reason: ReasonCNAMEConflict, found: []string{"x.dcv.digicert.test"},
			message: []string{"coexists with TXT records"}},
		{name: "control characters never reach the message",
			parent: []string{`_dnsauth.example.test. 300 IN TXT "evil\027[2J\010\010\013value\226\128\174"`},
			ch:     txtChallenge("_dnsauth.example.test", "good"),
			status: StatusMismatch, reason: ReasonWrongValue, found: []string{"evil\x1b[2J\n\n\rvalue\u202e"},
			message: []string{`\x1b[2J`}},
	} {
		t.Run(c.name, func(t *testing.T) { checkDNS(t, c) })
	}
}

func TestSlowNameserverTimesOut(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "v"`)
	w.parent.setSlow("_dnsauth.example.test.", 3*time.Second)
	opt := w.opts()
	opt.DNSTimeout = 150 * time.Millisecond
	start := time.Now()
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "v"), opt)
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonTimeout, res.Reason, res.Message)
	assert.Less(t, time.Since(start), 2500*time.Millisecond, "the timeout verdict comes before the slow answer")
}

// bigTXTSet is more TXT data than a 1232-byte UDP answer holds.
func bigTXTSet(name string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, name+` 300 IN TXT "`+strings.Repeat(string(rune('a'+i%26)), 200)+`"`)
	}
	return out
}

func TestTruncatedAnswerIsRetriedOverTCP(t *testing.T) {
	w := newWorld(t)
	w.parent.add(bigTXTSet("example.test.", 12)...)
	w.parent.add(`example.test. 300 IN TXT "the-token"`)
	res := Check(context.Background(), txtChallenge("example.test", "the-token"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Len(t, res.Found, 13)
	assert.Contains(t, strings.Join(res.Notes, "\n"), "truncated; retried over TCP")
}

func TestTruncatedAnswerWithTCPFailing(t *testing.T) {
	w := newWorld(t)
	w.parent.add(bigTXTSet("example.test.", 12)...)
	w.parent.setDropTCP()
	res := Check(context.Background(), txtChallenge("example.test", "the-token"), w.opts())
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonTruncated, res.Reason, res.Message)
}

func TestDelegationIsFollowedToTheChildZone(t *testing.T) {
	w := newWorld(t)
	// The resolver knows only example.test's servers; the parent refers child.example.test.
	w.parent.add(`_dnsauth.child.example.test. 300 IN TXT "parent-should-not-answer"`)
	w.child.add(`_dnsauth.child.example.test. 300 IN TXT "child-token"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.child.example.test", "child-token"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{"child-token"}, res.Found)
	assert.Contains(t, res.Notes, "answered by "+w.child.addr)
	assert.Equal(t, 1, count(w.parent, "_dnsauth.child.example.test.", dns.TypeTXT), "the parent was asked and referred")
}

func TestDelegationUsesGlueOnTheNameserverPort(t *testing.T) {
	w := newWorld(t)
	w.child.add(`_dnsauth.child.example.test. 300 IN TXT "child-token"`)
	opt := w.opts()
	delete(opt.NameserverAddrs, "ns.child.example.test") // only the referral's glue (127.0.0.1) is left
	opt.NameserverPort = w.child.port()
	opt.NameserverAddrs["ns1.example.test"] = []string{w.parent.addr}
	res := Check(context.Background(), txtChallenge("_dnsauth.child.example.test", "child-token"), opt)
	assert.Equal(t, StatusOK, res.Status, res.Message)
}

func TestNameserverAddressFromTheResolver(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "tok"`)
	opt := w.opts()
	opt.NameserverAddrs = nil // ns1.example.test's A record comes from the resolver
	opt.NameserverPort = w.parent.port()
	opt.AllowNonPublic = true // that record is 127.0.0.1
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "tok"), opt)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, 1, count(w.resolver, "ns1.example.test.", dns.TypeA))
}

func TestFixedNameserversSkipTheWalk(t *testing.T) {
	w := newWorld(t)
	w.child.add(`_dnsauth.child.example.test. 300 IN TXT "tok"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.child.example.test", "tok"), Options{Nameservers: []string{w.child.addr}})
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Empty(t, w.resolver.asked())
}

func TestCancelledContext(t *testing.T) {
	w := newWorld(t)
	w.parent.setSlow("_dnsauth.example.test.", 5*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	res := Check(ctx, txtChallenge("_dnsauth.example.test", "v"), w.opts())
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonCanceled, res.Reason)
	assert.True(t, errors.Is(res.Err, context.Canceled), "%v", res.Err)
	assert.Less(t, time.Since(start), 1500*time.Millisecond, "cancellation does not wait for the DNS timeout")
}

func TestInvalidChallenges(t *testing.T) {
	w := newWorld(t)
	for _, ch := range []model.Challenge{
		{},
		{Type: model.ChallengeDNSTXT},
		{Type: model.ChallengeDNSTXT, RecordName: "a..b", RecordValue: "v"},
		{Type: model.ChallengeDNSTXT, RecordName: "example.test"},
		{Type: model.ChallengeDNSCNAME, RecordName: "bad name\n.test", RecordValue: "v"},
		{Type: model.ChallengeHTTPFile, URL: "ftp://example.test/x", Content: "c"},
		{Type: model.ChallengeHTTPFile, URL: "http://example.test/\u202etxt.exe", Content: "c"},
		{Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.ex\x1bample.test", RecordValue: "v"},
		{Type: model.ChallengeHTTPFile, URL: "https://example.test/x", Content: "c"},
		{Type: model.ChallengeHTTPSFile, URL: "://", Content: "c"},
		{Type: "carrier-pigeon\x1b"},
	} {
		res := Check(context.Background(), ch, w.opts())
		assert.Equal(t, StatusError, res.Status, "%+v", ch)
		assert.Equal(t, ReasonInvalid, res.Reason, "%+v: %s", ch, res.Message)
		assert.NotEmpty(t, res.Message)
		assertPrintable(t, res.Message)
	}
}

func TestEmailIsNotCheckable(t *testing.T) {
	res := Check(context.Background(), model.Challenge{Domain: "example.test", Type: model.ChallengeEmail, Emails: []string{"admin@example.test"}}, Options{})
	assert.Equal(t, StatusNotCheckable, res.Status)
	assert.Contains(t, res.Message, "admin@example.test")
}

func TestNoResolverIsAClearError(t *testing.T) {
	res := Check(context.Background(), txtChallenge("example.test", "v"), Options{Resolvers: []string{"127.0.0.1:1"}, DNSTimeout: 200 * time.Millisecond})
	require.Equal(t, StatusError, res.Status)
	assert.NotEmpty(t, res.Message)
}

func TestNonAuthoritativeAnswerIsLame(t *testing.T) {
	w := newWorld(t)
	w.resolver.add(`_dnsauth.example.test. 300 IN TXT "v"`)
	// A caching resolver given as if it were authoritative: its answers lack AA.
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "v"), Options{Nameservers: []string{w.resolver.addr}})
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonLame, res.Reason, res.Message)
}

func TestNextNameserverWhenOneIsDown(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "v"`)
	dead := newZoneServer(t, "example.test.")
	dead.setServFail("_dnsauth.example.test.")
	opt := w.opts()
	opt.NameserverAddrs["ns1.example.test"] = []string{dead.addr, w.parent.addr}
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "v"), opt)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, 1, count(dead, "_dnsauth.example.test.", dns.TypeTXT))
}

func TestResolverRefusingIsAnError(t *testing.T) {
	w := newWorld(t)
	opt := w.opts()
	opt.Resolvers = []string{w.child.addr} // authoritative for child.example.test only: refuses the rest
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "v"), opt)
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonRefused, res.Reason, res.Message)
	assert.Contains(t, res.Message, "REFUSED")
}

// TestACMETypesWithoutARecordAreNotCheckable: tls-alpn, and dns-account or dns-persist
// without a record to look for, are not_checkable with a message naming the type, not
// an unknown type.
func TestACMETypesWithoutARecordAreNotCheckable(t *testing.T) {
	for _, typ := range []model.ChallengeType{model.ChallengeTLSALPN, model.ChallengeDNSAccount, model.ChallengeDNSPersist} {
		res := Check(context.Background(), model.Challenge{Domain: "example.test", Type: typ, Token: "tok"}, Options{})
		assert.Equal(t, StatusNotCheckable, res.Status, typ)
		assert.Contains(t, res.Message, string(typ))
		assert.NotContains(t, res.Message, "unknown")
	}
	w := newWorld(t)
	w.parent.add(`_acct.example.test. 300 IN TXT "digest"`)
	ch := model.Challenge{Domain: "example.test", Type: model.ChallengeDNSAccount, RecordName: "_acct.example.test", RecordValue: "digest"}
	res := Check(context.Background(), ch, w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, model.ChallengeDNSAccount, res.Type, "checked as a TXT record, reported as its own type")
}
