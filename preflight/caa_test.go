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
	assert.Equal(t, res.Status, res.CAA.Status, "with the challenge published, the verdict is CAA's")
	assertPrintable(t, res.Message)
	return res
}

// caaCase is a CAA check of a published challenge for domain against a fresh world: the
// records of the parent and child zones, and what the Result and its CAA part must say.
type caaCase struct {
	name          string
	parent, child []string
	prepare       func(w *world) // breaks a server, when set
	domain        string
	ids           []string
	status        Status
	reason        Reason
	caaDomain     string   // the name whose CAA set applies
	records       []string // that set, in presentation form
	allowed       string
	message       []string // in Message
}

func TestCAASets(t *testing.T) {
	for _, c := range []caaCase{
		{name: "on the name, allows",
			parent: []string{`www.example.test. 300 IN CAA 0 issue "letsencrypt.org"`, `www.example.test. 300 IN CAA 0 issue "DigiCert.COM; cansignhttpexchanges=yes"`},
			domain: "www.example.test", ids: digicertIDs,
			status: StatusOK, caaDomain: "www.example.test", allowed: "digicert.com",
			records: []string{`0 issue "letsencrypt.org"`, `0 issue "DigiCert.COM; cansignhttpexchanges=yes"`}},
		{name: "on a parent, forbids",
			parent: []string{`example.test. 300 IN CAA 0 issue "letsencrypt.org"`, `example.test. 300 IN CAA 0 iodef "mailto:sec@example.test"`},
			domain: "www.example.test", ids: []string{"sectigo.com"},
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "example.test",
			records: []string{`0 issue "letsencrypt.org"`, `0 iodef "mailto:sec@example.test"`},
			message: []string{`CAA at example.test (0 issue "letsencrypt.org") does not allow sectigo.com`, `add 0 issue "sectigo.com"`}},
		{name: "issuewild restricts a wildcard",
			parent: []string{`example.test. 300 IN CAA 0 issue "digicert.com"`, `example.test. 300 IN CAA 0 issuewild "letsencrypt.org"`},
			domain: "*.example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "example.test",
			records: []string{`0 issue "digicert.com"`, `0 issuewild "letsencrypt.org"`},
			message: []string{`0 issuewild "letsencrypt.org"`, `add 0 issuewild "digicert.com"`}},
		{name: "issuewild does not restrict a name that is not a wildcard",
			parent: []string{`example.test. 300 IN CAA 0 issue "digicert.com"`, `example.test. 300 IN CAA 0 issuewild "letsencrypt.org"`},
			domain: "example.test", ids: digicertIDs,
			status: StatusOK, caaDomain: "example.test", allowed: "digicert.com",
			records: []string{`0 issue "digicert.com"`, `0 issuewild "letsencrypt.org"`}},
		{name: "issue applies to wildcards without issuewild",
			parent: []string{`example.test. 300 IN CAA 0 issue "thawte.com"`},
			domain: "*.example.test", ids: digicertIDs,
			status: StatusOK, caaDomain: "example.test", allowed: "thawte.com", records: []string{`0 issue "thawte.com"`}},
		{name: "an empty issuer forbids everyone",
			parent: []string{`example.test. 300 IN CAA 0 issue ";"`},
			domain: "example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "example.test", records: []string{`0 issue ";"`}},
		{name: "an unknown critical property forbids",
			parent: []string{`example.test. 300 IN CAA 0 issue "digicert.com"`, `example.test. 300 IN CAA 128 tbs "unknown"`},
			domain: "example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "example.test",
			records: []string{`0 issue "digicert.com"`, `128 tbs "unknown"`},
			message: []string{`critical property 128 tbs "unknown"`}},
		{name: "a set without issue property does not restrict",
			parent: []string{`example.test. 300 IN CAA 0 iodef "mailto:sec@example.test"`},
			domain: "example.test", ids: digicertIDs,
			status: StatusOK, caaDomain: "example.test", records: []string{`0 iodef "mailto:sec@example.test"`}},
		{name: "a delegated child zone's set comes first",
			parent: []string{`example.test. 300 IN CAA 0 issue "digicert.com"`},
			child:  []string{`child.example.test. 300 IN CAA 0 issue "letsencrypt.org"`},
			domain: "www.child.example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "child.example.test", records: []string{`0 issue "letsencrypt.org"`}},
		{name: "a CNAME at the name is followed",
			parent: []string{`example.test. 300 IN CAA 0 issue "digicert.com"`, "www.example.test. 300 IN CNAME cdn.child.example.test."},
			child:  []string{`cdn.child.example.test. 300 IN CAA 0 issue "pki.goog"`},
			domain: "www.example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "www.example.test", records: []string{`0 issue "pki.goog"`}},
		{name: "a lookup failure is an error",
			prepare: func(w *world) { w.parent.setServFail("www.example.test.") },
			domain:  "www.example.test", ids: digicertIDs,
			status: StatusError, reason: ReasonCAAError, message: []string{"CAA lookup of www.example.test failed"}},
		{name: "control characters are escaped",
			parent: []string{`example.test. 300 IN CAA 0 issue "evil\027[31m.example"`},
			domain: "example.test", ids: digicertIDs,
			status: StatusBlockedByCAA, reason: ReasonCAAForbids, caaDomain: "example.test", records: []string{`0 issue "evil\x1b[31m.example"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.parent.add(c.parent...)
			w.child.add(c.child...)
			if c.prepare != nil {
				c.prepare(w)
			}
			res := checkCAAFor(t, w, c.domain, c.ids)
			assert.Equal(t, c.status, res.Status, res.Message)
			assert.Equal(t, c.reason, res.Reason, res.Message)
			assert.Equal(t, c.caaDomain, res.CAA.Domain)
			assert.Equal(t, c.records, res.CAA.Records)
			assert.Equal(t, c.allowed, res.CAA.Allowed)
			for _, m := range c.message {
				assert.Contains(t, res.Message, m)
			}
		})
	}
}

func TestCAANoneAnywhere(t *testing.T) {
	w := newWorld(t)
	res := checkCAAFor(t, w, "www.example.test", digicertIDs)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Empty(t, res.CAA.Domain)
	assert.Contains(t, res.CAA.Message, "no CAA records")
}

func TestCAAOnTheTLDApplies(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`test. 300 IN CAA 0 issue "sectigo.com"`)
	res := checkCAAFor(t, w, "deep.www.example.test", []string{"sectigo.com"})
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, "test", res.CAA.Domain)
	assert.Equal(t, 1, count(w.resolver, "example.test.", dns.TypeNS), "the challenge and the CAA climb share the zones found")
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
