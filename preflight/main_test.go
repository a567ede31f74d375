package preflight

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a check leaves a goroutine behind: a query or a
// request outliving its timeout or a cancelled ctx.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
