package preflight

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNear(t *testing.T) {
	for _, tt := range []struct {
		got, want string
		reason    Reason
	}{
		{"abc", "abc", ""},
		{"abc\n", "abc", ReasonTrailingNewline},
		{"abc", "abc\n", ReasonTrailingNewline},
		{"\ufeffabc", "abc", ReasonBOM},
		{"a b\tc", "abc", ReasonWhitespace},
		{"ABC", "abc", ReasonCase},
		{"abd", "abc", ReasonWrongValue},
		{"\ufeff", "abc", ReasonWrongValue},
	} {
		r, why := near(tt.got, tt.want)
		assert.Equal(t, tt.reason, r, "%q vs %q", tt.got, tt.want)
		assert.Equal(t, r != "" && r != ReasonWrongValue, why != "", "%q vs %q: %q", tt.got, tt.want, why)
	}
}

func TestTXTValueUndoesPresentationEscapes(t *testing.T) {
	assert.Equal(t, "a\"b\\c\x1bd", txtValue([]string{`a\"b\\c\027d`}))
	assert.Equal(t, "one-two", txtValue([]string{"one-", "two"}))
	assert.Equal(t, `\999x`[1:], txtValue([]string{`\999x`}), "no byte above 255: the backslash escapes the next character")
	assert.Equal(t, `end\`, txtValue([]string{`end\`}), "a lone trailing backslash stays")
}

func TestShowEscapesAndCuts(t *testing.T) {
	assert.Equal(t, `"a\x1b\u202eb"`, show("a\x1b\u202eb"))
	long := strings.Repeat("é", 100) // 200 bytes: the cut lands inside no rune
	s := show(long)
	assert.True(t, strings.HasSuffix(s, `"...`))
	assert.NotContains(t, s, `\x`, "a cut never splits a rune into invalid bytes")
}

func TestCleanEscapesWithoutQuoting(t *testing.T) {
	assert.Equal(t, `say "hi" \x1b[2J \u202e bad\xff`, clean("say \"hi\" \x1b[2J \u202e bad\xff"))
	long := clean(strings.Repeat("e", 1000))
	assert.Len(t, long, maxCleaned+3)
}
