package textout

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Display returns s as it is safe to show on a terminal: every character that could
// move the cursor, end the line, recolour or clear the screen, or reorder the text
// around it is written as an escape instead. Newline, carriage return and tab become
// \n, \r and \t; other C0 controls, DEL and bytes that are not UTF-8 become \xNN; C1
// controls, Unicode format characters (bidi overrides and isolates, zero-width
// characters, the byte order mark) and the line and paragraph separators become \uNNNN.
// Printable text, backslashes included, is left as it is.
func Display(s string) string {
	if !strings.ContainsFunc(s, needsEscape) { // invalid UTF-8 reads as RuneError
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// needsEscape reports whether Display writes r as an escape.
func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp) ||
		r == utf8.RuneError
}

// zoneToken reports whether s can stand as an owner name or a CNAME target in a zone
// file line as it is: not empty, nothing Display would escape, and none of the
// characters a zone file gives a meaning (whitespace, ";" comments, quotes,
// parentheses, backslash escapes, and "$" directives or "@" at the start).
func zoneToken(s string) bool {
	if s == "" || Display(s) != s || s[0] == '$' || s[0] == '@' {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`;"'()\`, r)
	})
}

// zoneText reports whether s can be written inside a quoted TXT string: TXTQuote
// escapes quotes and backslashes, so only what Display would escape is refused.
func zoneText(s string) bool { return Display(s) == s }

// fileBody reports whether s can be printed between the body marker lines: lines
// separated by "\n", nothing else Display would escape, no line equal to a marker.
func fileBody(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if Display(line) != line || line == BodyBegin || line == BodyEnd {
			return false
		}
	}
	return true
}
