package acmetest

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
)

// Harness connects the conformance suite (providertest.Run) to a fresh Server for each
// check. Pebble cannot be seeded with model values, so Start builds the scenario the
// way a user would, through real orders on a new account: an issued certificate is
// ordered, validated over dns-01 and downloaded; a revoked one is then revoked; a
// pending (or draft) one is ordered and left. A scenario domain that is valid or
// pending becomes an order for that name in that state. What ACME cannot represent is
// adapted and reported in Want:
//
//   - levels become dv, products the "default" profile;
//   - drafts and cancelled orders become pending (ACME has neither), expired
//     certificates issued ones (a CA issues no certificate already expired);
//   - domains expired or never started are left out (no order names them);
//   - CreatedAt is when the order was placed, challenges and dates are Pebble's.
//
// Want is computed from Pebble's answers read with acmez directly (not through the
// adapter): each certificate from what was done to it, challenges and domains from the
// authorizations by the mapping DESIGN.md documents.
//
// The declared gaps, each asserted by the suite: no Canceller (ACME cannot withdraw an
// order), no DomainLister and no BatchGetter, and Validity refused (ACME sets the
// lifetime by profile). Declared as ACME behaves: a refused check is final
// (RefusedCheckIsFinal) and Pebble decides after Verify returns (AsyncVerify). The
// credential is the account key (Fake.Secrets); a wrong one is a key Pebble has no
// account for, which the adapter refuses with model.ErrInvalidArgument.
func Harness() providertest.Harness {
	return providertest.Harness{
		Name: acme.Name,
		Capabilities: providertest.Capabilities{
			Levels:              []model.ValidationLevel{model.LevelDV},
			CertificateStatuses: []model.CertificateStatus{model.StatusPending, model.StatusIssued, model.StatusRevoked},
			ChallengeTypes: []model.ChallengeType{model.ChallengeDNSTXT, model.ChallengeHTTPFile, model.ChallengeTLSALPN,
				model.ChallengeDNSAccount, model.ChallengeDNSPersist},
			Verifier:    true,
			Downloader:  true,
			Chaos:       true,
			Orderer:     true,
			Revoker:     true,
			OrderMethod: model.ChallengeDNSTXT,
			// An invalid authorization invalidates its order, and Pebble checks after
			// the challenge POST is answered.
			// The orders list links its pages (Pebble's 3 orders each), with no total,
			// and each order listed is read with a request of its own.
			Paging:              providertest.Paging{NextLink: true, PageSize: harnessOrdersPerPage, RequestsPerItem: 1},
			ReadsArePOST:        true,
			URLIDs:              true,
			RefusedCheckIsFinal: true,
			AsyncVerify:         true,
		},
		Start: startHarness,
	}
}

// harnessOrdersPerPage is the page size of the harness's orders list. Pebble's default
// (3) is small on purpose; 10 still spreads the scenario over three pages, while
// keeping the walk FindOrder makes of the whole list after each unknown outcome (ACME
// lists orders in no stated order, so nothing less is safe) short enough for the
// suite's 200-order chaos run.
const harnessOrdersPerPage = 10

// harnessRetry is the retry policy of the harness's Config: short waits, no client-side
// limit, as every harness sets it.
var harnessRetry = retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}

// harnessPoll is how often the harness's clients look at an order Pebble is issuing:
// Pebble, in the process, answers in milliseconds.
const harnessPoll = 10 * time.Millisecond

