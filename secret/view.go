package secret

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Field is one printable field of a View: its Go name, its JSON and slog name, and its
// value.
type Field struct {
	Name, Key, Value string
}

// View is the printable summary of a value that holds an API key: the type's name, the
// key (always shown masked) and the fields safe to show. An adapter's Config prints
// through a View, so every config prints alike and none can print its key.
type View struct {
	Type   string
	APIKey string
	Fields []Field
}

// String renders Type{APIKey: "[REDACTED]", Name: "value", ...}.
func (v View) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s{APIKey: %q", v.Type, Mask(v.APIKey))
	for _, f := range v.Fields {
		fmt.Fprintf(&b, ", %s: %q", f.Name, f.Value)
	}
	b.WriteByte('}')
	return b.String()
}

// MarshalJSON renders {"api_key": "[REDACTED]", key: value, ...}.
func (v View) MarshalJSON() ([]byte, error) {
	m := map[string]string{"api_key": Mask(v.APIKey)}
	for _, f := range v.Fields {
		m[f.Key] = f.Value
	}
	return json.Marshal(m)
}

// LogValue renders a slog group of api_key (masked) and the fields by Key.
func (v View) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("api_key", Mask(v.APIKey))}
	for _, f := range v.Fields {
		attrs = append(attrs, slog.String(f.Key, f.Value))
	}
	return slog.GroupValue(attrs...)
}
