package wire

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Line returns s as one printable line of at most max bytes plus "…": invalid UTF-8
// becomes U+FFFD, control characters (C0, DEL and C1: line breaks, tabs, terminal
// escapes) become spaces, runs of white space fold into one space with none at either
// end, and a longer text is cut on a rune boundary and ends in "…". It is how CA text
// goes into error messages and Problems, where a line break or an escape sequence
// could forge a log line or repaint a terminal.
func Line(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxWhole is the longest value QuoteWhole quotes.
const maxWhole = 1024

// QuoteWhole quotes a CA value for an error built where the API key is not known (a
// mapping function): whole, in double quotes with Go escapes, never cut, because a cut
// made before redaction can leave part of a key visible; a value over 1024 bytes is
// described by its length instead. The retry client that reports the error redacts it,
// then cuts it (retry.Client.Line).
func QuoteWhole(s string) string {
	if len(s) > maxWhole {
		return "(a " + strconv.Itoa(len(s)) + "-byte value)"
	}
	return strconv.Quote(s)
}
