package retry

import (
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
)

// TestQuoteRedactsBeforeTheCut: a CA value holding text and then the key is redacted
// whole before Quote, Line and Error cut it, so no piece of the key is left.
func TestQuoteRedactsBeforeTheCut(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:9", nil)
	value := "2024-01-01T00:00:00.000000 and more text " + testKey + strings.Repeat(" tail", 40)
	for name, got := range map[string]string{
		"Quote":       c.Quote(value),
		"Line":        c.Line(value, 50),
		"Error":       c.Error("Op", nil, "unrecognized time %q"+strings.Repeat(" x", 600), value).Message,
		"Quote short": c.Quote("2024-01-01T00:00:00 " + testKey),
	} {
		for i := 0; i+6 <= len(testKey); i++ {
			assert.NotContains(t, got, testKey[i:i+6], "%s: a piece of the key is left: %s", name, got)
		}
		assert.NotContains(t, got, "\n", name)
	}
	assert.LessOrEqual(t, len(c.Quote(value)), quoteBytes+len(`"…"`))
	assert.Equal(t, `"pending [2J"`, c.Quote("pending\n\x1b[2J"), "one printable line")
}

// TestErrorIsOnePrintableLine: a status word or any other CA text formatted into Error
// (an adapter's "order 1 is %s") comes out as one printable line.
func TestErrorIsOnePrintableLine(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:9", nil)
	e := c.Error("Download", model.ErrFailedPrecondition, "order 1 is %s: only an issued certificate can be downloaded", "pending\n…\x1b[2J\u0085\r\nforged=1")
	assert.Equal(t, "order 1 is pending … [2J forged=1: only an issued certificate can be downloaded", e.Message)
}
