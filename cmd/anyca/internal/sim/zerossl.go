package sim

import (
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// apiKeyZeroSSL is the published key of the simulated ZeroSSL account.
const apiKeyZeroSSL = "anyca-sim-zerossl-demo-key"

// newZeroSSL seeds a ZeroSSL fake with the generated demo account; it looks at
// world for its DCV checks.
func newZeroSSL(seed uint64, now time.Time, world *World) CA {
	acct := demo.ZeroSSL(seed, now)
	fake := zerossltest.NewUnstarted(zerossltest.WithAPIKey(apiKeyZeroSSL), zerossltest.WithPublished(world.published))
	ca := CA{Provider: "zerossl", Label: "ZeroSSL", prefix: "/zerossl", APIKey: fake.APIKey, handler: fake.Handler(), Noun: "certificate",
		MissingID: "00000000000000000000000000000404", FailNext: fake.FailNext, World: world}
	for _, c := range acct.Certificates {
		got := fake.AddCertificate(c)
		if c.ID == acct.FeaturedCertificateID {
			ca.FeaturedCert = got.ID
		}
	}
	ca.Certs = len(acct.Certificates)
	return ca
}
