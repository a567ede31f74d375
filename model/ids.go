package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

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

// MaxIDLength is the longest CA id CheckID accepts: real ids are a few dozen bytes (an
// ACME order URL under 200), and a longer one is not an id.
const MaxIDLength = 256

// ErrBadID is in the chain of every CheckID error.
var ErrBadID = errors.New("not an id")

// CheckID returns nil when id can be a CA's id, and otherwise an error wrapping ErrBadID
// that says why (never quoting id). Ids are the CA's and opaque: any non-empty text of
// printable characters up to MaxIDLength bytes is accepted, whatever its letters; what
// can never be an id of a REST CA is refused: invalid UTF-8, a control character (C0,
// DEL, C1), '/' or '\' (a path separator), or ".." (a step up the path). An accepted id
// goes into a URL path escaped as one segment (url.PathEscape). Adapters check both the ids a
// caller passes in (before any request) and the ids a CA answers with.
func CheckID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrBadID)
	case len(id) > MaxIDLength:
		return fmt.Errorf("%w: %d bytes, longer than %d", ErrBadID, len(id), MaxIDLength)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: invalid UTF-8", ErrBadID)
	case strings.Contains(id, ".."), id == ".":
		return fmt.Errorf("%w: it holds \"..\" or is \".\"", ErrBadID)
	}
	for _, r := range id {
		switch {
		case r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0:
			return fmt.Errorf("%w: it holds the control character %U", ErrBadID, r)
		case r == '/' || r == '\\':
			return fmt.Errorf("%w: it holds the path separator %q", ErrBadID, r)
		}
	}
	return nil
}
