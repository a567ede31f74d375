package wire

import (
	"net/url"

	"github.com/anyca/anyca/model"
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

// MaxIDLength is model.MaxIDLength, the longest id CheckID accepts.
const MaxIDLength = model.MaxIDLength

// ErrBadID is model.ErrBadID, in the chain of every CheckID error.
var ErrBadID = model.ErrBadID

// CheckID is model.CheckID: nil when id can be a CA's id, otherwise an error wrapping
// ErrBadID that says why, never quoting id. An accepted id goes into a URL path only
// through PathSegment.
func CheckID(id string) error { return model.CheckID(id) }

// PathSegment returns id escaped as one URL path segment (url.PathEscape: '?', '#',
// '%', spaces and non-ASCII escaped), the only way an id checked by CheckID goes into a
// request path.
func PathSegment(id string) string { return url.PathEscape(id) }
