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

func TestTXTTypoNamesTheValueFound(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonWrongValue, res.Reason)
	assert.Equal(t, []string{"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"}, res.Found)
	assert.Contains(t, res.Message, `"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsl"`)
	assert.Contains(t, res.Message, `"s6fdq4x1c8kd9k2yd5ptb9fmv1q4ymsk"`)
}

func TestTXTStringsOfOneRecordAreJoined(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "first-half-" "second-half"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "first-half-second-half"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{"first-half-second-half"}, res.Found)
}

func TestTXTValueWithSurroundingSpaceIsNamed(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT " token123 "`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "token123"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonWhitespace, res.Reason)
	assert.Contains(t, res.Message, "whitespace")
}

func TestStaleResolverCannotMakeTheCheckPass(t *testing.T) {
	w := newWorld(t)
	w.resolver.add(`_dnsauth.example.test. 300 IN TXT "wanted-value"`) // cached, since removed
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "other-value"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "wanted-value"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status, res.Message)
	assert.Equal(t, []string{"other-value"}, res.Found)
}

func TestStaleResolverCannotMakeTheCheckFail(t *testing.T) {
	w := newWorld(t)
	w.resolver.add(`_dnsauth.example.test. 300 IN TXT "old-value"`)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "new-value"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "new-value"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{"new-value"}, res.Found)
}

func TestNXDOMAIN(t *testing.T) {
	w := newWorld(t)
	res := Check(context.Background(), txtChallenge("_dnsauth.nowhere.example.test", "v"), w.opts())
	assert.Equal(t, StatusMissing, res.Status)
	assert.Equal(t, ReasonNXDOMAIN, res.Reason)
	assert.Contains(t, res.Message, "_dnsauth.nowhere.example.test does not exist")
	assert.Empty(t, res.Found)
}

func TestNoData(t *testing.T) {
	w := newWorld(t)
	w.parent.add("www.example.test. 300 IN A 192.0.2.1")
	res := Check(context.Background(), txtChallenge("www.example.test", "v"), w.opts())
	assert.Equal(t, StatusMissing, res.Status)
	assert.Equal(t, ReasonNoData, res.Reason)
	assert.Contains(t, res.Message, "has no TXT record")
}

func TestSERVFAIL(t *testing.T) {
	w := newWorld(t)
	w.parent.setServFail("_dnsauth.example.test.")
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "v"), w.opts())
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonServFail, res.Reason)
	assert.Contains(t, res.Message, "SERVFAIL")
	assert.Error(t, res.Err)
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

func TestTXTThroughACNAMEChainAcrossZones(t *testing.T) {
	w := newWorld(t)
	// _dnsauth.example.test delegates the record to a name in the child zone, which
	// chains once more inside the child zone.
	w.parent.add("_dnsauth.example.test. 300 IN CNAME dcv.child.example.test.")
	w.child.add(
		"dcv.child.example.test. 300 IN CNAME final.child.example.test.",
		`final.child.example.test. 300 IN TXT "tok"`,
	)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "tok"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Contains(t, res.Notes, "followed CNAME chain _dnsauth.example.test -> dcv.child.example.test -> final.child.example.test")
	assert.Contains(t, res.Message, "via CNAME to final.child.example.test")
}

func TestTXTBesideACNAMEIsFlagged(t *testing.T) {
	w := newWorld(t)
	w.parent.add(
		"_dnsauth.example.test. 300 IN CNAME elsewhere.example.test.",
		`_dnsauth.example.test. 300 IN TXT "tok"`,
	)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "tok"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonCNAMEConflict, res.Reason, res.Message)
}

func TestCNAMEMatchesIgnoringCaseAndDot(t *testing.T) {
	w := newWorld(t)
	w.parent.add("_dnsauth.example.test. 300 IN CNAME AbC123.DCV.DigiCert.test.")
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "abc123.dcv.digicert.test"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{"AbC123.DCV.DigiCert.test"}, res.Found)
}

func TestCNAMEWrongTargetNamesTheTarget(t *testing.T) {
	w := newWorld(t)
	w.parent.add("_dnsauth.example.test. 300 IN CNAME old-token.dcv.digicert.test.")
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "new-token.dcv.digicert.test."), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonWrongValue, res.Reason)
	assert.Equal(t, []string{"old-token.dcv.digicert.test"}, res.Found)
	assert.Contains(t, res.Message, `points to "old-token.dcv.digicert.test", not the expected "new-token.dcv.digicert.test"`)
}

func TestCNAMEChainReachingTheTarget(t *testing.T) {
	w := newWorld(t)
	w.parent.add("_dnsauth.example.test. 300 IN CNAME hop.child.example.test.")
	w.child.add("hop.child.example.test. 300 IN CNAME want.comodoca.test.")
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "WANT.comodoca.test"), w.opts())
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{"hop.child.example.test", "want.comodoca.test"}, res.Found)
	assert.Contains(t, res.Notes, "followed CNAME chain _dnsauth.example.test -> hop.child.example.test -> want.comodoca.test")
}

func TestCNAMEChainMissingTheTarget(t *testing.T) {
	w := newWorld(t)
	w.parent.add("_dnsauth.example.test. 300 IN CNAME hop.child.example.test.")
	w.child.add("hop.child.example.test. 300 IN CNAME old.comodoca.test.")
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "new.comodoca.test"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Contains(t, res.Message, "_dnsauth.example.test -> hop.child.example.test -> old.comodoca.test")
}

func TestCNAMELoop(t *testing.T) {
	w := newWorld(t)
	w.parent.add(
		"a.example.test. 300 IN CNAME b.example.test.",
		"b.example.test. 300 IN CNAME a.example.test.",
	)
	res := Check(context.Background(), txtChallenge("a.example.test", "v"), w.opts())
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonCNAMELoop, res.Reason, res.Message)
}

func TestCNAMEMissing(t *testing.T) {
	w := newWorld(t)
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "x.dcv.digicert.test"), w.opts())
	assert.Equal(t, StatusMissing, res.Status)
	assert.Equal(t, ReasonNXDOMAIN, res.Reason)
}

func TestCNAMEBesideATXTRecordIsFlagged(t *testing.T) {
	w := newWorld(t)
	w.parent.add(
		"_dnsauth.example.test. 300 IN CNAME x.dcv.digicert.test.",
		`_dnsauth.example.test. 300 IN TXT "leftover"`,
	)
	res := Check(context.Background(), cnameChallenge("_dnsauth.example.test", "x.dcv.digicert.test"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonCNAMEConflict, res.Reason)
	assert.Contains(t, res.Message, "coexists with TXT records")
}

func TestControlCharactersNeverReachTheMessage(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "evil\027[2J\010\010\013value\226\128\174"`)
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "good"), w.opts())
	assert.Equal(t, StatusMismatch, res.Status)
	assertPrintable(t, res.Message)
	assert.Contains(t, res.Message, `\x1b[2J`)
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
