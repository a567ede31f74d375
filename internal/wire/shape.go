// Package wire holds what the adapters share for reading a CA's JSON: the document-shape
// check that tells the document asked for from any other 2xx answer (a wrong BaseURL, a
// proxy's JSON, another vendor's API), the per-page item cap counted before anything is
// decoded, and the error table that turns a status and a vendor code into a model kind.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/anyca/anyca/model"
)

// CodeUnexpectedDocument is the model.Error code of a 2xx answer that is not the
// document asked for.
const CodeUnexpectedDocument = "unexpected_document"

// ErrTooManyItems is wrapped by ReadShape's error when a list holds more items than
// allowed.
var ErrTooManyItems = errors.New("more items than asked for")

// Shape is the top level of a JSON object: its keys, and the number of elements of one
// array in it.
type Shape struct {
	keys  []shapeKey // keys with a non-null value, in the body's order
	Items int        // elements of the array under the list key (0 when absent or not an array)
}

// shapeKey is a top-level key and the first byte of its value.
type shapeKey struct {
	name  string
	first byte
}

// set records key with its value's first byte; a later duplicate key replaces an earlier
// one, as it does in encoding/json.
func (s *Shape) set(key string, first byte) {
	for i := range s.keys {
		if s.keys[i].name == key {
			s.keys[i].first = first
			return
		}
	}
	s.keys = append(s.keys, shapeKey{key, first})
}

// Has reports whether any of fields is a top-level key whose value is not null. A field
// written with a "{}" suffix ("page{}") counts only when its value is an object, a field
// with a "[]" suffix only when it is an array: both vendors have a "page", of different
// types.
func (s Shape) Has(fields ...string) bool {
	for _, f := range fields {
		name, want := FieldName(f), byte(0)
		switch {
		case strings.HasSuffix(f, "{}"):
			want = '{'
		case strings.HasSuffix(f, "[]"):
			want = '['
		}
		for _, k := range s.keys {
			if k.name == name && (want == 0 || k.first == want) {
				return true
			}
		}
	}
	return false
}

// FieldName returns a Has field without its type suffix.
func FieldName(f string) string { return strings.TrimSuffix(strings.TrimSuffix(f, "{}"), "[]") }

// skip consumes one JSON value without keeping it.
type skip struct{}

func (*skip) UnmarshalJSON([]byte) error { return nil }

// ReadShape reads body's top level without decoding values: the keys present (with a
// non-null value) and how many elements the array under listKey has. More than
// maxItems elements (maxItems > 0) stops the walk with an error wrapping
// ErrTooManyItems, so a page larger than asked costs no more memory than its body. A
// body that is not a JSON object is an error.
func ReadShape(body []byte, listKey string, maxItems int) (Shape, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil {
		return Shape{}, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Shape{}, errors.New("not a JSON object")
	}
	var s Shape
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Shape{}, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if key == listKey && listKey != "" {
			n, first, err := countArray(dec, maxItems)
			if err != nil {
				return Shape{}, fmt.Errorf("%q: %w", key, err)
			}
			s.Items = n
			if first != 'n' {
				s.set(key, first)
			}
			continue
		}
		if err := dec.Decode(&raw); err != nil {
			return Shape{}, err
		}
		if raw = bytes.TrimSpace(raw); len(raw) > 0 && raw[0] != 'n' {
			s.set(key, raw[0])
		}
	}
	return s, nil
}

// countArray consumes the value at the decoder's position, counting its elements when it
// is an array. first is the value's first byte: '[', '{', 'n' for null, '"' or another
// scalar's.
func countArray(dec *json.Decoder, maxItems int) (n int, first byte, err error) {
	tok, err := dec.Token()
	if err != nil {
		return 0, 0, err
	}
	switch v := tok.(type) {
	case nil:
		return 0, 'n', nil
	case string:
		return 0, '"', nil
	case json.Delim:
		if v == '{' {
			for dec.More() {
				if _, err := dec.Token(); err != nil {
					return 0, 0, err
				}
				if err := dec.Decode(&skip{}); err != nil {
					return 0, 0, err
				}
			}
			_, err := dec.Token()
			return 0, '{', err
		}
	default:
		return 0, '0', nil // a number or a boolean: no items
	}
	for dec.More() {
		if maxItems > 0 && n >= maxItems {
			return n, '[', fmt.Errorf("%w: over %d", ErrTooManyItems, maxItems)
		}
		if err := dec.Decode(&skip{}); err != nil {
			return n, '[', err
		}
		n++
	}
	_, err = dec.Token()
	return n, '[', err
}

// UnexpectedDocument is the error for a 2xx answer that is not the document asked for:
// kind model.ErrUnavailable, code CodeUnexpectedDocument, a message naming the document
// and the fields that identify it, and asking whether BaseURL is right.
func UnexpectedDocument(provider, op string, status int, document string, fields ...string) *model.Error {
	quoted := make([]string, len(fields))
	for i, f := range fields {
		quoted[i] = fmt.Sprintf("%q", FieldName(f))
	}
	return &model.Error{Provider: provider, Op: op, Kind: model.ErrUnavailable, HTTPStatus: status,
		Code: CodeUnexpectedDocument,
		Message: fmt.Sprintf("the answer is not %s (it has no %s field); is BaseURL right?",
			document, strings.Join(quoted, " or "))}
}
