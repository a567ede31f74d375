package main

import (
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/digicert/digicerttest"
)

// simAPIKeyDigiCert is the published key of the simulated DigiCert account.
const simAPIKeyDigiCert = "anyca-sim-digicert-demo-key"

// newSimDigiCert seeds a DigiCert CertCentral fake with the generated demo account.
func newSimDigiCert(seed uint64, now time.Time, world *simWorld) simCA {
	return newSimDigiCertAt(seed, now, world, "/digicert", simAPIKeyDigiCert, "DigiCert")
}

// newSimDigiCertAt seeds a DigiCert fake served under prefix that accepts key and
// looks at world for its DCV checks.
func newSimDigiCertAt(seed uint64, now time.Time, world *simWorld, prefix, key, label string) simCA {
	acct := demo.DigiCert(seed, now)
	fake := digicerttest.NewUnstarted(digicerttest.WithAPIKey(key), digicerttest.WithPublished(world.published))
	ca := simCA{provider: "digicert", label: label, prefix: prefix, basePath: digicerttest.BasePath,
		apiKey: fake.APIKey, handler: fake.Handler(), noun: "order", missingID: "404404", featuredCert: acct.FeaturedCertificateID,
		failNext: fake.FailNext, world: world}
	for _, d := range acct.Domains {
		fake.AddDomain(d)
	}
	for _, c := range acct.Certificates {
		fake.AddCertificate(c)
	}
	for id, chs := range acct.Challenges {
		fake.SetChallenges(id, chs)
	}
	ca.certs, ca.domains = len(acct.Certificates), len(acct.Domains)
	return ca
}
