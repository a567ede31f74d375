package harnesses

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// ZeroSSL connects the conformance suite to a zerossltest fake. ZeroSSL has no domain
// objects: each scenario domain becomes a certificate (the newest for that name) whose
// state reports the domain's status, and Want is computed from the adapter's documented
// rules.
func ZeroSSL() providertest.Harness {
	return providertest.Harness{
		Name: zerossl.Name,
		Capabilities: providertest.Capabilities{
			DomainLister: true,
			BatchGetter:  false, // no batch endpoint: anyca.CertificatesByID uses concurrent lookups
			Levels:       []model.ValidationLevel{model.LevelDV},
			CertificateStatuses: []model.CertificateStatus{model.StatusDraft, model.StatusPending, model.StatusIssued,
				model.StatusRevoked, model.StatusCancelled, model.StatusExpired},
			Verifier:   true,
			Downloader: true,
			Chaos:      true,
			Orderer:    true, Revoker: true, Canceller: true, OrderMethod: model.ChallengeDNSCNAME,
			ChallengeTypes: []model.ChallengeType{model.ChallengeDNSCNAME, model.ChallengeHTTPFile, model.ChallengeHTTPSFile, model.ChallengeEmail},
		},
		Start: startFake,
	}
}

func startFake(t *testing.T, sc providertest.Scenario) *providertest.Fake {
	t.Helper()
	srv := zerossltest.NewServer()
	t.Cleanup(srv.Close)
	now := time.Now().UTC()

	// Certificates: ids that are not ZeroSSL ids are replaced, consistently everywhere.
	ids := map[string]string{}
	var added []model.Certificate
	for _, c := range sc.Certificates {
		// ZeroSSL lists only its six status words: a certificate in any other state
		// (unknown, or a vendor word such as "deleted") could be read but never listed.
		c.VendorStatus = ""
		if c.Status == model.StatusUnknown || !c.Status.Valid() {
			c.Status = model.StatusDraft
		}
		orig := c.ID
		if !looksLikeID(c.ID) {
			c.ID = ""
		}
		got := srv.AddCertificate(c)
		if orig != "" {
			ids[orig] = got.ID
		}
		added = append(added, got)
	}
	remap := func(id string) string {
		if n, ok := ids[id]; ok {
			return n
		}
		return id
	}
	for i := range added {
		if r := remap(added[i].ReplacesID); r != added[i].ReplacesID {
			added[i].ReplacesID = r
			added[i] = srv.Replace(added[i])
		}
	}
	for id, chs := range sc.Challenges {
		id = remap(id)
		canon := canonicalChallenges(chs)
		srv.SetValidation(id, zerossltest.Validation{Method: methodOf(canon), Challenges: canon})
	}

	// Domains: one certificate each, newer than every other, in the state to report.
	latest := time.Time{}
	for _, c := range added {
		if c.CreatedAt.After(latest) {
			latest = c.CreatedAt
		}
	}
	for i, d := range sc.Domains {
		name, err := model.NormalizeDomain(d.Domain)
		if err != nil {
			continue
		}
		c := model.Certificate{CommonName: name, CreatedAt: latest.Add(time.Duration(i+1) * time.Minute)}
		if c.CreatedAt.After(now) {
			c.CreatedAt = now.Add(-time.Duration(len(sc.Domains)-i) * time.Second)
		}
		switch d.Status {
		case model.ValidationValid:
			c.Status, c.NotAfter = model.StatusIssued, d.ValidUntil()
			if !c.NotAfter.After(now) {
				c.NotAfter = now.Add(90 * 24 * time.Hour)
			}
		case model.ValidationExpired:
			c.Status, c.NotAfter = model.StatusExpired, now.Add(-24*time.Hour)
			for _, l := range d.Levels {
				if !l.ValidUntil.IsZero() && l.ValidUntil.Before(now) {
					c.NotAfter = l.ValidUntil
				}
			}
		case model.ValidationNotStarted:
			c.Status = model.StatusDraft
		default: // pending, failed, unknown: ZeroSSL can only show a certificate awaiting DCV
			c.Status = model.StatusPending
		}
		got := srv.AddCertificate(c)
		if len(d.Challenges) > 0 || d.Method != "" {
			var chs []model.Challenge
			for _, ch := range d.Challenges {
				ch.Domain = name
				chs = append(chs, ch)
			}
			canon := canonicalChallenges(chs)
			if len(canon) == 0 {
				canon = zerossltest.DefaultChallenges(got.ID, got.DNSNames)
			}
			method := d.Method
			if zerossl.ValidationType(method) == "" {
				method = ""
			}
			srv.SetValidation(got.ID, zerossltest.Validation{Method: method, Challenges: canon})
		}
		added = append(added, got)
	}

	want := providertest.Scenario{Certificates: srv.Certificates(), Challenges: map[string][]model.Challenge{}}
	for _, c := range want.Certificates {
		want.Challenges[c.ID] = expectedChallenges(c, srv.Validation(c.ID).Challenges)
	}
	want.Domains = expectedDomains(want.Certificates, srv, now)
	return &providertest.Fake{
		Config: anyca.Config{Provider: zerossl.Name, APIKey: srv.APIKey, BaseURL: srv.URL,
			Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
		Want:         want,
		FailNext:     srv.FailNext,
		Requests:     srv.Requests,
		Publish:      srv.Publish,
		Roots:        zerossltest.Roots(),
		SetChaos:     srv.SetChaos,
		Injected:     srv.Injected,
		OrdersPlaced: srv.OrdersPlaced,
		Close:        srv.Close,
	}
}

func looksLikeID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// canonicalChallenges keeps what ZeroSSL can represent: one challenge per domain and
// type (the last given), dns-txt dropped, incomplete ones dropped, both file challenges
// of a domain sharing one content (ZeroSSL has a single file_validation_content).
func canonicalChallenges(in []model.Challenge) []model.Challenge {
	type key struct {
		d string
		t model.ChallengeType
	}
	last := map[key]model.Challenge{}
	content := map[string]string{}
	var order []key
	for _, ch := range in {
		d, err := model.NormalizeDomain(ch.Domain)
		if err != nil {
			continue
		}
		ch.Domain = d
		complete := false
		switch ch.Type {
		case model.ChallengeDNSCNAME:
			complete = ch.RecordName != "" && ch.RecordValue != ""
		case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
			complete = ch.URL != "" && ch.Content != ""
			if complete {
				content[d] = ch.Content
			}
		case model.ChallengeEmail:
			complete = len(ch.Emails) > 0
		}
		if !complete {
			continue
		}
		k := key{d, ch.Type}
		if _, ok := last[k]; !ok {
			order = append(order, k)
		}
		last[k] = model.Challenge{Domain: d, Type: ch.Type, RecordName: ch.RecordName, RecordValue: ch.RecordValue,
			URL: ch.URL, Content: ch.Content, Emails: ch.Emails}
	}
	var out []model.Challenge
	for _, k := range order {
		ch := last[k]
		if ch.Type == model.ChallengeHTTPFile || ch.Type == model.ChallengeHTTPSFile {
			ch.Content = content[k.d]
		}
		out = append(out, ch)
	}
	return out
}

func methodOf(chs []model.Challenge) model.ChallengeType {
	if len(chs) == 0 {
		return ""
	}
	return chs[0].Type
}

// expectedChallenges is what Challenges must return for c seeded with chs: domains in
// the certificate's order (then others, sorted), types in dns-cname, http-file,
// https-file, email order, names and targets lower-cased, status from the certificate.
func expectedChallenges(c model.Certificate, chs []model.Challenge) []model.Challenge {
	order := map[string]int{}
	for i, n := range c.DNSNames {
		order[n] = i
	}
	typeOrder := map[model.ChallengeType]int{model.ChallengeDNSCNAME: 0, model.ChallengeHTTPFile: 1, model.ChallengeHTTPSFile: 2, model.ChallengeEmail: 3}
	var out []model.Challenge
	for _, ch := range canonicalChallenges(chs) {
		ch.Status = zerossl.ChallengeStatus(c.Status)
		switch ch.Type {
		case model.ChallengeDNSCNAME:
			ch.RecordName = strings.TrimSuffix(strings.ToLower(ch.RecordName), ".")
			ch.RecordValue = strings.TrimSuffix(strings.ToLower(ch.RecordValue), ".")
		case model.ChallengeEmail:
			seen := map[string]bool{}
			var es []string
			for _, e := range ch.Emails {
				e = strings.ToLower(strings.TrimSpace(e))
				if e != "" && !seen[e] {
					seen[e] = true
					es = append(es, e)
				}
			}
			ch.Emails = es
		}
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		oa, aok := order[a.Domain]
		ob, bok := order[b.Domain]
		switch {
		case aok && bok && oa != ob:
			return oa < ob
		case aok != bok:
			return aok
		case !aok && a.Domain != b.Domain:
			return a.Domain < b.Domain
		}
		return typeOrder[a.Type] < typeOrder[b.Type]
	})
	return out
}

