package digicerttest

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// AddCertificate stores c as an order and returns what the adapter reports for it: a
// numeric order id assigned when ID is empty, names normalized (common name first),
// Product a CertCentral name_id of c's level, dates truncated to what CertCentral keeps
// (validity as dates, creation to the second), ReplacesID cleared.
func (s *Server) AddCertificate(c model.Certificate) model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = strconv.FormatInt(s.newID(), 10)
	} else if n, err := strconv.ParseInt(c.ID, 10, 64); err == nil && n > s.nextID {
		s.nextID = n
	}
	c.Provider = "digicert"
	c.CommonName = norm(c.CommonName)
	names := c.DNSNames
	if c.CommonName != "" {
		names = append([]string{c.CommonName}, names...)
	}
	c.DNSNames = model.NormalizeDomains(names)
	if len(c.DNSNames) == 0 {
		c.DNSNames = nil
	}
	if c.Status == "" {
		c.Status = model.StatusIssued
	}
	c.VendorStatus = vendorStatus(c)
	c.Status = statusOf(c.VendorStatus)
	c.Product = productFor(c.Product, c.Level)
	if c.Product == "" {
		c.Level = ""
	}
	c.SerialNumber = model.NormalizeHex(c.SerialNumber)
	c.FingerprintSHA1 = model.NormalizeHex(c.FingerprintSHA1)
	c.CreatedAt, c.NotBefore, c.NotAfter = sec(c.CreatedAt), day(c.NotBefore), day(c.NotAfter)
	c.ReplacesID = ""
	o := &order{cert: c, certID: s.newID()}
	if hasCertificate(c.Status) {
		issueLeaf(o)
		c = o.cert
	}
	if old := s.byID[c.ID]; old != nil {
		*old = *o // the same id again replaces the order
		return c
	}
	s.byID[c.ID] = o
	// Insert after every order with an id not above c.ID: the order a stable sort of the
	// appended slice gives, without re-sorting on every seed (quadratic for large seeds).
	at := sort.Search(len(s.orders), func(i int) bool { return model.LessID(c.ID, s.orders[i].cert.ID) })
	s.orders = slices.Insert(s.orders, at, o)
	return c
}

func norm(s string) string { return fakeca.NormName(s) }

var tokenSeq atomic.Int64

func newToken() string { return fmt.Sprintf("dcvtok%010d", tokenSeq.Add(1)) }

// expectChallenge builds the challenge the adapter reports for domain.
func expectChallenge(domain, method, token string, status model.ValidationStatus, exp time.Time) *model.Challenge {
	t := methodType(method)
	if t == "" {
		return nil
	}
	ch := &model.Challenge{Domain: domain, Type: t, Status: status, ExpiresAt: exp}
	host := strings.TrimPrefix(domain, "*.")
	switch t {
	case model.ChallengeEmail:
		for _, l := range []string{"admin", "administrator", "webmaster", "hostmaster", "postmaster"} {
			ch.Emails = append(ch.Emails, l+"@"+host)
		}
		ch.ExpiresAt = time.Time{}
		return ch
	case model.ChallengeDNSTXT:
		ch.RecordName, ch.RecordValue = host, token
	case model.ChallengeDNSCNAME:
		ch.RecordName, ch.RecordValue = "_dnsauth."+host, token+".dcv.digicert.com"
	case model.ChallengeHTTPFile:
		ch.URL, ch.Content = "http://"+host+"/.well-known/pki-validation/fileauth.txt", token
	}
	ch.Token = token
	return ch
}

// AddDomain stores d and returns what DomainValidation reports for it: a numeric id
// assigned when ID is empty, the name normalized, levels limited to dv/ov/ev in that
// order with times to the second, status derived from the levels as CertCentral's
// validations imply, the method's CertCentral word, and one challenge built from the
// domain's random value (d.Challenges[0].Token, or a generated one).
func (s *Server) AddDomain(d model.DomainValidation) model.DomainValidation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDomain(d, false)
}

