package wire

import (
	"strings"

	"github.com/anyca/anyca/model"
)

// ReportedDomain is model.NormalizeReportedDomain with a fast path for the names CAs
// send almost always: a name that is already lower-case ASCII letters, digits, dots and
// hyphens (an optional "*." first), without a trailing dot or an ACE ("xn--") label, is
// its own normal form, whether or not it is a valid DNS name (an invalid one is
// NormalizeReportedDomain's lower-cased input, which is the name itself). Every other
// name takes model.NormalizeReportedDomain, so the result is always the same as its.
func ReportedDomain(name string) string {
	if plainName(name) {
		return name
	}
	return model.NormalizeReportedDomain(name)
}

// plainName reports whether name needs no normalization (see ReportedDomain).
func plainName(name string) bool {
	rest := strings.TrimPrefix(name, "*.")
	if rest == "" || rest[len(rest)-1] == '.' || strings.Contains(rest, "xn--") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ReportedDomains is model.NormalizeDomains through ReportedDomain: each name
// normalized, empty results and duplicates dropped, the first occurrence's position kept.
// Short lists are deduplicated without a map.
func ReportedDomains(names []string) []string {
	out := make([]string, 0, len(names))
	var seen map[string]struct{}
	if len(names) > 16 {
		seen = make(map[string]struct{}, len(names))
	}
	for _, n := range names {
		n = ReportedDomain(n)
		if n == "" {
			continue
		}
		if seen != nil {
			if _, dup := seen[n]; dup {
				continue
			}
			seen[n] = struct{}{}
		} else if contains(out, n) {
			continue
		}
		out = append(out, n)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
