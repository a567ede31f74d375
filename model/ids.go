package model

import (
	"errors"
	"fmt"
	"net/url"
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

// MaxURLIDLength is the longest id CheckURLID accepts. ACME object URLs are well under
// 200 bytes at every CA we know of; a longer one is not an id.
const MaxURLIDLength = 2048

// ErrForeignURL is in the chain of a CheckURLID error for an id that is not a URL on the
// CA's origin: it names none of the CA's objects (so the lookup's answer is
// ErrNotFound), and no request may be sent to it.
var ErrForeignURL = errors.New("not a URL on the CA's origin")

// CheckURLID is CheckID for CAs whose ids are the URLs of their objects (ACME: a
// certificate's id is its order URL). It returns the parsed URL when id is an absolute
// URL on origin (the same scheme and host, a default port written or not) with a path
// below the root, and no user information or fragment.
//
// An id that can never be an object URL is refused with an error wrapping ErrBadID:
// empty, longer than MaxURLIDLength, invalid UTF-8, a control character (C0, DEL, C1),
// a backslash, or a "." or ".." path segment (a step along the path rather than a name).
// Any other id that is not on origin wraps ErrForeignURL. Neither error quotes id.
// Callers check both the ids a caller passes in and the URLs a CA answers with, before
// any request: a signed request never goes where the CA did not point.
func CheckURLID(id string, origin *url.URL) (*url.URL, error) {
	switch {
	case id == "":
		return nil, fmt.Errorf("%w: empty", ErrBadID)
	case len(id) > MaxURLIDLength:
		return nil, fmt.Errorf("%w: %d bytes, longer than %d", ErrBadID, len(id), MaxURLIDLength)
	case !utf8.ValidString(id):
		return nil, fmt.Errorf("%w: invalid UTF-8", ErrBadID)
	}
	for _, r := range id {
		switch {
		case r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0:
			return nil, fmt.Errorf("%w: it holds the control character %U", ErrBadID, r)
		case r == '\\':
			return nil, fmt.Errorf("%w: it holds a backslash", ErrBadID)
		}
	}
	path := id
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return nil, fmt.Errorf("%w: it holds the path segment %q", ErrBadID, seg)
		}
	}
	u, err := url.Parse(id)
	switch {
	case err != nil || origin == nil:
		return nil, fmt.Errorf("%w: not a URL", ErrForeignURL)
	case !strings.EqualFold(u.Scheme, origin.Scheme) || !sameHost(u, origin):
		return nil, fmt.Errorf("%w: another scheme or host", ErrForeignURL)
	case u.User != nil || u.Fragment != "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: it holds user information or a fragment", ErrForeignURL)
	case u.Path == "" || u.Path == "/":
		return nil, fmt.Errorf("%w: it names no object (an empty path)", ErrForeignURL)
	}
	return u, nil
}

// sameHost compares the hosts of a and b (of one scheme) case-insensitively, a default
// port (443 for https, 80 for http) written or not.
func sameHost(a, b *url.URL) bool {
	host := func(u *url.URL) string {
		h, port := strings.ToLower(u.Hostname()), u.Port()
		if port == "" || (strings.EqualFold(u.Scheme, "https") && port == "443") || (strings.EqualFold(u.Scheme, "http") && port == "80") {
			return h
		}
		return h + ":" + port
	}
	return host(a) == host(b)
}
