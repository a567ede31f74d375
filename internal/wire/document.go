package wire

import (
	"errors"

	"github.com/anyca/anyca/pager"
)

// Document names an answer an adapter asks for: what it is (for messages), the
// top-level fields any one of which identifies it (see Shape.Has for type suffixes), and
// the key of its list, if it is one.
type Document struct {
	Name   string
	Fields []string
	List   string
	// Repair, when set, rewrites a one-object body that is not JSON into one that may be
	// (ok false: nothing to rewrite), and Decode reads the rewritten body once more:
	// DigiCert's own example leaves a token unquoted. A streamed list is never repaired.
	Repair func(body []byte) (fixed []byte, ok bool)
}

// Inspect reads body's shape for d. A list of more than limit items (limit > 0) is
// pager.TooManyItems, found while counting and before anything is decoded; readErr is
// the error of a body that is not a JSON object, for the adapter to report in its own
// words.
func (d Document) Inspect(provider, op string, body []byte, limit int) (s Shape, tooMany, readErr error) {
	s, err := ReadShape(body, d.List, limit)
	if errors.Is(err, ErrTooManyItems) {
		return s, pager.TooManyItems(provider, op, limit), nil
	}
	return s, nil, err
}

// Mismatch returns UnexpectedDocument when s has none of d's fields, and nil when it is d.
func (d Document) Mismatch(provider, op string, status int, s Shape) error {
	if s.Has(d.Fields...) {
		return nil
	}
	return UnexpectedDocument(provider, op, status, d.Name, d.Fields...)
}
