package retry

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves goroutines behind: an attempt's timeout
// context or a response body left open would show up here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
