package sim

import (
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/digicert/digicerttest"
)

// apiKeyDigiCert is the published key of the simulated DigiCert account.
const apiKeyDigiCert = "anyca-sim-digicert-demo-key"

// newDigiCert seeds a DigiCert CertCentral fake with the generated demo account.
func newDigiCert(seed uint64, now time.Time, world *World) CA {
	return newDigiCertAt(seed, now, world, "/digicert", apiKeyDigiCert, "DigiCert")
}

// newDigiCertAt seeds a DigiCert fake served under prefix that accepts key and
// looks at world for its DCV checks.
func newDigiCertAt(seed uint64, now time.Time, world *World, prefix, key, label string) CA {
	acct := demo.DigiCert(seed, now)
	fake := digicerttest.NewUnstarted(digicerttest.WithAPIKey(key), digicerttest.WithPublished(world.published))
	ca := CA{Provider: "digicert", Label: label, prefix: prefix, basePath: digicerttest.BasePath,
		APIKey: fake.APIKey, handler: fake.Handler(), Noun: "order", MissingID: "404404", FeaturedCert: acct.FeaturedCertificateID,
		FailNext: fake.FailNext, World: world}
	for _, d := range acct.Domains {
		fake.AddDomain(d)
	}
	for _, c := range acct.Certificates {
		fake.AddCertificate(c)
	}
	for id, chs := range acct.Challenges {
		fake.SetChallenges(id, chs)
	}
	ca.Certs, ca.Domains = len(acct.Certificates), len(acct.Domains)
	return ca
}
