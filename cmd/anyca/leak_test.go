package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the tests if a goroutine outlives them: the simulator and the demo
// must shut their servers down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
