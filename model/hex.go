package model

import "strings"

// NormalizeHex returns a serial number or fingerprint as lower-case hex without
// separators: colons, spaces and dashes are removed and a "0x" prefix is dropped.
// A value that is not hex after that is returned trimmed and lower-cased, unchanged
// otherwise, so a vendor's odd value is never lost.
func NormalizeHex(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
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
			return strings.ToLower(s)
		}
	}
	return b.String()
}
