package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/anyca/anyca/internal/pager"
)

// Outcome is what Document.Read found, in the order an adapter reports it: TooMany
// first, then Syntax, then (through Mismatch) a body that is not the document, then
// Field.
type Outcome struct {
	// Shape holds the document's identifying fields that were present with a non-null
	// value, and the number of list items read.
	Shape Shape
	// TooMany is pager.TooManyItems: the list held more items than the limit. The walk
	// stopped before decoding the first item over the limit, and nothing was mapped.
	TooMany error
	// Syntax is set when the body is not one JSON object (not JSON, another JSON value,
	// broken JSON, data after the object). The walk stopped there.
	Syntax error
	// Field is the first value that did not fit its field (a wrong type, a custom
	// decoder's refusal). The walk went on past it, so Shape and the other targets are
	// complete.
	Field error
}

// Read decodes the JSON object r holds into targets in one pass: each top-level key goes
// to the first target (a pointer to a struct) with a field of that name, matched as
// encoding/json matches it (exactly, else case-insensitively); keys no target has are
// skipped. The array under d.List is read item by item into its slice field, and more
// than limit items (limit > 0) stops the walk with Outcome.TooMany before the next item
// is decoded. While walking, Read notes which of d.Fields are present (see Shape.Has), so
// Mismatch needs no second look at the body. Nested values are decoded with
// encoding/json, so their fields' types and their UnmarshalJSON methods behave as under
// json.Unmarshal. A target that is not a pointer to a struct is a programming error,
// reported in Outcome.Syntax.
func (d Document) Read(provider, op string, r io.Reader, limit int, targets ...any) Outcome {
	var out Outcome
	dests := make([]reflect.Value, 0, 2)
	for _, t := range targets {
		v := reflect.ValueOf(t)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			out.Syntax = fmt.Errorf("wire: decode target %T is not a pointer to a struct", t)
			return out
		}
		dests = append(dests, v.Elem())
	}
	src := &trackingReader{r: r}
	dec := json.NewDecoder(src)
	tok, err := dec.Token()
	if err != nil {
		out.Syntax = fmt.Errorf("not JSON: %w", err)
		return out
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		out.Syntax = errors.New("not a JSON object")
		return out
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			out.Syntax = err
			return out
		}
		key, _ := tok.(string)
		field, ok := lookupField(dests, key)
		if key == d.List && d.List != "" {
			if !d.readList(provider, op, dec, src, key, field, ok, limit, &out) {
				return out
			}
			continue
		}
		identifying := d.identifies(key)
		if !ok && !identifying {
			if err := dec.Decode(&skip{}); err != nil {
				out.Syntax = err
				return out
			}
			continue
		}
		first, peeked := peekValue(dec)
		if !peeked {
			// The value starts past the decoder's buffer: read it whole to see its first byte.
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				out.Syntax = err
				return out
			}
			if raw = bytes.TrimSpace(raw); len(raw) > 0 {
				first = raw[0]
			}
			if ok {
				out.noteField(key, json.Unmarshal(raw, field.Addr().Interface()))
			}
		} else if ok {
			if !out.decodeInto(dec, src, key, field) {
				return out
			}
		} else if err := dec.Decode(&skip{}); err != nil {
			out.Syntax = err
			return out
		}
		if identifying && first != 'n' && first != 0 {
			out.Shape.set(key, first)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		out.Syntax = err
		return out
	}
	if _, err := dec.Token(); err != io.EOF {
		out.Syntax = errors.New("data after the JSON object")
	}
	return out
}

// decodeInto decodes the next value into field. A value that does not fit is noted in
// Field and the walk goes on; false means the stream itself is broken (Syntax is set).
func (o *Outcome) decodeInto(dec *json.Decoder, src *trackingReader, key string, field reflect.Value) bool {
	err := dec.Decode(field.Addr().Interface())
	if err != nil && streamBroken(err, src) {
		o.Syntax = err
		return false
	}
	o.noteField(key, err)
	return true
}