func startHarness(t *testing.T, sc providertest.Scenario) *providertest.Fake {
	t.Helper()
	srv, err := New(Options{OrdersPerPage: harnessOrdersPerPage})
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	t.Cleanup(srv.Close)
	key, err := acme.NewKey()
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	cfg := anyca.Config{Provider: acme.Name, BaseURL: srv.DirectoryURL, HTTPClient: srv.Client(), Retry: harnessRetry,
		ACME: &anyca.ACMEAccount{Key: key, AgreeTerms: true, StateDir: t.TempDir(), PollInterval: harnessPoll}}
	h := &seeder{t: t, srv: srv, key: key}
	want := h.seed(cfg, sc)
	seeded := srv.OrdersPlaced()
	return &providertest.Fake{
		Config:       cfg,
		Want:         want,
		FailNext:     srv.Faults.FailNext,
		Requests:     srv.Faults.Requests,
		Publish:      h.publishDomain,
		Roots:        srv.Roots,
		SetChaos:     srv.Faults.SetChaos,
		Injected:     srv.Faults.Injected,
		OrdersPlaced: func() map[string]int { return placedSince(seeded, srv.OrdersPlaced()) },
		Secrets:      keySecrets(key),
		WrongCredential: func(cfg anyca.Config) (anyca.Config, string) {
			other, err := acme.NewKey()
			if err != nil {
				t.Fatalf("acmetest: %v", err)
			}
			acct := *cfg.ACME
			acct.Key, acct.AgreeTerms, acct.StateDir = other, false, ""
			cfg.ACME = &acct
			return cfg, other
		},
		// The adapter registers no account without AgreeTerms: a key Pebble does not
		// know (accountDoesNotExist) is refused naming the terms to agree to.
		WrongCredentialKind: model.ErrInvalidArgument,
		Close:               srv.Close,
	}
}

// seeder places the scenario's orders and reads Pebble's answers back with acmez.
type seeder struct {
	t    *testing.T
	srv  *Server
	key  string
	once sync.Once
	ac   *acmez.Client
	acct acmez.Account
}

// raw returns an acmez client and the account, looked up once.
func (h *seeder) raw(ctx context.Context) (*acmez.Client, acmez.Account) {
	h.once.Do(func() {
		signer, err := acme.ParseKey(h.key)
		if err != nil {
			h.t.Errorf("acmetest: %v", err)
			return
		}
		h.ac = &acmez.Client{Directory: h.srv.DirectoryURL, HTTPClient: h.srv.Client()}
		h.acct, err = h.ac.GetAccount(ctx, acmez.Account{PrivateKey: signer})
		if err != nil {
			h.t.Errorf("acmetest: looking the account up: %v", err)
		}
		h.acct.PrivateKey = signer
	})
	return h.ac, h.acct
}

// seed places the orders of sc and returns what the provider must report.
func (h *seeder) seed(cfg anyca.Config, sc providertest.Scenario) providertest.Scenario {
	t := h.t
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := anyca.New(ctx, cfg)
	if err != nil {
		t.Fatalf("acmetest: anyca.New: %v", err)
	}
	var want providertest.Scenario
	ids := map[string]string{}
	// A certificate another replaces is placed first, so that the renewal can name it.
	order := slices.Clone(sc.Certificates)
	sort.SliceStable(order, func(i, j int) bool {
		return order[i].ReplacesID == "" && order[j].ReplacesID != ""
	})
	pending := map[string]bool{}
	for _, c := range order {
		req := model.OrderRequest{Names: c.DNSNames, CSR: providertest.NewCSR(c.DNSNames...), Method: model.ChallengeDNSTXT, Product: DefaultProfile}
		if c.ReplacesID != "" {
			req.Replaces = ids[c.ReplacesID]
		}
		got := h.place(ctx, p, req, c.Status)
		ids[c.ID] = got.ID
		if got.Status == model.StatusPending {
			pending[got.ID] = true
		}
		want.Certificates = append(want.Certificates, got)
	}
	for _, d := range sc.Domains {
		var st model.CertificateStatus
		switch d.Status {
		case model.ValidationValid:
			st = model.StatusIssued
		case model.ValidationPending:
			st = model.StatusPending
		default:
			continue // no order names a domain never started or expired
		}
		got := h.place(ctx, p, model.OrderRequest{Names: []string{d.Domain}, CSR: providertest.NewCSR(d.Domain), Method: model.ChallengeDNSTXT, Product: DefaultProfile}, st)
		want.Certificates = append(want.Certificates, got)
		want.Domains = append(want.Domains, h.domain(ctx, got))
		if st == model.StatusPending {
			pending[got.ID] = true
		}
	}
	want.Challenges = map[string][]model.Challenge{}
	for id := range pending {
		want.Challenges[id] = h.challenges(ctx, id, "")
	}
	return want
}