func (s *Server) addDomain(d model.DomainValidation, hidden bool) model.DomainValidation {
	if d.ID == "" {
		d.ID = strconv.FormatInt(s.newID(), 10)
	}
	d.DomainID, d.CertificateID = d.ID, "" // CertCentral's domain record; no order behind it
	d.Provider = "digicert"
	d.Domain = norm(d.Domain)
	now := time.Now()
	var levels []model.LevelValidation
	for _, want := range []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV} {
		for _, l := range d.Levels {
			if l.Level == want {
				l.ValidUntil = sec(l.ValidUntil)
				l.VendorStatus = levelWord(l.Status)
				l.Status = levelStatus(l.VendorStatus, l.ValidUntil, now)
				levels = append(levels, l)
				break
			}
		}
	}
	d.Levels = levels
	pending := d.Status == model.ValidationPending
	d.Status, d.VendorStatus = model.ValidationNotStarted, ""
	found := false
	for _, st := range []model.ValidationStatus{model.ValidationValid, model.ValidationPending,
		model.ValidationExpired, model.ValidationFailed, model.ValidationUnknown} {
		for _, l := range levels {
			if l.Status == st && !found {
				d.Status, found = st, true
			}
		}
	}
	if !found && pending {
		d.Status = model.ValidationPending
	}
	d.VendorMethod = methodWord(d.Method)
	d.Method = methodType(d.VendorMethod)
	d.ValidatedAt = sec(d.ValidatedAt)
	rec := &domain{hidden: hidden, submitted: d.ValidatedAt}
	if d.Status == model.ValidationPending {
		rec.submitted = sec(now)
		if !d.ValidatedAt.IsZero() && !rec.submitted.After(d.ValidatedAt) {
			rec.submitted = d.ValidatedAt.Add(time.Second)
		}
	}
	if len(d.Challenges) > 0 {
		rec.token, rec.tokenExp = d.Challenges[0].Token, sec(d.Challenges[0].ExpiresAt)
	}
	if rec.token == "" {
		rec.token = newToken()
	}
	d.Challenges = nil
	if ch := expectChallenge(d.Domain, d.VendorMethod, rec.token, d.Status, rec.tokenExp); ch != nil {
		d.Challenges = []model.Challenge{*ch}
	}
	rec.dv = d
	// As in AddCertificate: the stable-sorted position, found by binary search.
	at := sort.Search(len(s.domains), func(i int) bool { return model.LessID(d.ID, s.domains[i].dv.ID) })
	s.domains = slices.Insert(s.domains, at, rec)
	return d
}

// SetChallenges sets the per-domain validation of order id from chs (one entry per
// domain) and returns what Challenges reports: the order's one random value (the first
// token given, or a generated one) on every token challenge, records, URLs and email
// addresses built as CertCentral documents them. Domains not added with AddDomain get a
// hidden domain record holding the order's random value, for the view-only fallback.
func (s *Server) SetChallenges(id string, chs []model.Challenge) []model.Challenge {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrder(id)
	if o == nil {
		return nil
	}
	o.nameScopes = nil
	o.randomValue, o.rvExpires = "", time.Time{}
	for _, ch := range chs {
		if ch.Token != "" && o.randomValue == "" && ch.Type != model.ChallengeEmail {
			o.randomValue, o.rvExpires = ch.Token, sec(ch.ExpiresAt)
		}
	}
	if o.randomValue == "" {
		o.randomValue = newToken()
		o.rvExpires = sec(time.Now().Add(30 * 24 * time.Hour))
	}
	var out []model.Challenge
	for _, ch := range chs {
		name := norm(ch.Domain)
		method := methodWord(ch.Type)
		if method == "" {
			continue
		}
		var rec *domain
		for _, d := range s.domains {
			if d.dv.Domain == name {
				rec = d
				break
			}
		}
		if rec == nil {
			s.addDomain(model.DomainValidation{Domain: name, Method: ch.Type,
				Challenges: []model.Challenge{{Token: o.randomValue, ExpiresAt: o.rvExpires}}}, true)
			for _, d := range s.domains {
				if d.dv.Domain == name {
					rec = d
				}
			}
		}
		o.nameScopes = append(o.nameScopes, orderDomain{name: name, domainID: rec.dv.ID, method: method,
			status: challengeWord(ch.Status)})
		st := ch.Status
		if !st.Valid() || st == "" {
			st = model.ValidationUnknown
		}
		if e := expectChallenge(name, method, o.randomValue, st, o.rvExpires); e != nil {
			out = append(out, *e)
		}
	}
	return out
}

func (s *Server) findOrder(id string) *order {
	if o := s.byID[id]; o != nil {
		return o
	}
	for _, o := range s.orders {
		c := o.cert
		if c.ID == id || c.SerialNumber != "" && strings.EqualFold(c.SerialNumber, id) ||
			c.FingerprintSHA1 != "" && strings.EqualFold(c.FingerprintSHA1, id) {
			return o
		}
	}
	return nil
}
