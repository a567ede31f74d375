package zerossl_test

import (
	"testing"
	"time"

	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

func harness() providertest.Harness { return harnesses.ZeroSSL() }

// sampleScenario exercises what the harness must translate.
func sampleScenario() providertest.Scenario {
	day := 24 * time.Hour
	now := time.Now().UTC().Truncate(time.Second)
	return providertest.Scenario{
		Certificates: []model.Certificate{
			{ID: "cert-1", CommonName: "shop.example.com", DNSNames: []string{"www.shop.example.com"}, Status: model.StatusIssued,
				Level: model.LevelOV, CreatedAt: now.Add(-30 * day), NotAfter: now.Add(60 * day), SerialNumber: "01"},
			{ID: "cert-2", CommonName: "shop.example.com", Status: model.StatusPending, CreatedAt: now.Add(-day), ReplacesID: "cert-1"},
			{CommonName: "old.example.org", Status: model.StatusExpired, CreatedAt: now.Add(-400 * day), NotAfter: now.Add(-10 * day)},
			{CommonName: "gone.example.org", Status: model.StatusRejected},
		},
		Domains: []model.DomainValidation{
			{Domain: "api.example.net", Status: model.ValidationValid, Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid}}},
			{Domain: "new.example.net", Status: model.ValidationPending, Method: model.ChallengeDNSCNAME,
				Challenges: []model.Challenge{{Type: model.ChallengeDNSCNAME, RecordName: "_X.new.example.net", RecordValue: "Y.Z.COMODOCA.COM"},
					{Type: model.ChallengeDNSTXT, RecordName: "_t.new.example.net", RecordValue: "v"}}},
		},
		Challenges: map[string][]model.Challenge{
			"cert-2": {{Domain: "shop.example.com", Type: model.ChallengeHTTPFile, URL: "http://shop.example.com/.well-known/pki-validation/A.txt", Content: "A\ncomodoca.com\nt"},
				{Domain: "shop.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@shop.example.com"}}},
		},
	}
}

// TestHarness checks, independently of the shared suite, that a provider pointed at the
// harness's fake reports exactly Want.
func TestHarness(t *testing.T) {
	f := providertest.CheckReportsWant(t, harness(), sampleScenario(), true)
	wantIDs := map[string]bool{}
	replaces := 0
	for _, c := range f.Want.Certificates {
		wantIDs[c.ID] = true
	}
	for _, c := range f.Want.Certificates {
		if c.ReplacesID != "" {
			replaces++
			if !wantIDs[c.ReplacesID] {
				t.Errorf("ReplacesID %q not remapped", c.ReplacesID)
			}
		}
	}
	if replaces != 1 {
		t.Errorf("%d certificates replace another, want 1", replaces)
	}
	names := map[string]model.ValidationStatus{}
	for _, d := range f.Want.Domains {
		names[d.Domain] = d.Status
		// ZeroSSL has no domain objects: a domain's state is its newest certificate's.
		if d.DomainID != "" || !wantIDs[d.CertificateID] || d.ID != d.CertificateID {
			t.Errorf("%s: ID %q, DomainID %q, CertificateID %q; want ID = CertificateID, a listed certificate, and no DomainID",
				d.Domain, d.ID, d.DomainID, d.CertificateID)
		}
	}
	if names["api.example.net"] != model.ValidationValid || names["new.example.net"] != model.ValidationPending ||
		names["shop.example.com"] != model.ValidationPending || names["old.example.org"] != model.ValidationExpired {
		t.Errorf("domain states: %v", names)
	}
	if _, ok := names["gone.example.org"]; ok {
		t.Error("a name only on a cancelled certificate must not be listed")
	}
}

// TestConformance runs the shared provider suite against the zerossltest fake.
func TestConformance(t *testing.T) {
	providertest.Run(t, harness())
}
