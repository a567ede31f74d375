// Package demo generates the simulated CA accounts behind `anyca sim` and `anyca demo`:
// a few hundred certificates in every state, domains with OV and EV validations that
// expire at different times, and pending domain-control validations with challenges.
//
// Generation is deterministic: the same seed and the same now give the same values.
// Every date is relative to now, so the account always looks current: some certificates
// expire within days, some expired last month, some domain validations lapse soon.
// The values are plain model values; the fakes (digicerttest, zerossltest) are seeded
// with them and serve them in each vendor's wire format.
package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

// DefaultSeed is the seed `anyca sim` and `anyca demo` use unless told otherwise.
const DefaultSeed = 2026

// FeaturedDomain is a domain both generated accounts hold a pending validation for, so
// the demo can ask both CAs the same question about it.
const FeaturedDomain = "pay.example.org"

// Account is one simulated CA account in model values.
type Account struct {
	// Certificates are sorted by ID.
	Certificates []model.Certificate
	// Domains are sorted by name. Empty for ZeroSSL, which derives domain state from
	// certificates.
	Domains []model.DomainValidation
	// FeaturedCertificateID is a pending certificate (or order) covering FeaturedDomain,
	// whose challenges are waiting to be published.
	FeaturedCertificateID string
	// Challenges holds, by order ID, the DCV challenges of pending DigiCert orders whose
	// names fall under a domain with pending validation: one per domain, with that
	// domain's method and token. Nil for ZeroSSL, whose fake derives them.
	Challenges map[string][]model.Challenge
}

// baseDomains are the registered domains of the simulated company. Reserved names
// (RFC 2606 example.*, .test) keep the demo from ever pointing at a real site.
var baseDomains = []string{
	"example.com", "example.net", "example.org", "acme-corp.test", "acme-shop.test",
	"acme-mail.test", "intranet.test", "status-page.test", "payments.test", "api-gateway.test",
	"cdn-edge.test", "partners.test", "staging.test", "docs-portal.test", "b2b.test",
}

var hostLabels = []string{"www", "api", "shop", "mail", "vpn", "login", "portal", "static",
	"billing", "status", "admin", "grafana", "git", "ci", "auth", "m", "cdn", "assets", "pay", "docs"}

const day = 24 * time.Hour

// certState is how many certificates an account holds in one of its CA's states.
type certState struct {
	status model.CertificateStatus
	vendor string // the CA's own word for the state
	n      int
}

// DigiCert returns the simulated DigiCert CertCentral account: 15 domains (one of them
// FeaturedDomain, pending) with OV and EV validations, and 240 orders across every
// DigiCert state with DV, OV and EV products.
func DigiCert(seed uint64, now time.Time) Account {
	now = now.UTC().Truncate(time.Second)
	r := rand.New(rand.NewPCG(seed, 0xd1c1))
	var acct Account

	for i, name := range append(append([]string(nil), baseDomains...), FeaturedDomain) {
		acct.Domains = append(acct.Domains, digicertDomain(r, now, i, name))
	}
	sort.Slice(acct.Domains, func(i, j int) bool { return acct.Domains[i].Domain < acct.Domains[j].Domain })

	states := []certState{
		{model.StatusIssued, "issued", 150},
		{model.StatusPending, "pending", 20},
		{model.StatusPending, "needs_approval", 6},
		{model.StatusExpired, "expired", 30},
		{model.StatusRevoked, "revoked", 12},
		{model.StatusCancelled, "canceled", 10},
		{model.StatusRejected, "rejected", 12},
	}
	products := []struct {
		name  string
		level model.ValidationLevel
	}{
		{"ssl_basic", model.LevelOV}, {"ssl_securesite_pro", model.LevelOV}, {"ssl_ev_basic", model.LevelEV},
		{"ssl_dv_geotrust", model.LevelDV}, {"ssl_securesite_flex", model.LevelOV}, {"ssl_ev_securesite_pro", model.LevelEV},
	}
	id := 4123000
	for _, st := range states {
		for k := 0; k < st.n; k++ {
			id += 1 + r.IntN(40)
			p := products[r.IntN(len(products))]
			names := hostNames(r, baseDomains[r.IntN(len(baseDomains))])
			c := model.Certificate{
				Provider: "digicert", ID: fmt.Sprint(id), CommonName: names[0], DNSNames: names,
				Status: st.status, VendorStatus: st.vendor, Level: p.level, Product: p.name,
			}
			fillDates(r, now, &c, k, st.n, 397)
			if c.Status == model.StatusIssued || c.Status == model.StatusRevoked || c.Status == model.StatusExpired {
				c.SerialNumber = hexString(r, 32)
				c.FingerprintSHA1 = hexString(r, 40)
			}
			acct.Certificates = append(acct.Certificates, c)
		}
	}
	// The featured pending order, waiting for the DCV of FeaturedDomain.
	id += 7
	featured := model.Certificate{
		Provider: "digicert", ID: fmt.Sprint(id), CommonName: FeaturedDomain,
		DNSNames: []string{FeaturedDomain, "www." + FeaturedDomain}, Status: model.StatusPending,
		VendorStatus: "pending", Level: model.LevelOV, Product: "ssl_securesite_pro",
		CreatedAt: now.Add(-2 * day),
	}
	acct.Certificates = append(acct.Certificates, featured)
	acct.FeaturedCertificateID = featured.ID
	linkRenewals(r, acct.Certificates)
	sortCerts(acct.Certificates)
	acct.Challenges = map[string][]model.Challenge{}
	for _, c := range acct.Certificates {
		if c.Status != model.StatusPending {
			continue
		}
		seen := map[string]bool{}
		for _, name := range c.DNSNames {
			for _, d := range acct.Domains {
				if d.Status == model.ValidationPending && len(d.Challenges) > 0 && !seen[d.Domain] &&
					(name == d.Domain || strings.HasSuffix(name, "."+d.Domain)) {
					seen[d.Domain] = true
					acct.Challenges[c.ID] = append(acct.Challenges[c.ID], d.Challenges...)
				}
			}
		}
	}
	return acct
}

