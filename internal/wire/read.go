package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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
	// TooMany is pager.TooManyItems: the list held more items than the limit. They were
	// counted, none was decoded, and the walk stopped there.
	TooMany error
	// Syntax is set when the body is not one JSON object (not JSON, another JSON value,
	// broken JSON, data after the object). The walk stopped there.
	Syntax error
	// Field is the first value that did not fit its field (a wrong type, a custom
	// decoder's refusal). The walk went on past it, so Shape and the other targets are
	// complete.
	Field error
}

// Read decodes the JSON object body holds into targets in one pass: each top-level key
// goes to the first target (a pointer to a struct) with a field of that name, matched as
// encoding/json matches it (exactly, else case-insensitively); keys no target has are
// skipped. The array under d.List is counted before it is decoded, and more than limit
// items (limit > 0) is Outcome.TooMany with none of them decoded. While walking, Read
// notes which of d.Fields are present (see Shape.Has), so Mismatch needs no second look at
// the body. Values are decoded with encoding/json, so their types and UnmarshalJSON
// methods behave as under json.Unmarshal. A target that is not a pointer to a struct is a
// programming error, reported in Outcome.Syntax.
//
// The body is checked once for well-formed JSON (a scan that allocates nothing), then
// walked without decoding anything but the targets' fields: unlike json.Decoder.Token,
// which allocates for every token and for the end of every value, the walk itself
// allocates nothing.
func (d Document) Read(provider, op string, body []byte, limit int, targets ...any) Outcome {
	var out Outcome
	var dests [4]reflect.Value
	if len(targets) > len(dests) {
		out.Syntax = fmt.Errorf("wire: more than %d decode targets", len(dests))
		return out
	}
	for i, t := range targets {
		v := reflect.ValueOf(t)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			out.Syntax = fmt.Errorf("wire: decode target %T is not a pointer to a struct", t)
			return out
		}
		dests[i] = v.Elem()
	}
	if err := objectError(body); err != nil {
		out.Syntax = err
		return out
	}
	i := skipSpace(body, 0) + 1 // past '{'
	for {
		i = skipSpace(body, i)
		if body[i] == '}' {
			return out
		}
		if body[i] == ',' {
			i = skipSpace(body, i+1)
		}
		keyEnd := skipString(body, i)
		key, err := keyText(body[i:keyEnd])
		if err != nil {
			out.Syntax = err
			return out
		}
		i = skipSpace(body, keyEnd) // at ':'
		i = skipSpace(body, i+1)
		end := skipValue(body, i)
		value := body[i:end]
		i = end
		field, ok := lookupField(dests[:len(targets)], key)
		if key == d.List && d.List != "" && value[0] == '[' {
			n, over := countItems(value, limit)
			if over {
				out.TooMany = pager.TooManyItems(provider, op, limit)
				return out
			}
			out.Shape.Items = n
		}
		if value[0] != 'n' && d.identifies(key) {
			out.Shape.set(key, value[0])
		}
		if ok {
			out.noteField(key, json.Unmarshal(value, field.Addr().Interface()))
		}
	}
}

// objectError returns why body is not one well-formed JSON object, or nil.
func objectError(body []byte) error {
	if json.Valid(body) {
		if i := skipSpace(body, 0); i < len(body) && body[i] == '{' {
			return nil
		}
		return errors.New("not a JSON object")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		if i := skipSpace(body, 0); i == len(body) || body[i] != '{' && body[i] != '[' && body[i] != '"' {
			return fmt.Errorf("not JSON: %w", err)
		}
		return err
	}
	return errors.New("not a JSON object")
}

// keyText returns a key's text from its quoted form.
func keyText(quoted []byte) (string, error) {
	if len(quoted) >= 2 && bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var k string
	err := json.Unmarshal(quoted, &k)
	return k, err
}

// The walk below reads JSON that json.Valid accepted, so it only has to find where
// strings and values end.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// countItems counts the elements of the array arr, stopping with over set at the first
// element past limit (limit > 0).
func countItems(arr []byte, limit int) (n int, over bool) {
	i := skipSpace(arr, 1)
	for i < len(arr) && arr[i] != ']' {
		if limit > 0 && n >= limit {
			return n, true
		}
		i = skipSpace(arr, skipValue(arr, i))
		n++
		if i < len(arr) && arr[i] == ',' {
			i = skipSpace(arr, i+1)
		}
	}
	return n, false
}

func (o *Outcome) noteField(key string, err error) {
	if err != nil && o.Field == nil {
		o.Field = fmt.Errorf("%q: %w", key, err)
	}
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
