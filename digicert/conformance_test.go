package digicert_test

import (
	"testing"
	"time"

	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

func harness() providertest.Harness { return harnesses.DigiCert() }

// TestHarness checks the harness itself: the fake it starts answers with Want, and Want
// is the one certificate, domain and challenge seeded.
func TestHarness(t *testing.T) {
	h := harness()
	sc := providertest.Scenario{
		Certificates: []model.Certificate{{ID: "a", CommonName: "a.example.com", Status: model.StatusIssued, Level: model.LevelDV,
			NotBefore: time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}},
		Domains: []model.DomainValidation{{Domain: "a.example.com", Method: model.ChallengeHTTPFile}},
		Challenges: map[string][]model.Challenge{"a": {{Domain: "a.example.com", Type: model.ChallengeDNSTXT,
			Status: model.ValidationPending}}},
	}
	f := providertest.CheckReportsWant(t, h, sc, false) // List domains gives no DCV token
	c := f.Want.Certificates[0]
	if len(f.Want.Certificates) != 1 || c.Level != model.LevelDV {
		t.Fatalf("Want.Certificates = %+v; want the one DV certificate seeded", f.Want.Certificates)
	}
	if d := f.Want.Domains; len(d) != 1 || d[0].ID == "" || len(d[0].Challenges) != 1 {
		t.Fatalf("Want.Domains = %+v; want the one domain seeded, with an id and its challenge", d)
	}
	// CertCentral keeps a record per domain: its id is the DomainValidation's ID, and no
	// certificate stands behind it.
	if d := f.Want.Domains[0]; d.DomainID == "" || d.ID != d.DomainID || d.CertificateID != "" {
		t.Errorf("domain ids: ID %q, DomainID %q, CertificateID %q; want ID = DomainID, no CertificateID", d.ID, d.DomainID, d.CertificateID)
	}
	if chs := f.Want.Challenges[c.ID]; len(chs) != 1 || chs[0].Type != model.ChallengeDNSTXT {
		t.Fatalf("Want.Challenges = %+v; want the one dns-txt challenge seeded", f.Want.Challenges)
	}
}

// TestConformance runs the shared conformance suite against the fake CertCentral.
func TestConformance(t *testing.T) {
	providertest.Run(t, harness())
}
