package preflight

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShown is how many bytes of a value a Message shows.
const maxShown = 120

// show quotes a value for a Message: control characters, invalid UTF-8 and other
// non-printing runes are escaped, and a long value is cut with "...".
func show(s string) string {
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

// showAll quotes each value and joins them with ", ".
func showAll(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = show(v)
	}
	return strings.Join(q, ", ")
}

// near names how got differs from want when the difference is one a person overlooks:
// only trailing line breaks, a byte-order mark, whitespace, or letter case. It returns
// ReasonWrongValue and "" otherwise.
func near(got, want string) (Reason, string) {
	const bom = "\ufeff"
	switch {
	case got == want:
		return "", ""
	case strings.TrimRight(got, "\r\n") == strings.TrimRight(want, "\r\n"):
		return ReasonTrailingNewline, "differs only by trailing line breaks"
	case strings.TrimPrefix(got, bom) != got && near2(strings.TrimPrefix(got, bom), want):
		return ReasonBOM, "starts with a UTF-8 byte-order mark"
	case squeeze(got) == squeeze(want):
		return ReasonWhitespace, "differs only in whitespace (spaces, tabs or line endings)"
	case strings.EqualFold(got, want):
		return ReasonCase, "differs only in letter case"
	}
	return ReasonWrongValue, ""
}

// near2 is true when got equals want once trailing line breaks are ignored.
func near2(got, want string) bool {
	return strings.TrimRight(got, "\r\n") == strings.TrimRight(want, "\r\n")
}

// squeeze removes every whitespace rune.
func squeeze(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if !unicode.IsSpace(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// txtValue is the raw bytes of a TXT record: its character strings joined, with the
// presentation escapes miekg/dns keeps (\DDD for a byte, \X for X) undone.
func txtValue(strs []string) string {
	var b strings.Builder
	for _, s := range strs {
		for i := 0; i < len(s); i++ {
			if s[i] != '\\' || i+1 == len(s) {
				b.WriteByte(s[i])
				continue
			}
			if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
				if v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); v <= 255 {
					b.WriteByte(byte(v))
					i += 3
					continue
				}
			}
			b.WriteByte(s[i+1])
			i++
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// maxCleaned caps an error text in a Message.
const maxCleaned = 400

// clean makes an error text safe for a Message without quoting it: every rune that is
// not printable (controls, bidi overrides, invalid UTF-8) is written as a Go escape, and
// a text longer than maxCleaned bytes is cut with "...".
func clean(s string) string {
	var b strings.Builder
	for i, r := range s {
		if b.Len() >= maxCleaned {
			b.WriteString("...")
			break
		}
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
