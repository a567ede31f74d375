package model

import "strings"

// NormalizeHex returns a serial number or fingerprint as lower-case hex without
// separators: colons, spaces and dashes are removed and a "0x" prefix is dropped.
// A value that is not hex after that is returned trimmed and lower-cased, unchanged
// otherwise, so a vendor's odd value is never lost.
func NormalizeHex(s string) string {
	orig := strings.TrimSpace(s)
	s = orig
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == ' ' || c == '-':
			continue
		case c >= 'A' && c <= 'F':
			b.WriteByte(c + ('a' - 'A'))
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			b.WriteByte(c)
		default:
			// Not hex: keep the vendor's value whole (prefix included), lower-cased.
			return strings.ToLower(orig)
		}
	}
	return b.String()
}
