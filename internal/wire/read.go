package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// Outcome is what Document.Read found, in the order an adapter reports it: TooMany
// first, then Syntax, then (through Mismatch) a body that is not the document, then
// Field.
type Outcome struct {
	// Shape holds the document's identifying fields that were present with a non-null
	// value, and the number of list items read.
	Shape Shape
	// TooMany is pager.TooManyItems: the list held more items than the limit. It is found
	// before the adapter maps any item, and takes precedence over Field.
	TooMany error
	// Syntax is set when the body is not one JSON object (not JSON, another JSON value,
	// broken JSON, data after the object). Nothing else in the Outcome is then known.
	Syntax error
	// Field is the first error decoding a value into its target (a wrong type, a custom
	// decoder's refusal). Shape, TooMany and the later targets do not depend on it: a
	// ZeroSSL error envelope is found even in a body whose payload fields are wrong.
	Field error
}

// Read decodes the JSON object body holds into targets (pointers to structs; the first is
// the payload, the others envelopes read beside it). A list document (d.List set) is
// streamed from the bytes as Decode streams it from a reader. A one-object document is
// decoded in one pass: first a walk of the top level, which allocates nothing, notes which
// of d.Fields are present (see Shape.Has) so Mismatch needs no second look at the body,
// and fills each envelope from the values of the keys it has, matched as encoding/json
// matches them; then the payload is one json.Unmarshal of the body, so its fields' types
// and UnmarshalJSON methods behave exactly as there. A target that is not a pointer to a
// struct is a programming error, reported in Outcome.Syntax.
func (d Document) Read(provider, op string, body []byte, limit int, targets ...any) Outcome {
	if d.List != "" {
		return d.stream(provider, op, bytes.NewReader(body), limit, targets)
	}
	var out Outcome
	var extra [3]reflect.Value
	_, n, err := targetValues(targets, &extra)
	if err != nil {
		out.Syntax = err
		return out
	}
	first := skipSpace(body, 0)
	walked := false
	if first < len(body) && body[first] == '{' {
		walked = d.walk(body, first, extra[:n], &out)
	}
	err = json.Unmarshal(body, targets[0])
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		if first == len(body) || body[first] != '{' && body[first] != '[' && body[first] != '"' {
			out.Syntax = fmt.Errorf("%w: not JSON: %w", ErrNotObject, err)
		} else if body[first] != '{' {
			out.Syntax = fmt.Errorf("%w: %w", ErrNotObject, err)
		} else {
			out.Syntax = err
		}
	case first == len(body) || body[first] != '{':
		out.Syntax = ErrNotObject
	case !walked:
		out.Syntax = errors.New("wire: a JSON object the walk could not follow")
	case err != nil:
		out.Field = err
	}
	return out
}

// walk reads the top level of the object at body[i]: the shape and the extra targets'
// keys. It checks only as much syntax as it needs to find where values end, and gives up
// (false) on anything else, leaving the verdict on the syntax to json.Unmarshal.
func (d Document) walk(body []byte, i int, extra []reflect.Value, out *Outcome) bool {
	i++ // past '{'
	for n := 0; ; n++ {
		i = skipSpace(body, i)
		if i >= len(body) {
			return false
		}
		if body[i] == '}' && n == 0 {
			return true
		}
		if n > 0 {
			if body[i] == '}' {
				return true
			}
			if body[i] != ',' {
				return false
			}
			i = skipSpace(body, i+1)
		}
		if i >= len(body) || body[i] != '"' {
			return false
		}
		keyEnd := skipString(body, i)
		quoted := body[i:keyEnd]
		if len(quoted) < 2 || quoted[len(quoted)-1] != '"' {
			return false
		}
		i = skipSpace(body, keyEnd)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipSpace(body, i+1)
		if i >= len(body) {
			return false
		}
		end := skipValue(body, i)
		if end <= i {
			return false
		}
		value := body[i:end]
		i = end
		key := quoted[1 : len(quoted)-1]
		if bytes.IndexByte(quoted, '\\') >= 0 {
			k, err := keyText(quoted)
			if err != nil {
				return false
			}
			key = []byte(k)
		}
		if value[0] != 'n' {
			if name, ok := d.identifies(key); ok {
				out.Shape.set(name, value[0])
			}
		}
		if field, ok := lookupField(extra, key); ok {
			if err := json.Unmarshal(value, field.Addr().Interface()); err != nil && out.Field == nil {
				out.Field = fmt.Errorf("%q: %w", key, err)
			}
		}
	}
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

// skipString returns the index just past the string starting at b[i]: the first quote
// after it that is not escaped, that is, not preceded by an odd run of backslashes. The
// quotes are found with bytes.IndexByte, which is much faster than a loop over the bytes
// of a long string (ZeroSSL's validation URLs and file contents).
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		escapes := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			escapes++
		}
		if escapes%2 == 0 {
			return q + 1
		}
		j = q + 1
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

// identifies returns the identifying field key names, if it is one of d's.
func (d Document) identifies(key []byte) (string, bool) {
	for _, f := range d.Fields {
		if name := FieldName(f); name == string(key) {
			return name, true
		}
	}
	return "", false
}

// lookupField finds key's field in the first target that has it.
func lookupField(dests []reflect.Value, key []byte) (reflect.Value, bool) {
	for _, d := range dests {
		if i, ok := fieldsOf(d.Type()).index(key); ok {
			return d.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// structFields is a struct type's JSON field names and their indexes.
type structFields struct {
	names  []string
	exact  map[string]int
	nameOf []string // by field index: the JSON name, "" for a field encoding/json skips
}

var fieldCache sync.Map // reflect.Type -> *structFields

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{exact: map[string]int{}, nameOf: make([]string, t.NumField())}
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
		f.nameOf[i] = name
	}
	fieldCache.Store(t, f)
	return f
}

// index returns the field for key: an exact match, else the first case-insensitive one
// (encoding/json's rule).
func (f *structFields) index(key []byte) (int, bool) {
	if i, ok := f.exact[string(key)]; ok {
		return i, true
	}
	for _, n := range f.names {
		if bytes.EqualFold([]byte(n), key) {
			return f.exact[n], true
		}
	}
	return 0, false
}
