package secret

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const key = "s3cr3t-key-value-0123456789"

// holder keeps a Key in an unexported field, as the adapters do.
type holder struct {
	name string
	key  Key
}

func TestKeyNeverPrints(t *testing.T) {
	k := New(key)
	values := map[string]any{"Key": k, "*Key": &k, "struct": holder{"x", k}, "*struct": &holder{"x", k}}
	for what, v := range values {
		var outs []string
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("m", "k", v)
		slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "k", v)
		b, _ := json.Marshal(v)
		outs = append(outs, text.String(), js.String(), string(b))
		for _, s := range outs {
			for _, f := range []string{key, hex.EncodeToString([]byte(key)), strings.ToUpper(hex.EncodeToString([]byte(key)))} {
				if strings.Contains(s, f) {
					t.Errorf("%s printed the key: %s", what, s)
				}
			}
		}
	}
	if k.Reveal() != key || New("").Reveal() != "" || !New("").IsZero() || k.IsZero() {
		t.Error("Reveal and IsZero must give the key back")
	}
	if fmt.Sprint(k) != Redacted || fmt.Sprint(Key{}) != "" {
		t.Errorf("a key prints %q, an empty one %q", fmt.Sprint(k), fmt.Sprint(Key{}))
	}
}

func TestViewPrintsNoKey(t *testing.T) {
	v := View{Type: "x.Config", APIKey: key, Fields: []Field{{Name: "BaseURL", Key: "base_url", Value: "https://ca.example"}}}
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{v.String(), string(b), v.LogValue().String()} {
		if strings.Contains(s, key) || !strings.Contains(s, "https://ca.example") || !strings.Contains(s, Redacted) {
			t.Errorf("a view printed %s", s)
		}
	}
}
