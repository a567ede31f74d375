package providertest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/anyca/anyca/model"
)

// DefaultScenario is the scenario Run seeds every fake with: ScenarioAt(time.Now()).
func DefaultScenario() Scenario { return ScenarioAt(time.Now()) }

// ScenarioAt returns the suite's scenario with every date placed relative to the UTC
// midnight that starts now's day, so that issued certificates are still valid and
// expired ones already expired whenever the suite runs. For one day the result is the
// same on every call.
//
// It holds 25 certificates (so that a listing with PageSize 10 takes three pages) in the
// states draft, pending, issued, revoked, cancelled and expired, at levels dv, ov and
// ev, with a wildcard ("*.wild.example.com"), an IDN in punycode
// ("xn--bcher-kva.example.org"), one certificate replacing another, and 8 domains:
// two valid (ov and ev levels with ValidUntil), four pending with one dns-txt,
// dns-cname, http-file and email challenge each, one expired and one not started.
//
// Times are UTC whole seconds; NotBefore, NotAfter, ValidUntil and challenge ExpiresAt
// are midnights, so that CAs that only keep dates can represent them.
//
// Certificate IDs are placeholders ("cert-01" ... "cert-25"): they only tie
// Scenario.Challenges and ReplacesID to certificates, and a harness replaces them with
// the ids its fake assigns (remapping Challenges keys and ReplacesID accordingly).
// Provider, VendorStatus and domain IDs are left empty for the harness to fill.
func ScenarioAt(now time.Time) Scenario {
	now = now.UTC()
	day0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return day0.AddDate(0, 0, n) }
	// created is a time on the day n days ago, always before now.
	created := func(n, i int) time.Time {
		return day(-n).Add(time.Duration(8+i%10)*time.Hour + time.Duration(7*i%60)*time.Minute + time.Duration(13*i%60)*time.Second)
	}

	type spec struct {
		cn       string
		sans     []string
		status   model.CertificateStatus
		level    model.ValidationLevel
		product  string
		ago      int // days since the order was placed
		validity int // days from NotBefore to NotAfter; 0: not issued, no dates
		replaces string
	}
	specs := []spec{
		{"shop.example.com", []string{"www.shop.example.com"}, model.StatusIssued, model.LevelOV, "ssl_basic", 200, 397, ""},
		{"pay.example.com", nil, model.StatusIssued, model.LevelEV, "ssl_ev_basic", 100, 365, ""},
		{"blog.example.org", []string{"www.blog.example.org"}, model.StatusIssued, model.LevelDV, "ssl_dv_geotrust", 60, 90, ""},
		{"*.wild.example.com", []string{"wild.example.com"}, model.StatusIssued, model.LevelOV, "ssl_wildcard", 30, 397, ""},
		{"xn--bcher-kva.example.org", []string{"www.xn--bcher-kva.example.org"}, model.StatusIssued, model.LevelDV, "ssl_dv_geotrust", 10, 90, ""},
		{"api.example.net", []string{"api-v2.example.net", "api-v3.example.net"}, model.StatusIssued, model.LevelOV, "ssl_basic", 300, 397, ""},
		{"mail.example.com", nil, model.StatusIssued, model.LevelOV, "ssl_basic", 380, 397, ""},
		{"login.example.com", []string{"auth.example.com"}, model.StatusIssued, model.LevelEV, "ssl_ev_basic", 50, 365, ""},
		{"status.example.net", nil, model.StatusIssued, model.LevelDV, "ssl_dv_geotrust", 5, 90, ""},
		{"intranet.example.org", []string{"vpn.example.org", "files.example.org"}, model.StatusIssued, model.LevelOV, "ssl_basic", 120, 397, "cert-22"},
		{"old-shop.example.com", nil, model.StatusRevoked, model.LevelOV, "ssl_basic", 250, 397, ""},
		{"test.example.net", nil, model.StatusRevoked, model.LevelDV, "ssl_dv_geotrust", 500, 90, ""},
		{"bank.example.com", []string{"www.bank.example.com"}, model.StatusRevoked, model.LevelEV, "ssl_ev_basic", 90, 365, ""},
		{"docs.example.com", []string{"www.docs.example.com"}, model.StatusPending, model.LevelOV, "ssl_basic", 2, 0, ""},
		{"cdn.example.net", nil, model.StatusPending, model.LevelDV, "ssl_dv_geotrust", 1, 0, ""},
		{"secure.example.org", nil, model.StatusPending, model.LevelEV, "ssl_ev_basic", 3, 0, ""},
		{"media.example.net", []string{"img.media.example.net"}, model.StatusPending, model.LevelOV, "ssl_basic", 4, 0, ""},
		{"draft.example.com", nil, model.StatusDraft, model.LevelDV, "ssl_dv_geotrust", 1, 0, ""},
		{"new-portal.example.org", nil, model.StatusDraft, model.LevelOV, "ssl_basic", 6, 0, ""},
		{"cancelled.example.com", nil, model.StatusCancelled, model.LevelOV, "ssl_basic", 40, 0, ""},
		{"trial.example.net", nil, model.StatusCancelled, model.LevelDV, "ssl_dv_geotrust", 70, 0, ""},
		{"intranet.example.org", []string{"vpn.example.org"}, model.StatusExpired, model.LevelOV, "ssl_basic", 520, 397, ""},
		{"legacy.example.com", nil, model.StatusExpired, model.LevelDV, "ssl_dv_geotrust", 800, 365, ""},
		{"checkout.example.com", []string{"www.checkout.example.com"}, model.StatusExpired, model.LevelEV, "ssl_ev_basic", 450, 365, ""},
		{"staging.example.org", nil, model.StatusExpired, model.LevelDV, "ssl_dv_geotrust", 200, 90, ""},
	}

	var sc Scenario
	for i, s := range specs {
		c := model.Certificate{
			ID:         fmt.Sprintf("cert-%02d", i+1),
			CommonName: s.cn,
			DNSNames:   append([]string{s.cn}, s.sans...),
			Status:     s.status,
			Level:      s.level,
			Product:    s.product,
			CreatedAt:  created(s.ago, i),
			ReplacesID: s.replaces,
		}
		if s.validity > 0 {
			c.NotBefore = day(-s.ago + 1)
			c.NotAfter = c.NotBefore.AddDate(0, 0, s.validity)
			c.SerialNumber = hexOf("serial", c.ID, 16)
			c.FingerprintSHA1 = hexOf("sha1", c.ID, 20)
		}
		sc.Certificates = append(sc.Certificates, c)
	}

	pending := func(domain string, ch model.Challenge) model.DomainValidation {
		ch.Domain, ch.Status, ch.ExpiresAt = domain, model.ValidationPending, day(30)
		return model.DomainValidation{
			Domain:     domain,
			Status:     model.ValidationPending,
			Method:     ch.Type,
			Levels:     []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationPending}},
			Challenges: []model.Challenge{ch},
		}
	}
	sc.Domains = []model.DomainValidation{
		{Domain: "example.com", Status: model.ValidationValid, Method: model.ChallengeDNSTXT,
			Levels: []model.LevelValidation{
				{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: day(300)},
				{Level: model.LevelEV, Status: model.ValidationValid, ValidUntil: day(30)},
			},
			ValidatedAt: day(-95).Add(10*time.Hour + 4*time.Minute + 5*time.Second)},
		{Domain: "example.org", Status: model.ValidationValid, Method: model.ChallengeEmail,
			Levels: []model.LevelValidation{
				{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: day(200)},
			},
			ValidatedAt: day(-197).Add(15*time.Hour + 30*time.Minute + 1*time.Second)},
		pending("pending-txt.example.net", model.Challenge{Type: model.ChallengeDNSTXT,
			RecordName: "_dnsauth.pending-txt.example.net", RecordValue: "v8x4k2mz9qw7r3t1yb6c0dnj5hs",
			Token: "v8x4k2mz9qw7r3t1yb6c0dnj5hs"}),
		pending("pending-cname.example.net", model.Challenge{Type: model.ChallengeDNSCNAME,
			RecordName:  "_" + hexOf("cname-name", "pending-cname", 16) + ".pending-cname.example.net",
			RecordValue: hexOf("cname-a", "pending-cname", 16) + "." + hexOf("cname-b", "pending-cname", 16) + ".sectigo.com"}),
		pending("pending-http.example.net", model.Challenge{Type: model.ChallengeHTTPFile,
			URL:     "http://pending-http.example.net/.well-known/pki-validation/fileauth.txt",
			Content: "h7c2q9w4e6r1t8y3u5i0", Token: "h7c2q9w4e6r1t8y3u5i0"}),
		pending("pending-email.example.net", model.Challenge{Type: model.ChallengeEmail,
			Emails: []string{"admin@pending-email.example.net", "hostmaster@pending-email.example.net"}}),
		{Domain: "old.example.net", Status: model.ValidationExpired, Method: model.ChallengeDNSTXT,
			Levels: []model.LevelValidation{
				{Level: model.LevelOV, Status: model.ValidationExpired, ValidUntil: day(-10)},
			},
			ValidatedAt: day(-407).Add(9*time.Hour + 12*time.Minute + 44*time.Second)},
		{Domain: "new.example.net", Status: model.ValidationNotStarted},
	}

	chal := func(domain string, typ model.ChallengeType, c model.Challenge) model.Challenge {
		c.Domain, c.Type, c.Status, c.ExpiresAt = domain, typ, model.ValidationPending, day(30)
		return c
	}
	fileURL := func(scheme, domain, name string) string {
		return scheme + "://" + domain + "/.well-known/pki-validation/" + name + ".txt"
	}
	sc.Challenges = map[string][]model.Challenge{
		// docs.example.com (pending, ov): a TXT record per name, one random value.
		"cert-14": {
			chal("docs.example.com", model.ChallengeDNSTXT, model.Challenge{RecordName: "_dnsauth.docs.example.com",
				RecordValue: "q1w2e3r4t5y6u7i8o9p0", Token: "q1w2e3r4t5y6u7i8o9p0"}),
			chal("www.docs.example.com", model.ChallengeDNSTXT, model.Challenge{RecordName: "_dnsauth.www.docs.example.com",
				RecordValue: "q1w2e3r4t5y6u7i8o9p0", Token: "q1w2e3r4t5y6u7i8o9p0"}),
		},
		// cdn.example.net (pending, dv): CNAME or a file over http or https.
		"cert-15": {
			chal("cdn.example.net", model.ChallengeDNSCNAME, model.Challenge{
				RecordName:  "_" + hexOf("cname-name", "cdn", 16) + ".cdn.example.net",
				RecordValue: hexOf("cname-a", "cdn", 16) + "." + hexOf("cname-b", "cdn", 16) + ".sectigo.com"}),
			chal("cdn.example.net", model.ChallengeHTTPFile, model.Challenge{
				URL:     fileURL("http", "cdn.example.net", hexOf("file", "cdn", 16)),
				Content: hexOf("content", "cdn", 32) + "\nsectigo.com\n" + hexOf("nonce", "cdn", 8)}),
			chal("cdn.example.net", model.ChallengeHTTPSFile, model.Challenge{
				URL:     fileURL("https", "cdn.example.net", hexOf("file", "cdn", 16)),
				Content: hexOf("content", "cdn", 32) + "\nsectigo.com\n" + hexOf("nonce", "cdn", 8)}),
		},
		// secure.example.org (pending, ev): approval email.
		"cert-16": {
			chal("secure.example.org", model.ChallengeEmail, model.Challenge{
				Emails: []string{"admin@secure.example.org", "webmaster@secure.example.org"}}),
		},
		// draft.example.com (draft, dv): a file over http.
		"cert-18": {
			chal("draft.example.com", model.ChallengeHTTPFile, model.Challenge{
				URL: fileURL("http", "draft.example.com", "fileauth"), Content: "d4r5a6f7t8c9h0a1l2l3", Token: "d4r5a6f7t8c9h0a1l2l3"}),
		},
	}
	return sc
}

// cloneScenario returns a deep copy of sc, so that a harness may change what it is
// given without touching what other subtests see.
func cloneScenario(sc Scenario) Scenario {
	out := Scenario{
		Certificates: make([]model.Certificate, len(sc.Certificates)),
		Domains:      make([]model.DomainValidation, len(sc.Domains)),
	}
	for i, c := range sc.Certificates {
		out.Certificates[i] = c.Clone()
	}
	for i, d := range sc.Domains {
		out.Domains[i] = d.Clone()
	}
	if sc.Challenges != nil {
		out.Challenges = make(map[string][]model.Challenge, len(sc.Challenges))
		for id, chs := range sc.Challenges {
			out.Challenges[id] = model.CloneChallenges(chs)
		}
	}
	return out
}

// hexOf derives n bytes of lower-case hex from its inputs, deterministically.
func hexOf(kind, seed string, n int) string {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha1.Sum([]byte(fmt.Sprintf("%s/%s/%d", kind, seed, i)))
		out = append(out, sum[:]...)
	}
	return hex.EncodeToString(out[:n])
}
