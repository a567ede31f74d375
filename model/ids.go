package model

import "strconv"

// LessID orders certificate and domain ids: numerically when both are unsigned decimal
// numbers (a CertCentral order 999 before 1000), else byte by byte as strings. Ids of
// one kind, all numbers (DigiCert) or all words (ZeroSSL), sort consistently; a mix of
// numbers and words that start with digits has no consistent order.
func LessID(a, b string) bool {
	na, ea := strconv.ParseUint(a, 10, 64)
	nb, eb := strconv.ParseUint(b, 10, 64)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}
