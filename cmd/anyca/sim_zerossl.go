package main

import (
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// simAPIKeyZeroSSL is the published key of the simulated ZeroSSL account.
const simAPIKeyZeroSSL = "anyca-sim-zerossl-demo-key"

// newSimZeroSSL seeds a ZeroSSL fake with the generated demo account; it looks at
// world for its DCV checks.
func newSimZeroSSL(seed uint64, now time.Time, world *simWorld) simCA {
	acct := demo.ZeroSSL(seed, now)
	fake := zerossltest.NewUnstarted(zerossltest.WithAPIKey(simAPIKeyZeroSSL), zerossltest.WithPublished(world.published))
	ca := simCA{provider: "zerossl", label: "ZeroSSL", prefix: "/zerossl", apiKey: fake.APIKey, handler: fake.Handler(), noun: "certificate",
		missingID: "00000000000000000000000000000404", failNext: fake.FailNext, world: world}
	for _, c := range acct.Certificates {
		got := fake.AddCertificate(c)
		if c.ID == acct.FeaturedCertificateID {
			ca.featuredCert = got.ID
		}
	}
	ca.certs = len(acct.Certificates)
	return ca
}
