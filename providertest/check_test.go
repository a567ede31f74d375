package providertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
)

func sampleCerts() []model.Certificate {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return []model.Certificate{
		{Provider: "p", ID: "1", CommonName: "a.example.com", DNSNames: []string{"a.example.com"}, Status: model.StatusIssued, CreatedAt: t0},
		{Provider: "p", ID: "2", CommonName: "b.example.com", DNSNames: []string{"b.example.com"}, Status: model.StatusPending, CreatedAt: t0},
		{Provider: "p", ID: "3", CommonName: "c.example.com", Status: model.StatusDraft},
	}
}

func TestCheckCertificates(t *testing.T) {
	want := sampleCerts()
	assert.NoError(t, checkCertificates(want, want))
	rev := []model.Certificate{want[2], want[0], want[1]}
	assert.NoError(t, checkCertificates(rev, want), "order does not matter")

	empty := append([]model.Certificate(nil), want...)
	empty[2].DNSNames = []string{}
	assert.NoError(t, checkCertificates(empty, want), "an empty slice equals a nil one")

	tests := []struct {
		name string
		got  []model.Certificate
		msg  string
	}{
		{"duplicate", append(append([]model.Certificate(nil), want...), want[1]), `certificate "2" listed more than once`},
		{"missing", want[:2], `certificate "3" missing`},
		{"unexpected", append(append([]model.Certificate(nil), want...), model.Certificate{ID: "9"}), `unexpected certificate "9"`},
		{"nothing", nil, `certificate "1" missing`},
	}
	for _, tt := range tests {
		err := checkCertificates(tt.got, want)
		if assert.Error(t, err, tt.name) {
			assert.Contains(t, err.Error(), tt.msg, tt.name)
		}
	}

	mutations := map[string]func(*model.Certificate){
		"Status":    func(c *model.Certificate) { c.Status = model.StatusExpired },
		"DNSNames":  func(c *model.Certificate) { c.DNSNames = append(c.DNSNames, "x.example.com") },
		"CreatedAt": func(c *model.Certificate) { c.CreatedAt = c.CreatedAt.In(time.FixedZone("X", 0)) },
		"NotAfter":  func(c *model.Certificate) { c.NotAfter = time.Date(2027, 1, 1, 0, 0, 0, 1, time.UTC) },
		"Provider":  func(c *model.Certificate) { c.Provider = "other" },
	}
	for field, mutate := range mutations {
		got := append([]model.Certificate(nil), want...)
		got[0].DNSNames = append([]string(nil), got[0].DNSNames...)
		mutate(&got[0])
		err := checkCertificates(got, want)
		if assert.Error(t, err, field) {
			assert.Contains(t, err.Error(), `certificate "1" differs: `+field+": got", field)
		}
		err = checkCertificate(&got[0], want[0])
		if assert.Error(t, err, field) {
			assert.Contains(t, err.Error(), field+": got", field)
		}
	}
	assert.Error(t, checkCertificate(nil, want[0]))
	assert.NoError(t, checkCertificate(&want[0], want[0]))
}

func TestCheckDomains(t *testing.T) {
	until := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []model.DomainValidation{
		{Provider: "p", Domain: "example.com", Status: model.ValidationValid,
			Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: until}}},
		{Provider: "p", Domain: "example.org", Status: model.ValidationPending, Challenges: []model.Challenge{
			{Domain: "example.org", Type: model.ChallengeEmail, Emails: []string{"admin@example.org"}},
			{Domain: "example.org", Type: model.ChallengeDNSTXT, RecordName: "_x.example.org", RecordValue: "v"},
		}},
	}
	assert.NoError(t, checkDomains(want, want))
	swapped := []model.DomainValidation{want[1], want[0]}
	swapped[0].Challenges = []model.Challenge{want[1].Challenges[1], want[1].Challenges[0]}
	assert.NoError(t, checkDomains(swapped, want), "challenge order does not matter")
	assert.NoError(t, checkDomain(&swapped[0], want[1]))

	bad := []model.DomainValidation{want[0], want[1]}
	bad[0].Levels = []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid}}
	err := checkDomains(bad, want)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `domain "example.com" differs: Levels`)
	assert.ErrorContains(t, checkDomain(&bad[0], want[0]), "Levels")
	assert.ErrorContains(t, checkDomains([]model.DomainValidation{want[0], want[0], want[1]}, want), "more than once")
	assert.Error(t, checkDomain(nil, want[0]))

	// A listing may leave challenges out, and only challenges.
	bare := []model.DomainValidation{want[0], want[1]}
	bare[1].Challenges = nil
	assert.NoError(t, checkDomains(bare, want), "a listed value without challenges")
	bare[1].Challenges = []model.Challenge{}
	assert.NoError(t, checkDomains(bare, want), "an empty, non-nil challenge list")
	bare[1].Status = model.ValidationValid
	assert.ErrorContains(t, checkDomains(bare, want), `domain "example.org" differs: Status`, "other fields are still compared")
	partial := []model.DomainValidation{want[0], want[1]}
	partial[1].Challenges = want[1].Challenges[:1]
	assert.ErrorContains(t, checkDomains(partial, want), "Challenges", "listed challenges must all be there")
	wrong := []model.DomainValidation{want[0], want[1]}
	wrong[1].Challenges = []model.Challenge{want[1].Challenges[0], want[1].Challenges[1]}
	wrong[1].Challenges[1].RecordValue = "other"
	assert.ErrorContains(t, checkDomains(wrong, want), "Challenges", "listed challenges must equal want's")
	assert.Error(t, checkDomain(&bare[1], want[1]), "DomainValidation itself must carry the challenges")
}