// digicertDomain builds domain i: a spread of OV/EV validity, some lapsing soon, some
// expired, a few pending with a DCV challenge waiting.
func digicertDomain(r *rand.Rand, now time.Time, i int, name string) model.DomainValidation {
	d := model.DomainValidation{Provider: "digicert", Domain: name, ID: fmt.Sprint(2870000 + 17*i)}
	// Pending DCV: one domain per method, the featured one by DNS CNAME.
	method, pending := map[int]model.ChallengeType{5: model.ChallengeDNSTXT, 8: model.ChallengeHTTPFile,
		11: model.ChallengeEmail}[i]
	if name == FeaturedDomain {
		method, pending = model.ChallengeDNSCNAME, true
	}
	if pending {
		d.Status = model.ValidationPending
		d.VendorStatus = "pending"
		d.Method = method
		d.VendorMethod = map[model.ChallengeType]string{model.ChallengeDNSCNAME: "dns-cname-token",
			model.ChallengeDNSTXT: "dns-txt-token", model.ChallengeHTTPFile: "http-token", model.ChallengeEmail: "email"}[method]
		d.Levels = []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationPending, VendorStatus: "pending"},
		}
		d.Challenges = []model.Challenge{digicertChallenge(r, now, name, method)}
		return d
	}
	// OV validated between 1 and 396 days ago: valid for 397 days from then.
	// Spread so that a few lapse within 30 days and a couple have lapsed already.
	ovAge := []int{390, 380, 370, 300, 200, 120, 60, 10, 395, 400, 250, 30, 150, 420, 340}[i%15]
	validated := now.Add(-time.Duration(ovAge)*day - time.Duration(r.IntN(20))*time.Hour)
	d.ValidatedAt = validated
	ovUntil := validated.Add(397 * day)
	ov := model.LevelValidation{Level: model.LevelOV, Status: model.ValidationValid, VendorStatus: "active", ValidUntil: ovUntil}
	if !ovUntil.After(now) {
		ov.Status, ov.VendorStatus = model.ValidationExpired, "expired"
	}
	d.Levels = []model.LevelValidation{ov}
	if i%3 == 0 { // EV on every third domain; EV validity is 13 months
		evUntil := validated.Add(-time.Duration(r.IntN(40))*day).AddDate(0, 13, 0)
		ev := model.LevelValidation{Level: model.LevelEV, Status: model.ValidationValid, VendorStatus: "active", ValidUntil: evUntil}
		if !evUntil.After(now) {
			ev.Status, ev.VendorStatus = model.ValidationExpired, "expired"
		}
		d.Levels = append(d.Levels, ev)
	}
	d.Status, d.VendorStatus = model.ValidationValid, "active"
	if d.ValidUntil().IsZero() {
		d.Status, d.VendorStatus = model.ValidationExpired, "expired"
	}
	d.Method, d.VendorMethod = model.ChallengeDNSTXT, "dns-txt-token"
	return d
}

func digicertChallenge(r *rand.Rand, now time.Time, name string, method model.ChallengeType) model.Challenge {
	token := lowerAlnum(r, 32)
	ch := model.Challenge{Domain: name, Type: method, Token: token, Status: model.ValidationPending,
		ExpiresAt: now.Add(30 * day).Truncate(day)}
	switch method {
	case model.ChallengeDNSCNAME:
		ch.RecordName = "_dnsauth." + name
		ch.RecordValue = token + ".dcv.digicert.com"
	case model.ChallengeDNSTXT:
		ch.RecordName = "_dnsauth." + name
		ch.RecordValue = token
	case model.ChallengeHTTPFile:
		ch.URL = "http://" + name + "/.well-known/pki-validation/fileauth.txt"
		ch.Content = token
	case model.ChallengeEmail:
		ch.Token = ""
		ch.Emails = []string{"admin@" + name, "hostmaster@" + name, "webmaster@" + name}
	}
	return ch
}

