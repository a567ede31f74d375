package retry

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSnippet(t *testing.T) {
	c := newTestClient(t, "https://ca.example.com", nil)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", `{"error":"bad"}`, `{"error":"bad"}`},
		{"whitespace collapsed", "  a\n\n\tb\r\n c  ", "a b c"},
		{"control characters", "a\x00b\x1bc\x7fd\u0085e", "a b c d e"},
		{"invalid UTF-8", "ok\xff\xfeend", "ok\uFFFDend"},
		{"exactly the limit: no ellipsis", strings.Repeat("a", snippetBytes), strings.Repeat("a", snippetBytes)},
		{"one over: ellipsis", strings.Repeat("a", snippetBytes+1), strings.Repeat("a", snippetBytes) + "…"},
		{"key inside", "denied for " + testKey + " today", "denied for " + Redacted + " today"},
		{"query key", "GET /x?access_key=abc&y=1 failed", "GET /x?access_key=abc&y=1 failed"}, // header form: no param to hide
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, c.Snippet([]byte(tt.in)), tt.name)
	}

	// A key straddling the cut is not left half visible.
	for shift := 1; shift < len(testKey); shift++ {
		body := strings.Repeat("x", snippetBytes-shift) + testKey + strings.Repeat("y", 100)
		got := c.Snippet([]byte(body))
		assertNoKey(t, "snippet", got)
		assert.NotContains(t, got, testKey[:shift], "shift %d: a prefix of the key shows", shift)
		assert.True(t, strings.HasSuffix(got, "…"))
	}
	// A cut never splits a rune.
	for shift := 0; shift < 4; shift++ {
		body := strings.Repeat("a", shift) + strings.Repeat("é", snippetBytes)
		got := c.Snippet([]byte(body))
		assert.True(t, utf8.ValidString(got))
		assert.NotContains(t, got, "\uFFFD")
		assert.LessOrEqual(t, len(got), snippetBytes+len("…"))
	}

	q := newTestClient(t, "https://ca.example.com", func(o *Options) { o.Auth = Auth{Key: testKey, QueryParam: "access_key"} })
	assert.Equal(t, "GET /x?access_key="+Redacted+"&y=1 failed", q.Snippet([]byte("GET /x?access_key=abc&y=1 failed")))
}