// streamBroken reports whether a Decode error left the decoder unusable: broken JSON, an
// early end, or a failed read of the body. Any other error (a wrong type, a custom
// decoder's refusal) comes after the value was read whole, so the walk can go on.
func streamBroken(err error, src *trackingReader) bool {
	var syn *json.SyntaxError
	return errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		src != nil && src.err != nil
}

// trackingReader remembers the first error other than io.EOF its reader returned.
type trackingReader struct {
	r   io.Reader
	err error
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

func (o *Outcome) noteField(key string, err error) {
	if err != nil && o.Field == nil {
		o.Field = fmt.Errorf("%q: %w", key, err)
	}
}

// readList reads the list key's value: an array item by item into field (a slice), or
// any other value as encoding/json would. false means the walk must stop.
func (d Document) readList(provider, op string, dec *json.Decoder, src *trackingReader, key string, field reflect.Value, ok bool, limit int, out *Outcome) bool {
	if ok && field.Kind() != reflect.Slice {
		out.Syntax = fmt.Errorf("wire: list field %q is not a slice", key)
		return false
	}
	first, peeked := peekValue(dec)
	if !peeked || first != '[' {
		// Not an array (or not visible yet): decode it whole, as json.Unmarshal would.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			out.Syntax = err
			return false
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '[' {
			if len(raw) > 0 && raw[0] != 'n' {
				out.Shape.set(key, raw[0])
			}
			if ok {
				out.noteField(key, json.Unmarshal(raw, field.Addr().Interface()))
			}
			return true
		}
		// An array after all: walk it from the copy.
		dec = json.NewDecoder(bytes.NewReader(raw))
	}
	if _, err := dec.Token(); err != nil { // '['
		out.Syntax = err
		return false
	}
	out.Shape.set(key, '[')
	if ok {
		if field.IsNil() {
			field.Set(reflect.MakeSlice(field.Type(), 0, 0)) // [] is an empty list, not null
		}
		field.SetLen(0)
	}
	n := 0
	for dec.More() {
		if limit > 0 && n >= limit {
			out.TooMany = pager.TooManyItems(provider, op, limit)
			return false
		}
		if ok {
			field.Grow(1)
			field.SetLen(n + 1)
			if !out.decodeInto(dec, src, key, field.Index(n)) {
				return false
			}
		} else if err := dec.Decode(&skip{}); err != nil {
			out.Syntax = err
			return false
		}
		n++
	}
	if _, err := dec.Token(); err != nil { // ']'
		out.Syntax = err
		return false
	}
	out.Shape.Items = n
	return true
}

// identifies reports whether key is one of d's identifying fields.
func (d Document) identifies(key string) bool {
	for _, f := range d.Fields {
		if FieldName(f) == key {
			return true
		}
	}
	return false
}

// peekValue returns the first byte of the value after the key the decoder just read,
// when it is already in the decoder's buffer (ok false when it is not).
func peekValue(dec *json.Decoder) (first byte, ok bool) {
	buf, _ := dec.Buffered().(*bytes.Reader)
	if buf == nil {
		return 0, false
	}
	colon := false
	for {
		c, err := buf.ReadByte()
		if err != nil {
			return 0, false
		}
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == ':' && !colon:
			colon = true
		default:
			return c, true
		}
	}
}

// lookupField finds key's field in the first target that has it.
func lookupField(dests []reflect.Value, key string) (reflect.Value, bool) {
	for _, d := range dests {
		if i, ok := fieldsOf(d.Type()).index(key); ok {
			return d.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// structFields is a struct type's JSON field names and their indexes.
type structFields struct {
	names []string
	exact map[string]int
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			tagName, _, _ := strings.Cut(tag, ",")
			if tagName == "-" {
				continue
			}
			if tagName != "" {
				name = tagName
			}
		}
		f.names = append(f.names, name)
		f.exact[name] = i
	}
	fieldCache.Store(t, f)
	return f
}

// index returns the field for key: an exact match, else the first case-insensitive one
// (encoding/json's rule).
func (f *structFields) index(key string) (int, bool) {
	if i, ok := f.exact[key]; ok {
		return i, true
	}
	for _, n := range f.names {
		if strings.EqualFold(n, key) {
			return f.exact[n], true
		}
	}
	return 0, false
}
