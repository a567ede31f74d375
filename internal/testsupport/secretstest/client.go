package secretstest

import (
	"testing"
	"time"

	"github.com/anyca/anyca/retry"
)

// SpecialKey is a key with characters that change when URL-escaped, so that a check
// for the raw key alone would miss an escaped copy.
const SpecialKey = "k3y/with+special=chars&x"

// Keys returns the keys every failure path is run with: plain (the adapter's own, in
// the shape its vendor issues) and SpecialKey.
func Keys(plain string) []string { return []string{plain, SpecialKey} }

// Retry is the retry config of a client under a failure path: few attempts, short
// waits, no client-side rate limit, so that exhausting the retries is quick.
var Retry = retry.Config{MaxAttempts: 3, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, RequestsPerSecond: -1}

// NewClient returns the client newClient builds (with a key and an Env, typically),
// and fails t when it cannot be built.
func NewClient[C any](t testing.TB, newClient func() (C, error)) C {
	t.Helper()
	c, err := newClient()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
