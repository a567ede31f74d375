package wire

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// AlnumID reports whether id is an identifier of minLen to maxLen ASCII letters and
// digits. Adapters do not use it to accept ids (ids are opaque: CheckID and
// PathSegment); it describes a shape, as the fakes' own ids have.
func AlnumID(id string, minLen, maxLen int) bool {
	if len(id) < minLen || len(id) > maxLen || id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
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
// goes into a URL path only through PathSegment. The adapters check both the ids a
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

// PathSegment returns id escaped as one URL path segment (url.PathEscape: '?', '#',
// '%', spaces and non-ASCII escaped), the only way an id checked by CheckID goes into a
// request path.
func PathSegment(id string) string { return url.PathEscape(id) }
