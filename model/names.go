package model

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts names to their ASCII (punycode) form, checking the rules a CA
// applies to host names, with the underscore allowed because DCV record names use it.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.BidiRule(),
)

// NormalizeDomain returns name in the form every anyca value uses: lower-case ASCII with
// IDNs converted to punycode, surrounding space and one trailing dot removed. A leading
// "*." wildcard label is kept. It returns an error wrapping ErrInvalidArgument when the
// name is empty, too long (over 253 characters, or a label over 63), has an empty label,
// a label starting or ending with a hyphen, or characters not allowed in host names.
func NormalizeDomain(name string) (string, error) {
	orig := name
	name = strings.TrimSpace(name)
	if name == "" || name == "." {
		return "", fmt.Errorf("%w: empty domain name", ErrInvalidArgument)
	}
	wildcard := false
	if strings.HasPrefix(name, "*.") {
		wildcard = true
		name = name[2:]
	}
	if !utf8.ValidString(name) {
		// idna would map the bad bytes to U+FFFD and punycode that: a name nobody sent.
		return "", fmt.Errorf("%w: domain name %q is not valid UTF-8", ErrInvalidArgument, orig)
	}
	ascii, err := idnaProfile.ToASCII(name)
	if err != nil {
		return "", fmt.Errorf("%w: domain name %q: %s", ErrInvalidArgument, orig, idnaReason(err))
	}
	// The ASCII form must itself be a valid name that maps to itself, or the result
	// would not survive being normalized again.
	if again, err := idnaProfile.ToASCII(ascii); err != nil || !strings.EqualFold(again, ascii) {
		return "", fmt.Errorf("%w: domain name %q has no stable ASCII form", ErrInvalidArgument, orig)
	}
	// The trailing dot is removed after mapping, so that a full stop that maps to "."
	// (U+3002 and friends) counts as the dot it stands for.
	ascii = strings.TrimSuffix(strings.ToLower(ascii), ".")
	if ascii == "" {
		return "", fmt.Errorf("%w: empty domain name", ErrInvalidArgument)
	}
	full := ascii
	if wildcard {
		full = "*." + ascii
	}
	// The wildcard label counts towards the DNS length limit like any other.
	if len(full) > 253 {
		return "", fmt.Errorf("%w: domain name %q is longer than 253 characters", ErrInvalidArgument, orig)
	}
	for _, label := range strings.Split(ascii, ".") {
		if err := checkLabel(label); err != nil {
			return "", fmt.Errorf("%w: domain name %q: %s", ErrInvalidArgument, orig, err)
		}
	}
	return full, nil
}

// idnaReason strips the idna package's prefix so the message reads once.
func idnaReason(err error) string {
	return strings.TrimPrefix(err.Error(), "idna: ")
}

func checkLabel(label string) error {
	switch {
	case label == "":
		return fmt.Errorf("empty label")
	case len(label) > 63:
		return fmt.Errorf("label %q is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %q starts or ends with a hyphen", label)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("label %q has the character %q", label, c)
		}
	}
	return nil
}

// MustNormalizeDomain is NormalizeDomain for names known to be valid, such as constants
// in tests and fakes; it panics on an invalid name.
func MustNormalizeDomain(name string) string {
	n, err := NormalizeDomain(name)
	if err != nil {
		panic(err)
	}
	return n
}

// NormalizeReportedDomain normalizes a name a CA reported. Unlike NormalizeDomain it never
// fails: a name that does not normalize is kept trimmed and lower-cased (without one
// trailing dot), so nothing the CA reported is lost, and the result is stable: normalizing
// it again gives it back. An empty or blank name gives "".
func NormalizeReportedDomain(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if n, err := NormalizeDomain(name); err == nil {
		return n
	}
	low := strings.TrimSpace(strings.TrimSuffix(strings.ToLower(name), "."))
	// Removing the dot can expose trailing space or leave a valid name ("a .", "x.."):
	// normalize that too.
	if n, err := NormalizeDomain(low); err == nil {
		return n
	}
	return low
}

// NormalizeDomains applies NormalizeReportedDomain to each name, drops empty results and
// duplicates, and keeps the first occurrence's position.
func NormalizeDomains(names []string) []string {
	out := make([]string, 0, len(names))
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		norm := NormalizeReportedDomain(n)
		if norm == "" { // "." and the like: nothing left
			continue
		}
		if _, ok := seen[norm]; ok {
			continue
		}
		seen[norm] = struct{}{}
		out = append(out, norm)
	}
	return out
}

// SplitList splits a comma-separated vendor list ("a.com, b.com" or "") into its
// trimmed, non-empty items.
func SplitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
