// Package harnesses holds each adapter's providertest.Harness, so that the adapters'
// conformance tests and the cross-provider reliability tests start the same fakes
// seeded the same way. A new adapter adds its harness here and to All.
//
// The package imports the adapters and their fakes; only tests import it.
package harnesses

import (
	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/zerossl"
)

// All returns the harness of every adapter, in a fixed order.
func All() []providertest.Harness {
	return []providertest.Harness{DigiCert(), ZeroSSL()}
}

// builtinClient is what every built-in adapter's client implements: the Provider and
// the optional interfaces both harnesses declare.
type builtinClient interface {
	anyca.Provider
	anyca.DomainLister
	anyca.Verifier
	anyca.Downloader
	anyca.CAAIdentifier
}

// The clients implement, at compile time, what their harnesses declare (the suite checks
// the declarations against the running Provider). ZeroSSL has no batch endpoint and is
// deliberately no BatchGetter (its TestNotBatchGetter checks that).
var (
	_ builtinClient     = (*digicert.Client)(nil)
	_ anyca.BatchGetter = (*digicert.Client)(nil)
	_ builtinClient     = (*zerossl.Client)(nil)
)
