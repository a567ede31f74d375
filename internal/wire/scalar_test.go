package wire

import (
	"strings"
	"testing"
)

func TestScalarString(t *testing.T) {
	for in, want := range map[string]string{
		`"abc"`: "abc", ` "a\u00e9" `: "aé", `12345678901234567890`: "12345678901234567890",
		`true`: "true", `null`: "", ``: "",
	} {
		got, err := ScalarString([]byte(in))
		if err != nil || got != want {
			t.Errorf("ScalarString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`{"secret-value":1}`: "got an object", ` ["secret-value"]`: "got an array", `"secret-value\x"`: "invalid",
	} {
		got, err := ScalarString([]byte(in))
		if err == nil || got != "" || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("ScalarString(%s) = %q, %v; want an error saying %q without the value", in, got, err, want)
		}
	}
}
