package preflight

import (
	"context"
	"testing"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
)

var digicertIDs = []string{"digicert.com", "www.digicert.com", "geotrust.com", "rapidssl.com", "thawte.com", "symantec.com"}

// checkCAAFor checks a published TXT challenge for domain with identities ids, so that
// the overall verdict is the CAA verdict.
func checkCAAFor(t *testing.T, w *world, domain string, ids []string) Result {
	t.Helper()
	w.parent.add(`_caatest.example.test. 300 IN TXT "tok"`)
	opt := w.opts()
	opt.CAAIdentities = ids
	ch := model.Challenge{Domain: domain, Type: model.ChallengeDNSTXT, RecordName: "_caatest.example.test", RecordValue: "tok"}
	res := Check(context.Background(), ch, opt)
	require.NotNil(t, res.CAA, res.Message)
	assert.Equal(t, StatusOK, res.ChallengeStatus, "the challenge itself is published")
	assertPrintable(t, res.Message)
	return res
}

func TestCAANoneAnywhere(t *testing.T) {
	w := newWorld(t)
	res := checkCAAFor(t, w, "www.example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Empty(t, res.CAA.Domain)
	assert.Contains(t, res.CAA.Message, "no CAA records")
}

func TestCAAOnTheNameAllows(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`www.example.test. 300 IN CAA 0 issue "letsencrypt.org"`, `www.example.test. 300 IN CAA 0 issue "DigiCert.COM; cansignhttpexchanges=yes"`)
	res := checkCAAFor(t, w, "www.example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "www.example.test", res.CAA.Domain)
	assert.Equal(t, "digicert.com", res.CAA.Allowed)
	assert.Len(t, res.CAA.Records, 2)
}

func TestCAAOnAParentForbids(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "letsencrypt.org"`, `example.test. 300 IN CAA 0 iodef "mailto:sec@example.test"`)
	res := checkCAAFor(t, w, "www.example.test", []string{"sectigo.com"})
	assert.Equal(t, StatusBlockedByCAA, res.Status)
	assert.Equal(t, ReasonCAAForbids, res.Reason)
	assert.Equal(t, "example.test", res.CAA.Domain)
	assert.Equal(t, []string{`0 issue "letsencrypt.org"`, `0 iodef "mailto:sec@example.test"`}, res.CAA.Records)
	assert.Contains(t, res.Message, `CAA at example.test (0 issue "letsencrypt.org") does not allow sectigo.com`)
	assert.Contains(t, res.Message, `add 0 issue "sectigo.com"`)
}

func TestCAAOnTheTLDApplies(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`test. 300 IN CAA 0 issue "sectigo.com"`)
	res := checkCAAFor(t, w, "deep.www.example.test", []string{"sectigo.com"})
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "test", res.CAA.Domain)
	assert.Equal(t, 1, count(w.resolver, "example.test.", dns.TypeNS), "the challenge and the CAA climb share the zones found")
}

func TestCAAIssuewildForWildcards(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "digicert.com"`, `example.test. 300 IN CAA 0 issuewild "letsencrypt.org"`)
	res := checkCAAFor(t, w, "*.example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status, res.Message)
	assert.Contains(t, res.Message, `0 issuewild "letsencrypt.org"`)
	assert.Contains(t, res.Message, `add 0 issuewild "digicert.com"`)

	res = checkCAAFor(t, w, "example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, "issuewild does not restrict a name that is not a wildcard")
}

func TestCAAIssueAppliesToWildcardsWithoutIssuewild(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "thawte.com"`)
	res := checkCAAFor(t, w, "*.example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "thawte.com", res.CAA.Allowed)
}

func TestCAAEmptyIssuerForbidsEveryone(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue ";"`)
	res := checkCAAFor(t, w, "example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status)
}

func TestCAAUnknownCriticalPropertyForbids(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "digicert.com"`, `example.test. 300 IN CAA 128 tbs "unknown"`)
	res := checkCAAFor(t, w, "example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status)
	assert.Contains(t, res.Message, `critical property 128 tbs "unknown"`)
}

func TestCAAWithoutIssuePropertyDoesNotRestrict(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 iodef "mailto:sec@example.test"`)
	res := checkCAAFor(t, w, "example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "example.test", res.CAA.Domain)
}

func TestCAAInADelegatedChildZoneComesFirst(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "digicert.com"`)
	w.child.add(`child.example.test. 300 IN CAA 0 issue "letsencrypt.org"`)
	res := checkCAAFor(t, w, "www.child.example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status, res.Message)
	assert.Equal(t, "child.example.test", res.CAA.Domain)
}

func TestCAAFollowsACNAMEAtTheName(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "digicert.com"`, "www.example.test. 300 IN CNAME cdn.child.example.test.")
	w.child.add(`cdn.child.example.test. 300 IN CAA 0 issue "pki.goog"`)
	res := checkCAAFor(t, w, "www.example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status, res.Message)
	assert.Equal(t, "www.example.test", res.CAA.Domain)
	assert.Equal(t, []string{`0 issue "pki.goog"`}, res.CAA.Records)
}

func TestCAALookupFailureIsAnError(t *testing.T) {
	w := newWorld(t)
	w.parent.setServFail("www.example.test.")
	res := checkCAAFor(t, w, "www.example.test", digicertIDs)
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonCAAError, res.Reason)
	assert.Equal(t, StatusError, res.CAA.Status)
	assert.Contains(t, res.Message, "CAA lookup of www.example.test failed")
}

func TestCAABlocksEvenAMissingChallenge(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "letsencrypt.org"`)
	opt := w.opts()
	opt.CAAIdentities = []string{"sectigo.com"}
	res := Check(context.Background(), cnameChallenge("_x.example.test", "a.sectigo.test"), opt)
	assert.Equal(t, StatusBlockedByCAA, res.Status)
	assert.Equal(t, StatusMissing, res.ChallengeStatus)
	assert.Contains(t, res.Message, "(challenge: missing)")
}

func TestCAAControlCharactersAreEscaped(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`example.test. 300 IN CAA 0 issue "evil\027[31m.example"`)
	res := checkCAAFor(t, w, "example.test", digicertIDs)
	assert.Equal(t, StatusBlockedByCAA, res.Status)
	assertPrintable(t, res.Message)
}
