package digicert_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

func harness() providertest.Harness { return harnesses.DigiCert() }

// TestHarness checks the harness itself: the fake it starts answers with Want.
func TestHarness(t *testing.T) {
	h := harness()
	sc := providertest.Scenario{
		Certificates: []model.Certificate{{ID: "a", CommonName: "a.example.com", Status: model.StatusIssued, Level: model.LevelDV,
			NotBefore: time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}},
		Domains: []model.DomainValidation{{Domain: "a.example.com", Method: model.ChallengeHTTPFile}},
		Challenges: map[string][]model.Challenge{"a": {{Domain: "a.example.com", Type: model.ChallengeDNSTXT,
			Status: model.ValidationPending}}},
	}
	f := h.Start(t, sc)
	p, err := anyca.New(context.Background(), f.Config)
	if err != nil {
		t.Fatal(err)
	}
	id := f.Want.Certificates[0].ID
	c, err := p.Certificate(context.Background(), id)
	if err != nil || c.NotAfter != f.Want.Certificates[0].NotAfter || c.Level != model.LevelDV {
		t.Fatalf("Certificate = %+v, %v; want %+v", c, err, f.Want.Certificates[0])
	}
	d, err := p.DomainValidation(context.Background(), "a.example.com")
	if err != nil || d.ID != f.Want.Domains[0].ID || len(d.Challenges) != 1 {
		t.Fatalf("DomainValidation = %+v, %v", d, err)
	}
	chs, err := p.Challenges(context.Background(), id)
	if err != nil || len(chs) != 1 || !reflect.DeepEqual(chs[0], f.Want.Challenges[id][0]) {
		t.Fatalf("Challenges = %+v, %v; want %+v", chs, err, f.Want.Challenges[id])
	}
}

// TestConformance runs the shared conformance suite against the fake CertCentral.
func TestConformance(t *testing.T) {
	providertest.Run(t, harness())
}
