package demo

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
)

var now = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

func TestDeterministic(t *testing.T) {
	if !reflect.DeepEqual(DigiCert(1, now), DigiCert(1, now)) || !reflect.DeepEqual(ZeroSSL(1, now), ZeroSSL(1, now)) {
		t.Fatal("same seed and now gave different accounts")
	}
	if reflect.DeepEqual(DigiCert(1, now), DigiCert(2, now)) || reflect.DeepEqual(ZeroSSL(1, now), ZeroSSL(2, now)) {
		t.Fatal("different seeds gave the same account")
	}
	// Dates move with now.
	a, b := DigiCert(1, now), DigiCert(1, now.Add(48*time.Hour))
	if !b.Certificates[0].CreatedAt.Equal(a.Certificates[0].CreatedAt.Add(48 * time.Hour)) {
		t.Error("dates are not relative to now")
	}
}

func TestDigiCertAccount(t *testing.T) {
	acct := DigiCert(DefaultSeed, now)
	checkCertificates(t, acct, []model.CertificateStatus{model.StatusPending, model.StatusIssued, model.StatusRevoked,
		model.StatusCancelled, model.StatusRejected, model.StatusExpired})
	levels := map[model.ValidationLevel]bool{}
	for _, c := range acct.Certificates {
		levels[c.Level] = true
	}
	if !levels[model.LevelDV] || !levels[model.LevelOV] || !levels[model.LevelEV] {
		t.Errorf("levels %v", levels)
	}
	var soon, expired, pending, ev int
	for _, d := range acct.Domains {
		if _, err := model.NormalizeDomain(d.Domain); err != nil {
			t.Errorf("domain %q: %v", d.Domain, err)
		}
		switch {
		case d.Status == model.ValidationPending:
			pending++
			if len(d.Challenges) != 1 || d.Method == "" {
				t.Errorf("pending %s has no challenge", d.Domain)
			}
		case d.ValidUntil().IsZero():
			expired++
		case d.ValidUntil().Before(now.Add(30 * 24 * time.Hour)):
			soon++
		}
		for _, l := range d.Levels {
			if l.Level == model.LevelEV {
				ev++
			}
		}
	}
	if soon == 0 || expired == 0 || pending < 3 || ev == 0 {
		t.Errorf("domains: %d lapsing soon, %d expired, %d pending, %d with EV", soon, expired, pending, ev)
	}
	if len(acct.Challenges[acct.FeaturedCertificateID]) == 0 {
		t.Error("featured order has no challenges")
	}
}

func TestZeroSSLAccount(t *testing.T) {
	acct := ZeroSSL(DefaultSeed, now)
	checkCertificates(t, acct, []model.CertificateStatus{model.StatusDraft, model.StatusPending, model.StatusIssued,
		model.StatusRevoked, model.StatusCancelled, model.StatusExpired})
	for _, c := range acct.Certificates {
		if c.Level != model.LevelDV || len(c.ID) != 32 {
			t.Fatalf("not a ZeroSSL certificate: %+v", c)
		}
	}
}

func checkCertificates(t *testing.T, acct Account, states []model.CertificateStatus) {
	t.Helper()
	if n := len(acct.Certificates); n < 100 {
		t.Errorf("only %d certificates", n)
	}
	count := map[model.CertificateStatus]int{}
	ids := map[string]bool{}
	soon := 0
	for _, c := range acct.Certificates {
		count[c.Status]++
		if ids[c.ID] {
			t.Errorf("duplicate id %s", c.ID)
		}
		ids[c.ID] = true
		if c.CommonName != c.DNSNames[0] {
			t.Errorf("%s: common name not first", c.ID)
		}
		if c.ExpiresWithin(now, 30*24*time.Hour) {
			soon++
		}
		if c.Status == model.StatusIssued && !c.NotAfter.After(now) {
			t.Errorf("%s issued but expired", c.ID)
		}
		if c.Status == model.StatusExpired && c.NotAfter.After(now) {
			t.Errorf("%s expired in the future", c.ID)
		}
	}
	for _, st := range states {
		if count[st] == 0 {
			t.Errorf("no %s certificate", st)
		}
	}
	if soon == 0 {
		t.Error("nothing expires within 30 days")
	}
	if !ids[acct.FeaturedCertificateID] {
		t.Error("featured certificate missing")
	}
}

// TestZonesCoverEveryName: every name of every generated certificate and domain falls
// under one of Zones, so the simulator's DNS server and file host can publish for it.
func TestZonesCoverEveryName(t *testing.T) {
	zones := Zones()
	under := func(name string) bool {
		name = strings.TrimPrefix(name, "*.")
		for _, z := range zones {
			if name == z || strings.HasSuffix(name, "."+z) {
				return true
			}
		}
		return false
	}
	for _, acct := range []Account{DigiCert(DefaultSeed, now), ZeroSSL(DefaultSeed, now), DigiCert(7, now)} {
		for _, c := range acct.Certificates {
			for _, n := range append([]string{c.CommonName}, c.DNSNames...) {
				if !under(n) {
					t.Errorf("certificate %s: %s is under no zone", c.ID, n)
				}
			}
		}
		for _, d := range acct.Domains {
			if !under(d.Domain) {
				t.Errorf("domain %s is under no zone", d.Domain)
			}
		}
	}
	if !under(FeaturedDomain) || !sort.StringsAreSorted(zones) {
		t.Errorf("zones %v", zones)
	}
}