func TestCheckChallenges(t *testing.T) {
	a := model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSTXT, RecordName: "_x.a.example.com", RecordValue: "v"}
	b := model.Challenge{Domain: "a.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@a.example.com"}}
	assert.NoError(t, checkChallenges([]model.Challenge{a, b}, []model.Challenge{b, a}))
	assert.NoError(t, checkChallenges(nil, []model.Challenge{}))
	assert.ErrorContains(t, checkChallenges([]model.Challenge{a}, []model.Challenge{a, b}), "got 1 challenges, want 2")
	b2 := b
	b2.Emails = []string{"root@a.example.com"}
	assert.ErrorContains(t, checkChallenges([]model.Challenge{a, b2}, []model.Challenge{a, b}), "Emails: got")
}

func TestCheckChallengeWellFormed(t *testing.T) {
	all := model.ChallengeTypes()
	good := []model.Challenge{
		{Domain: "a.example.com", Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.a.example.com", RecordValue: "v"},
		{Domain: "*.a.example.com", Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.a.example.com.", RecordValue: "v"},
		{Domain: "a.example.com", Type: model.ChallengeDNSCNAME, RecordName: "_x.a.example.com", RecordValue: "y.ca.example"},
		{Domain: "a.example.com", Type: model.ChallengeHTTPFile, URL: "http://a.example.com/.well-known/x.txt", Content: "c"},
		{Domain: "a.example.com", Type: model.ChallengeHTTPSFile, URL: "https://a.example.com/.well-known/x.txt", Content: "c"},
		{Domain: "a.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@a.example.com"}},
	}
	for _, ch := range good {
		assert.NoError(t, checkChallengeWellFormed(ch, all), "%+v", ch)
	}
	bad := []struct {
		ch    model.Challenge
		types []model.ChallengeType
		msg   string
	}{
		{model.Challenge{Domain: "A.example.com", Type: model.ChallengeEmail, Emails: []string{"x@a"}}, all, "not normalized"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeEmail, Emails: []string{"x@a"}}, []model.ChallengeType{model.ChallengeDNSTXT}, "not among the declared"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSTXT, RecordName: "_x.a.example.com"}, all, "without RecordName or RecordValue"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.com", RecordValue: "v"}, all, "is not at or under"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSCNAME, RecordName: "_xa.example.com", RecordValue: "v"}, all, "is not at or under"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeHTTPFile, URL: "https://a.example.com/x", Content: "c"}, all, "does not start with http://"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeHTTPSFile, URL: "http://a.example.com/x", Content: "c"}, all, "does not start with https://"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeHTTPFile, URL: "http://b.example.com/x", Content: "c"}, all, "does not contain the domain"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeHTTPFile, URL: "http://a.example.com/x"}, all, "without Content"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeEmail}, all, "without Emails"},
		{model.Challenge{Domain: "a.example.com", Type: model.ChallengeEmail, Emails: []string{"admin"}}, all, "not an address"},
		{model.Challenge{Domain: "a.example.com", Type: "carrier-pigeon"}, append(all, "carrier-pigeon"), "unknown challenge type"},
	}
	for _, tt := range bad {
		assert.ErrorContains(t, checkChallengeWellFormed(tt.ch, tt.types), tt.msg, "%+v", tt.ch)
	}
}

