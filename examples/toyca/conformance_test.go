package toyca_test

import (
	"testing"
	"time"

	"example.com/toyca"
	"example.com/toyca/toycatest"
	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// harness connects the suite to a toycatest fake. ToyCA keeps every scenario value, so
// Want is the scenario as the fake stored it (ToyCA's words, what it does not keep
// cleared).
func harness() providertest.Harness {
	return providertest.Harness{
		Name: toyca.Name,
		Capabilities: providertest.Capabilities{
			// The gaps, each checked by the suite to be reported as unsupported: no domain
			// listing, no batch lookup, no DCV check on demand, no download.
			DomainLister: false, BatchGetter: false, Verifier: false, Downloader: false,
			Levels: []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV},
			CertificateStatuses: []model.CertificateStatus{model.StatusIssued, model.StatusPending, model.StatusDraft,
				model.StatusRevoked, model.StatusCancelled, model.StatusExpired},
			ChallengeTypes: model.ChallengeTypes(),
			Chaos:          true, // the fakeca.Base's injector
		},
		Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
			srv := toycatest.NewServer()
			t.Cleanup(srv.Close)
			for _, c := range sc.Certificates {
				srv.AddCertificate(c)
			}
			want := providertest.Scenario{Certificates: srv.Certificates(), Challenges: map[string][]model.Challenge{}}
			for _, d := range sc.Domains {
				want.Domains = append(want.Domains, srv.AddDomain(d))
			}
			for id, chs := range sc.Challenges {
				want.Challenges[id] = srv.SetChallenges(id, chs)
			}
			return &providertest.Fake{
				Config: anyca.Config{Provider: toyca.Name, APIKey: toycatest.APIKey, BaseURL: srv.URL,
					Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
				Want: want, FailNext: srv.FailNext, Requests: srv.Requests,
				SetChaos: srv.SetChaos, Injected: srv.Injected, Close: srv.Close,
			}
		},
	}
}

func TestConformance(t *testing.T) { providertest.Run(t, harness()) }

// TestHarness checks the harness on its own: a provider pointed at its fake reports
// exactly Want, and the adapter's own Config never prints its key.
func TestHarness(t *testing.T) {
	providertest.CheckReportsWant(t, harness(), providertest.DefaultScenario(), false)
	cfg := toyca.Config{APIKey: secret.New(toycatest.APIKey), BaseURL: "https://api.toyca.example"}
	providertest.AssertNeverPrints(t, "a toyca.Config", cfg, toycatest.APIKey)
}