// expectedDomains applies DomainValidation's rule to every name on the certificates.
func expectedDomains(certs []model.Certificate, srv *zerossltest.Server, now time.Time) []model.DomainValidation {
	best := map[string]model.Certificate{}
	for _, c := range certs { // newest first: the first seen wins ties
		if c.Status == model.StatusCancelled {
			continue
		}
		for _, n := range c.DNSNames {
			if b, ok := best[n]; !ok || c.CreatedAt.After(b.CreatedAt) {
				best[n] = c
			}
		}
	}
	var out []model.DomainValidation
	for n, c := range best {
		v := srv.Validation(c.ID)
		dv := model.DomainValidation{Provider: zerossl.Name, Domain: n, ID: c.ID, CertificateID: c.ID, VendorStatus: c.VendorStatus,
			Method: v.Method, VendorMethod: zerossl.ValidationType(v.Method)}
		var until time.Time
		switch c.Status {
		case model.StatusIssued:
			dv.Status, until = model.ValidationValid, c.NotAfter
			if c.IsExpired(now) {
				dv.Status = model.ValidationExpired
			}
		case model.StatusExpired, model.StatusRevoked:
			dv.Status, until = model.ValidationExpired, c.NotAfter
		case model.StatusDraft, model.StatusPending:
			dv.Status = model.ValidationPending
			for _, ch := range expectedChallenges(c, v.Challenges) {
				if ch.Domain == n {
					dv.Challenges = append(dv.Challenges, ch)
				}
			}
		default:
			dv.Status = model.ValidationUnknown
		}
		dv.Levels = []model.LevelValidation{{Level: model.LevelDV, Status: dv.Status, VendorStatus: c.VendorStatus, ValidUntil: until}}
		out = append(out, dv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Domain < out[j].Domain })
	return out
}
