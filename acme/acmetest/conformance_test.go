package acmetest_test

import (
	"testing"

	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/providertest"
)

// TestConformance runs the conformance suite against the ACME adapter on Pebble.
func TestConformance(t *testing.T) {
	providertest.Run(t, acmetest.Harness())
}