func TestCheckKind(t *testing.T) {
	e := &model.Error{Provider: "p", Op: "Certificate", Kind: model.ErrNotFound, HTTPStatus: 404}
	assert.NoError(t, checkKind(e, model.ErrNotFound, "p"))
	assert.NoError(t, checkKind(fmt.Errorf("wrapped: %w", e), model.ErrNotFound, "p"))
	assert.ErrorContains(t, checkKind(nil, model.ErrNotFound, "p"), "got no error")
	assert.ErrorContains(t, checkKind(e, model.ErrUnavailable, "p"), "want kind unavailable")
	assert.ErrorContains(t, checkKind(e, model.ErrNotFound, "q"), `names provider "p", want "q"`)
	assert.ErrorContains(t, checkKind(fmt.Errorf("x: %w", model.ErrNotFound), model.ErrNotFound, "p"), "not a *model.Error")
	// Context errors need not be wrapped in a *model.Error.
	assert.NoError(t, checkKind(fmt.Errorf("x: %w", context.Canceled), context.Canceled, "p"))
	assert.ErrorContains(t, checkKind(&model.Error{Provider: "q", Kind: context.Canceled}, context.Canceled, "p"), "names provider")
}

func TestCheckNoSecret(t *testing.T) {
	const key = "sk_secret_123456"
	assert.NoError(t, checkNoSecret(nil, key))
	assert.NoError(t, checkNoSecret(errors.New("boom"), ""))
	assert.NoError(t, checkNoSecret(&model.Error{Provider: "p", Kind: model.ErrUnauthenticated, Message: "bad key"}, key))
	assert.Error(t, checkNoSecret(errors.New("key "+key+" refused"), key))
	assert.Error(t, checkNoSecret(fmt.Errorf("wrapped: %w", &model.Error{Kind: model.ErrUnauthenticated, Message: "key=" + key}), key))
	assert.Error(t, checkNoSecret(&model.Error{Kind: model.ErrUnavailable, Code: key}, key))
	assert.Error(t, checkNoSecret(&model.Error{Kind: model.ErrUnavailable, Err: errors.New("GET https://x/?access_key=" + key)}, key))
	// A field hidden from every print is still a leak.
	assert.Error(t, checkNoSecret(&model.Error{Kind: model.ErrUnavailable, Op: key}, key))
}

