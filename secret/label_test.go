package secret

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
)

// labelled embeds a Label next to a Key, as the adapters' clients do.
type labelled struct {
	Label
	key Key
}

func TestLabelIsAllThatPrints(t *testing.T) {
	v := &labelled{NewLabel("x.Client{base: https://ca.example}"), New(key)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d"} {
		if got := fmt.Sprintf(verb, v); got != "x.Client{base: https://ca.example}" {
			t.Errorf("%s printed %q, want the label", verb, got)
		}
	}
	if got := fmt.Sprintf("%q", *v); got != `"x.Client{base: https://ca.example}"` {
		t.Errorf("%%q printed %s, want the label quoted", got)
	}
	var text bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "client", v)
	if !bytes.Contains(text.Bytes(), []byte(`client="x.Client{base: https://ca.example}"`)) || bytes.Contains(text.Bytes(), []byte(key)) {
		t.Errorf("slog printed %s", text.String())
	}
}
