package anyca_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them, such as a lookup
// CertificatesByID started and did not wait for.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