// place orders req through the adapter and brings the order to st: issued, revoked or
// (anything else) pending. It returns the certificate as the provider must report it,
// built from what was done and from the leaf Pebble issued.
func (h *seeder) place(ctx context.Context, p anyca.Provider, req model.OrderRequest, st model.CertificateStatus) model.Certificate {
	t := h.t
	ord, err := anyca.Order(ctx, p, req)
	if err != nil {
		t.Fatalf("acmetest: placing %v: %v", req.Names, err)
	}
	names := model.NormalizeDomains(req.Names)
	c := model.Certificate{Provider: acme.Name, ID: ord.ID, CommonName: names[0], DNSNames: names, Status: model.StatusPending,
		Level: model.LevelDV, Product: DefaultProfile, VendorStatus: acmez.StatusPending, CreatedAt: ord.CreatedAt, ReplacesID: req.Replaces}
	if st != model.StatusIssued && st != model.StatusRevoked && st != model.StatusExpired {
		return c
	}
	for _, ch := range h.challenges(ctx, ord.ID, model.ChallengeDNSTXT) {
		if err := h.srv.Publish(ch); err != nil {
			t.Fatalf("acmetest: %v", err)
		}
	}
	if _, err := anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT); err != nil {
		t.Fatalf("acmetest: verifying %v: %v", names, err)
	}
	if _, err := anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond}); err != nil {
		t.Fatalf("acmetest: validating %v: %v", names, err)
	}
	b, err := anyca.Download(ctx, p, ord.ID)
	if err != nil {
		t.Fatalf("acmetest: downloading %v: %v", names, err)
	}
	sum := sha1Hex(b.Leaf.Raw)
	c.Status, c.VendorStatus = model.StatusIssued, acmez.StatusValid
	c.SerialNumber = hex.EncodeToString(b.Leaf.SerialNumber.Bytes())
	c.FingerprintSHA1 = sum
	c.NotBefore, c.NotAfter = b.Leaf.NotBefore.UTC(), b.Leaf.NotAfter.UTC()
	if st == model.StatusRevoked {
		if err := anyca.Revoke(ctx, p, ord.ID, model.ReasonSuperseded); err != nil {
			t.Fatalf("acmetest: revoking %v: %v", names, err)
		}
		c.Status = model.StatusRevoked
	}
	return c
}

// challenges maps the challenges of every authorization of order id, as DESIGN.md
// says the adapter reports them; with typ set, only those of that type.
func (h *seeder) challenges(ctx context.Context, id string, typ model.ChallengeType) []model.Challenge {
	ac, acct := h.raw(ctx)
	if ac == nil {
		return nil
	}
	o, err := ac.GetOrder(ctx, acct, acmez.Order{Location: id})
	if err != nil {
		h.t.Fatalf("acmetest: reading order %s: %v", id, err)
	}
	var out []model.Challenge
	for _, u := range o.Authorizations {
		a, err := ac.GetAuthorization(ctx, acct, u)
		if err != nil {
			h.t.Fatalf("acmetest: reading authorization %s: %v", u, err)
		}
		for _, ch := range mapChallenges(a, acct) {
			if typ == "" || ch.Type == typ {
				out = append(out, ch)
			}
		}
	}
	return out
}

