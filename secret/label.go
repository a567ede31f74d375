package secret

import (
	"fmt"
	"log/slog"
)

// Label is a fixed description of a value that holds a key, made when the value is built
// and already free of the key (an adapter's Client embeds one). It prints as that
// description under every fmt verb and flag, %#v included, and in slog: a type embedding
// a Label gets String, GoString, Format and LogValue that never reach its other fields.
type Label struct {
	text string
}

// NewLabel returns a Label printing text, which the caller has made without the key.
func NewLabel(text string) Label { return Label{text: text} }

// String returns the description.
func (l Label) String() string { return l.text }

// GoString is String, for %#v.
func (l Label) GoString() string { return l.text }

// Format prints String whatever the verb or flags (%q quotes it).
func (l Label) Format(f fmt.State, verb rune) { Write(f, verb, l.text) }

// LogValue makes slog print String.
func (l Label) LogValue() slog.Value { return slog.StringValue(l.text) }
