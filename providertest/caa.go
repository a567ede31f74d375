package providertest

import (
	"slices"
	"testing"

	"github.com/anyca/anyca"
)

// CheckCAAIdentities fails t unless p is an anyca.CAAIdentifier whose identities, read
// directly and through anyca.CAAIdentities, are want in order, and each call returns
// the caller its own copy: changing the slice one call returned does not change the next
// answer. The adapter's test gives want from its api-notes.
func CheckCAAIdentities(t testing.TB, p anyca.Provider, want ...string) {
	t.Helper()
	ci, ok := p.(anyca.CAAIdentifier)
	if !ok {
		t.Fatalf("%T is not an anyca.CAAIdentifier", p)
	}
	got := ci.CAAIdentities()
	if !slices.Equal(got, want) {
		t.Fatalf("CAAIdentities() = %q, want %q", got, want)
	}
	if via := anyca.CAAIdentities(p); !slices.Equal(via, want) {
		t.Fatalf("anyca.CAAIdentities = %q, want %q", via, want)
	}
	for i := range got {
		got[i] = "changed.example"
	}
	if again := ci.CAAIdentities(); !slices.Equal(again, want) {
		t.Fatalf("after the caller changed its slice, CAAIdentities() = %q, want %q: the caller's slice is no copy", again, want)
	}
}
