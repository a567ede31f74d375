package secretstest

import (
	"errors"
	"fmt"
	"net/url"
	"testing"
)

type holder struct{ key string }

func (h *holder) Error() string { return "opaque" }

func TestFindWalksTheChain(t *testing.T) {
	const key = "k3y/with+special=chars&x"
	cases := map[string]error{
		"text":            errors.New("bad " + key),
		"escaped":         errors.New("bad " + url.QueryEscape(key)),
		"wrapped":         fmt.Errorf("outer: %w", errors.New(key)),
		"joined":          errors.Join(errors.New("a"), fmt.Errorf("b: %w", errors.New(url.PathEscape(key)))),
		"field only %#v":  fmt.Errorf("outer: %w", &holder{key: key}),
		"url.Error field": &url.Error{Op: "Get", URL: "https://x/?access_key=" + url.QueryEscape(key), Err: errors.New("x")},
	}
	for name, err := range cases {
		if Find(err, "", key) == "" {
			t.Errorf("%s: leak not found", name)
		}
	}
	if Find(errors.New("clean"), "level=DEBUG "+key, key) == "" {
		t.Error("leak in logs not found")
	}
	if w := Find(fmt.Errorf("a: %w", errors.Join(errors.New("b"))), "clean", key); w != "" {
		t.Errorf("false positive: %s", w)
	}
	if len(Forms("plain")) != 1 || len(Forms(key)) != 3 {
		t.Errorf("Forms: %q %q", Forms("plain"), Forms(key))
	}
}