// mapChallenges is the documented mapping of an authorization's challenges, written
// here apart from the adapter's.
func mapChallenges(a acmez.Authorization, acct acmez.Account) []model.Challenge {
	name := strings.ToLower(a.Identifier.Value)
	domain := name
	if a.Wildcard {
		domain = "*." + name
	}
	thumb, _ := acct.Thumbprint()
	var out []model.Challenge
	for _, ch := range a.Challenges {
		keyAuth := ch.Token + "." + thumb
		digest := sha256.Sum256([]byte(keyAuth))
		txt := base64.RawURLEncoding.EncodeToString(digest[:])
		m := model.Challenge{Domain: domain, Token: ch.Token, ExpiresAt: a.Expires.UTC(), Status: model.ValidationPending}
		switch {
		case a.Status == acmez.StatusValid || ch.Status == acmez.StatusValid:
			m.Status = model.ValidationValid
		case a.Status == acmez.StatusInvalid || ch.Status == acmez.StatusInvalid:
			m.Status = model.ValidationFailed
		}
		if ch.Error != nil {
			m.Problem = strings.TrimSpace(ch.Error.Detail)
		}
		switch ch.Type {
		case acmez.ChallengeTypeDNS01:
			m.Type, m.RecordName, m.RecordValue = model.ChallengeDNSTXT, "_acme-challenge."+name, txt
		case acmez.ChallengeTypeHTTP01:
			m.Type, m.URL, m.Content = model.ChallengeHTTPFile, "http://"+name+"/.well-known/acme-challenge/"+ch.Token, keyAuth
		case acmez.ChallengeTypeTLSALPN01:
			m.Type, m.URL, m.Content = model.ChallengeTLSALPN, "https://"+name+":443/", keyAuth
		case acmez.ChallengeTypeDNSAccount01:
			m.Type, m.RecordName, m.RecordValue = model.ChallengeDNSAccount, strings.TrimSuffix(ch.DNSAccount01TXTRecordName(acct), "."), txt
		case acmez.ChallengeTypeDNSPersist01:
			if len(ch.IssuerDomainNames) == 0 {
				continue
			}
			m.Type, m.RecordName = model.ChallengeDNSPersist, strings.TrimSuffix(ch.DNSPersist01TXTRecordName(), ".")
			m.RecordValue = ch.DNSPersist01TXTRecordValue(acct, ch.IssuerDomainNames[0], a.Wildcard)
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// domain is the DomainValidation of the single name of order c, as the adapter reports
// a domain from the newest order naming it.
func (h *seeder) domain(ctx context.Context, c model.Certificate) model.DomainValidation {
	chs := h.challenges(ctx, c.ID, "")
	d := model.DomainValidation{Provider: acme.Name, Domain: c.CommonName, ID: c.ID, CertificateID: c.ID,
		Status: model.ValidationPending, Method: model.ChallengeDNSTXT, Challenges: chs}
	lv := model.LevelValidation{Level: model.LevelDV, Status: model.ValidationPending}
	if c.Status == model.StatusIssued {
		d.Status, lv.Status = model.ValidationValid, model.ValidationValid
		if len(chs) > 0 {
			lv.ValidUntil = chs[0].ExpiresAt
		}
	}
	d.Levels = []model.LevelValidation{lv}
	return d
}

// publishDomain publishes the dns-01 and http-01 answers of every pending
// authorization for domain, among the account's orders.
func (h *seeder) publishDomain(domain string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ac, acct := h.raw(ctx)
	if ac == nil {
		return
	}
	for _, u := range h.srv.orderURLs() {
		o, err := ac.GetOrder(ctx, acct, acmez.Order{Location: u})
		if err != nil || o.Status != acmez.StatusPending {
			continue
		}
		for _, au := range o.Authorizations {
			a, err := ac.GetAuthorization(ctx, acct, au)
			if err != nil || a.Status != acmez.StatusPending || !strings.EqualFold(a.Identifier.Value, strings.TrimPrefix(domain, "*.")) {
				continue
			}
			for _, ch := range mapChallenges(a, acct) {
				if ch.Type == model.ChallengeDNSTXT || ch.Type == model.ChallengeHTTPFile {
					_ = h.srv.Publish(ch)
				}
			}
		}
	}
}

// keySecrets are the forms of an account key (PEM) no output may show: the PEM, and the
// first line of its base64 body (what a print escaping the newlines still shows).
func keySecrets(key string) []string {
	out := []string{key}
	for _, line := range strings.Split(key, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "-----") {
			return append(out, line)
		}
	}
	return out
}

// placedSince returns the orders of now that were not yet placed at base (the seeding's),
// by set of names; sets with none left are dropped.
func placedSince(base, now map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range now {
		if d := n - base[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// orderURLs returns the URL of every order Pebble made, oldest first.
func (s *Server) orderURLs() []string {
	s.placedMu.Lock()
	defer s.placedMu.Unlock()
	return append([]string(nil), s.orders...)
}
