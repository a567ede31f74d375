package anyca

import (
	"context"
	"testing"
)

// A builtin adapter that refuses its config returns a nil Provider, not a typed nil
// client that would compare non-nil.
func TestBuiltinsRefuseWithNilProvider(t *testing.T) {
	for name, newFn := range builtins() {
		p, err := newFn(context.Background(), Config{Provider: name})
		if err == nil {
			t.Errorf("%s: a config without a key was accepted", name)
		}
		if p != nil {
			t.Errorf("%s: refused config returned a non-nil Provider %T", name, p)
		}
	}
}
