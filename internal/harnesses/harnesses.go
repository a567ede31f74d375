// Package harnesses holds each adapter's providertest.Harness, so that the adapters'
// conformance tests and the cross-provider reliability tests start the same fakes
// seeded the same way. A new adapter adds its harness here and to All.
//
// The package imports the adapters and their fakes; only tests import it.
package harnesses

import "github.com/anyca/anyca/providertest"

// All returns the harness of every adapter, in a fixed order.
func All() []providertest.Harness {
	return []providertest.Harness{DigiCert(), ZeroSSL()}
}
