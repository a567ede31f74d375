package providertest_test

import (
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/internal/memca"
	"github.com/anyca/anyca/retry"
)

func init() { anyca.Register(memca.Name, memca.New) }

// memoryHarness connects the suite to the in-memory CA, which can represent every
// scenario value as it is: Want is the scenario with ids assigned.
func memoryHarness(bugs memca.Bugs) providertest.Harness {
	return providertest.Harness{
		Name: memca.Name,
		Capabilities: providertest.Capabilities{
			DomainLister:        true,
			BatchGetter:         false,
			Levels:              []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV},
			CertificateStatuses: model.CertificateStatuses(),
			ChallengeTypes:      model.ChallengeTypes(),
		},
		Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
			srv := memca.NewServer(sc.Certificates, sc.Domains, sc.Challenges)
			srv.Bugs = bugs
			t.Cleanup(srv.Close)
			return &providertest.Fake{
				Config: anyca.Config{Provider: memca.Name, APIKey: srv.APIKey, BaseURL: srv.URL,
					Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
				Want: providertest.Scenario{
					Certificates: srv.Certificates(),
					Domains:      srv.Domains(),
					Challenges:   srv.Challenges(),
				},
				FailNext: srv.FailNext,
				Requests: srv.Requests,
			}
		},
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, memoryHarness(memca.Bugs{}))
}