func TestUnknownID(t *testing.T) {
	tests := []struct {
		name string
		ids  []string
		want func(t *testing.T, id string)
	}{
		{"numeric", []string{"1000001", "1000002", "2111112"}, func(t *testing.T, id string) {
			assert.Len(t, id, 7)
			assert.NotEqual(t, '0', rune(id[0]))
			assert.Equal(t, -1, strings.IndexFunc(id, func(r rune) bool { return r < '0' || r > '9' }))
		}},
		{"zerossl", []string{"a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"}, func(t *testing.T, id string) { assert.Len(t, id, 32) }},
		{"memca", []string{"mem-0001", "mem-0002"}, func(t *testing.T, id string) {
			assert.Len(t, id, 8)
			assert.Equal(t, byte('-'), id[3])
		}},
		{"none", nil, func(t *testing.T, id string) { assert.NotEmpty(t, id) }},
		{"leading nine", []string{"9", "1", "2", "3", "4", "5", "6", "7", "8"}, func(t *testing.T, id string) { assert.NotEqual(t, "0", id[:1]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := unknownID(tt.ids)
			assert.NotContains(t, tt.ids, id)
			tt.want(t, id)
		})
	}
}

func TestSearchText(t *testing.T) {
	names := []string{"example.com", "example.org", "pending-txt.example.net", "pending-http.example.net"}
	text := searchText(names)
	n := 0
	for _, name := range names {
		if strings.Contains(name, text) {
			n++
		}
	}
	assert.GreaterOrEqual(t, len(text), 4)
	assert.Positive(t, n)
	assert.Less(t, n, len(names))
	assert.NotEmpty(t, searchText(nil))
	assert.Equal(t, "a.b", searchText([]string{"a.b"}))
}

func TestScenario(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	sc := ScenarioAt(now)
	assert.Equal(t, sc, ScenarioAt(now.Add(13*time.Hour)), "the same all day")
	assert.Equal(t, sc, ScenarioAt(now.In(time.FixedZone("X", -5*3600))), "in any zone")

	cp := cloneScenario(sc)
	assert.Equal(t, sc, cp)
	cp.Certificates[0].DNSNames[0] = "changed.example"
	cp.Domains[0].Levels[0].Level = model.LevelDV
	cp.Challenges["cert-16"][0].Emails[0] = "changed@example"
	assert.Equal(t, ScenarioAt(now), sc, "a clone shares nothing with the original")

	require.Len(t, sc.Certificates, 25)
	assert.Equal(t, 3, (len(sc.Certificates)+9)/10, "PageSize 10 takes three pages")
	ids := map[string]bool{}
	statuses := map[model.CertificateStatus]int{}
	levels := map[model.ValidationLevel]bool{}
	var wildcard, idn, replaces int
	midnight := func(tm time.Time) bool { return tm.Equal(tm.Truncate(24 * time.Hour)) }
	for _, c := range sc.Certificates {
		assert.False(t, ids[c.ID], c.ID)
		ids[c.ID] = true
		assert.Empty(t, c.Provider)
		assert.Empty(t, c.VendorStatus)
		statuses[c.Status]++
		levels[c.Level] = true
		require.NotEmpty(t, c.DNSNames)
		assert.Equal(t, c.CommonName, c.DNSNames[0], "common name first")
		assert.Equal(t, model.NormalizeDomains(c.DNSNames), c.DNSNames, "normalized and deduplicated")
		if strings.HasPrefix(c.CommonName, "*.") {
			wildcard++
		}
		if strings.Contains(c.CommonName, "xn--") {
			idn++
		}
		if c.ReplacesID != "" {
			replaces++
		}
		assert.True(t, c.CreatedAt.Before(now), "%s created in the future", c.ID)
		for _, tm := range []time.Time{c.CreatedAt, c.NotBefore, c.NotAfter} {
			assert.Equal(t, time.UTC, tm.Location())
			assert.Equal(t, tm, tm.Truncate(time.Second))
		}
		assert.True(t, midnight(c.NotBefore) && midnight(c.NotAfter), "%s: dates at midnight", c.ID)
		switch c.Status {
		case model.StatusIssued:
			assert.True(t, c.NotAfter.After(now), "%s issued but past NotAfter", c.ID)
			assert.Len(t, c.SerialNumber, 32)
			assert.Len(t, c.FingerprintSHA1, 40)
		case model.StatusExpired:
			assert.True(t, c.NotAfter.Before(now), "%s expired but NotAfter ahead", c.ID)
		case model.StatusDraft, model.StatusPending, model.StatusCancelled:
			assert.True(t, c.NotAfter.IsZero() && c.SerialNumber == "", "%s not issued", c.ID)
		}
	}
	for _, st := range []model.CertificateStatus{model.StatusDraft, model.StatusPending, model.StatusIssued,
		model.StatusRevoked, model.StatusCancelled, model.StatusExpired} {
		assert.Positive(t, statuses[st], st)
	}
	assert.Len(t, levels, 3)
	assert.Equal(t, 1, wildcard)
	assert.Equal(t, 1, idn)
	assert.Equal(t, 1, replaces)
	for _, c := range sc.Certificates {
		if c.ReplacesID != "" {
			assert.True(t, ids[c.ReplacesID])
		}
	}
	types := map[model.ChallengeType]bool{}
	for id, chs := range sc.Challenges {
		assert.True(t, ids[id], "challenges of unknown certificate %q", id)
		for _, ch := range chs {
			types[ch.Type] = true
			assert.NoError(t, checkChallengeWellFormed(ch, model.ChallengeTypes()))
			assert.True(t, midnight(ch.ExpiresAt))
		}
	}
	// Every type a scenario can seed is used; ACME's own types (tls-alpn, dns-account,
	// dns-persist) are computed by the CA from the account and never seeded.
	acmeOnly := []model.ChallengeType{model.ChallengeTLSALPN, model.ChallengeDNSAccount, model.ChallengeDNSPersist}
	for _, typ := range model.ChallengeTypes() {
		assert.Equal(t, !slices.Contains(acmeOnly, typ), types[typ], "challenge type %s in the scenario", typ)
	}

	require.Len(t, sc.Domains, 8)
	dstatus := map[model.ValidationStatus]int{}
	methods := map[model.ChallengeType]bool{}
	for _, d := range sc.Domains {
		assert.Equal(t, model.MustNormalizeDomain(d.Domain), d.Domain)
		assert.Empty(t, d.ID)
		dstatus[d.Status]++
		for _, l := range d.Levels {
			assert.True(t, midnight(l.ValidUntil), d.Domain)
		}
		if d.Status == model.ValidationPending {
			require.Len(t, d.Challenges, 1, d.Domain)
			assert.Equal(t, d.Method, d.Challenges[0].Type)
			methods[d.Method] = true
			assert.NoError(t, checkChallengeWellFormed(d.Challenges[0], model.ChallengeTypes()))
		}
		if d.Status == model.ValidationValid {
			assert.True(t, d.ValidUntil().After(now), d.Domain)
		}
	}
	assert.Equal(t, map[model.ValidationStatus]int{model.ValidationValid: 2, model.ValidationPending: 4,
		model.ValidationExpired: 1, model.ValidationNotStarted: 1}, dstatus)
	assert.Len(t, methods, 4)
	assert.Len(t, sc.Domains[0].Levels, 2, "ov and ev")
}
