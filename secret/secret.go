// Package secret holds Key, the type every anyca struct that keeps an API key stores it
// in. A Key prints as "[REDACTED]" (or "" when empty) under every fmt verb and flag, in
// slog, and in JSON and text marshalling; only Reveal returns the value.
//
// The value sits behind a pointer, so that even fmt's reflective printing of a struct
// holding a Key in an unexported field (as it does for a bad verb such as %s on a struct)
// shows an address, never the characters of the key.
//
// The package is public and kept stable for adapters outside this repository: Key for
// the stored key, Label for a Client's print methods and View for a Config's, so that
// no adapter can print its key (providertest.Run and AssertNeverPrints check it).
package secret

import (
	"fmt"
	"log/slog"
)

// Redacted is what a non-empty Key prints as.
const Redacted = "[REDACTED]"

// Key is an API key that cannot be printed. The zero Key is empty.
type Key struct {
	v *string
}

// New returns a Key holding s.
func New(s string) Key {
	if s == "" {
		return Key{}
	}
	return Key{v: &s}
}

// Reveal returns the key itself, for putting it into a request. Nothing else does.
func (k Key) Reveal() string {
	if k.v == nil {
		return ""
	}
	return *k.v
}

// IsZero reports whether the key is empty.
func (k Key) IsZero() bool { return k.v == nil || *k.v == "" }

// String returns Redacted, or "" for an empty key.
func (k Key) String() string {
	if k.IsZero() {
		return ""
	}
	return Redacted
}

// GoString is String, for %#v.
func (k Key) GoString() string { return k.String() }

// Format writes String whatever the verb and flags (%v %+v %#v %s %q %x %X %d ...);
// %q quotes it.
func (k Key) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", k.String())
		return
	}
	_, _ = f.Write([]byte(k.String()))
}

// LogValue makes slog print String.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON encodes String as a JSON string.
func (k Key) MarshalJSON() ([]byte, error) { return []byte(`"` + k.String() + `"`), nil }

// MarshalText encodes String.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }
