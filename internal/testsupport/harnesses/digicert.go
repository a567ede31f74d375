package harnesses

import (
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
)

// DigiCert connects the conformance suite to a fresh digicerttest.Server seeded from a
// scenario. Certificate ids are replaced by
// numeric order ids (CertCentral's), and Challenges are re-keyed to match.
func DigiCert() providertest.Harness {
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
			Orderer:    true, Revoker: true, Canceller: true, OrderMethod: model.ChallengeDNSTXT,
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
					DigiCert: &anyca.DigiCertSettings{OrganizationID: "4242", SkipApproval: true},
					Retry:    retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
				Want:         want,
				FailNext:     s.FailNext,
				Requests:     s.Requests,
				Publish:      s.Publish,
				Roots:        digicerttest.Roots(),
				SetChaos:     s.SetChaos,
				Injected:     s.Injected,
				OrdersPlaced: s.OrdersPlaced,
				Close:        s.Close,
			}
		},
	}
}