// ZeroSSL returns the simulated ZeroSSL account: 150 DV certificates across every ZeroSSL
// state, one of them a pending certificate for FeaturedDomain. ZeroSSL has no domain
// objects, so Domains is empty.
func ZeroSSL(seed uint64, now time.Time) Account {
	now = now.UTC().Truncate(time.Second)
	r := rand.New(rand.NewPCG(seed, 0x2e05))
	var acct Account
	states := []certState{
		{model.StatusIssued, "issued", 85},
		{model.StatusDraft, "draft", 12},
		{model.StatusPending, "pending_validation", 18},
		{model.StatusExpired, "expired", 20},
		{model.StatusRevoked, "revoked", 7},
		{model.StatusCancelled, "cancelled", 8},
	}
	for _, st := range states {
		for k := 0; k < st.n; k++ {
			names := hostNames(r, baseDomains[r.IntN(len(baseDomains))])
			c := model.Certificate{
				Provider: "zerossl", ID: hexString(r, 32), CommonName: names[0], DNSNames: names,
				Status: st.status, VendorStatus: st.vendor, Level: model.LevelDV,
			}
			fillDates(r, now, &c, k, st.n, 90)
			acct.Certificates = append(acct.Certificates, c)
		}
	}
	featured := model.Certificate{
		Provider: "zerossl", ID: hexString(r, 32), CommonName: FeaturedDomain,
		DNSNames: []string{FeaturedDomain, "www." + FeaturedDomain}, Status: model.StatusPending,
		VendorStatus: "pending_validation", Level: model.LevelDV, CreatedAt: now.Add(-2 * day),
	}
	acct.Certificates = append(acct.Certificates, featured)
	acct.FeaturedCertificateID = featured.ID
	linkRenewals(r, acct.Certificates)
	sortCerts(acct.Certificates)
	return acct
}

// fillDates sets CreatedAt, NotBefore and NotAfter for certificate k of n in its state,
// spreading issued certificates' expiry from a few days to a full lifetime ahead.
func fillDates(r *rand.Rand, now time.Time, c *model.Certificate, k, n, lifetimeDays int) {
	jitter := time.Duration(r.IntN(86400)) * time.Second
	switch c.Status {
	case model.StatusIssued, model.StatusRevoked:
		// Expiry spread evenly over the lifetime: k=0 expires in about a day.
		left := time.Duration(1+(k*lifetimeDays)/max(n, 1)) * day
		c.NotAfter = now.Add(left + jitter)
		c.NotBefore = c.NotAfter.Add(-time.Duration(lifetimeDays) * day)
		c.CreatedAt = c.NotBefore.Add(-time.Duration(1+r.IntN(3)) * time.Hour)
	case model.StatusExpired:
		c.NotAfter = now.Add(-time.Duration(1+k*7)*day - jitter)
		c.NotBefore = c.NotAfter.Add(-time.Duration(lifetimeDays) * day)
		c.CreatedAt = c.NotBefore.Add(-time.Duration(1+r.IntN(3)) * time.Hour)
	default: // never issued: only a creation date, recent for pending and draft
		c.CreatedAt = now.Add(-time.Duration(1+r.IntN(60))*day - jitter)
	}
}

// linkRenewals marks some issued certificates as renewals of an expired one with the
// same common name's domain.
func linkRenewals(r *rand.Rand, certs []model.Certificate) {
	var expired []int
	for i := range certs {
		if certs[i].Status == model.StatusExpired {
			expired = append(expired, i)
		}
	}
	for i := range certs {
		if certs[i].Status == model.StatusIssued && len(expired) > 0 && r.IntN(4) == 0 {
			certs[i].ReplacesID = certs[expired[r.IntN(len(expired))]].ID
		}
	}
}

func sortCerts(certs []model.Certificate) {
	sort.Slice(certs, func(i, j int) bool {
		if len(certs[i].ID) != len(certs[j].ID) {
			return len(certs[i].ID) < len(certs[j].ID)
		}
		return certs[i].ID < certs[j].ID
	})
}

// hostNames returns one to three names under base, the first being the common name.
func hostNames(r *rand.Rand, base string) []string {
	n := 1 + r.IntN(3)
	seen := map[string]bool{}
	var names []string
	for len(names) < n {
		name := hostLabels[r.IntN(len(hostLabels))] + "." + base
		if r.IntN(8) == 0 {
			name = base
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

func hexString(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(digits[r.IntN(16)])
	}
	return b.String()
}

func lowerAlnum(r *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(chars[r.IntN(len(chars))])
	}
	return b.String()
}

// Zones returns the registered domains every simulated name falls under (FeaturedDomain
// among them, under example.org), sorted: the zones the simulator's DNS serves.
func Zones() []string {
	out := append([]string(nil), baseDomains...)
	sort.Strings(out)
	return out
}
