package wire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"", 10, ""},
		{"  a\n\n\tb\r\n c  ", 10, "a b c"},
		{"a\x00b\x1b[31mc\x7fd\u0085e", 100, "a b [31mc d e"},
		{"forged\nERROR level=fatal", 100, "forged ERROR level=fatal"},
		{"ok\xff\xfeend", 100, "ok\uFFFDend"},
		{strings.Repeat("a", 10), 10, strings.Repeat("a", 10)},
		{strings.Repeat("a", 11), 10, strings.Repeat("a", 10) + "…"},
		{"forged\nERROR level=fatal", 10, "forged ERR…"},
	} {
		if got := Line(tc.in, tc.max); got != tc.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
	for shift := 0; shift < 4; shift++ { // a cut never splits a rune
		got := Line(strings.Repeat("a", shift)+strings.Repeat("é", 20), 10)
		if !utf8.ValidString(got) || strings.Contains(got, "\uFFFD") || len(got) > 10+len("…") {
			t.Errorf("shift %d: %q", shift, got)
		}
	}
}
