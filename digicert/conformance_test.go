package digicert_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
)

// harness seeds a digicerttest.Server from a scenario. Certificate ids are replaced by
// numeric order ids (CertCentral's), and Challenges are re-keyed to match.
func harness() providertest.Harness {
	return providertest.Harness{
		Name: "digicert",
		Capabilities: providertest.Capabilities{
			DomainLister: true,
			BatchGetter:  true,
			Levels:       []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV},
			CertificateStatuses: []model.CertificateStatus{model.StatusPending, model.StatusIssued,
				model.StatusRevoked, model.StatusCancelled, model.StatusRejected, model.StatusExpired},
			Verifier:   true,
			Downloader: true,
			Chaos:      true,
			ChallengeTypes: []model.ChallengeType{model.ChallengeDNSTXT, model.ChallengeDNSCNAME,
				model.ChallengeHTTPFile, model.ChallengeEmail},
		},
		Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
			s := digicerttest.NewServer()
			t.Cleanup(s.Close)
			var want providertest.Scenario
			ids := map[string]string{}
			for _, c := range sc.Certificates {
				old := c.ID
				c.ID = ""
				got := s.AddCertificate(c)
				ids[old] = got.ID
				want.Certificates = append(want.Certificates, got)
			}
			for _, d := range sc.Domains {
				want.Domains = append(want.Domains, s.AddDomain(d))
			}
			if len(sc.Challenges) > 0 {
				want.Challenges = map[string][]model.Challenge{}
				for old, chs := range sc.Challenges {
					id, ok := ids[old]
					if !ok {
						continue
					}
					want.Challenges[id] = s.SetChallenges(id, chs)
				}
			}
			return &providertest.Fake{
				Config: anyca.Config{Provider: "digicert", APIKey: s.APIKey, BaseURL: s.URL,
					Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
				Want:     want,
				FailNext: s.FailNext,
				Requests: s.Requests,
				Publish:  s.Publish,
				Roots:    digicerttest.Roots(),
				SetChaos: s.SetChaos,
				Injected: s.Injected,
			}
		},
	}
}

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
