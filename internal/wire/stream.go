package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/anyca/anyca/pager"
)

// Decode reads the JSON object r holds into targets (pointers to structs; the first is
// the payload, the others envelopes read beside it), with the Outcome Read gives for the
// same bytes. Every target is reset first, so a retried attempt starts clean.
//
// A list document (d.List set) is streamed: its top level token by token, each item of
// the list decoded on its own into the next element of the payload's list field, so the
// body is never held whole. A one-object document (a lookup) is read whole (through
// ReadAll when r has it, sized from the announced length) and given to Read: for a body
// of a few kilobytes one buffer and one json.Unmarshal cost fewer allocations than a
// decoder and its tokens, and Repair can read it again.
func (d Document) Decode(provider, op string, r io.Reader, limit int, targets ...any) Outcome {
	if d.List != "" {
		return d.stream(provider, op, r, limit, targets)
	}
	var data []byte
	var err error
	if w, ok := r.(interface{ ReadAll() ([]byte, error) }); ok {
		data, err = w.ReadAll()
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return Outcome{Syntax: err}
	}
	o := d.Read(provider, op, data, limit, targets...)
	if o.Syntax != nil && d.Repair != nil {
		if fixed, ok := d.Repair(data); ok {
			resetTargets(targets)
			o = d.Read(provider, op, fixed, limit, targets...)
		}
	}
	return o
}

// ErrNotObject is wrapped by Outcome.Syntax when the body's first value is not a JSON
// object (or there is none): an HTML page, an array, a bare string, nothing.
var ErrNotObject = errors.New("not a JSON object")

// targetValues checks Read's and Decode's targets: one to four pointers to structs.
// extra receives the envelopes' struct values.
func targetValues(targets []any, extra *[3]reflect.Value) (payload reflect.Value, n int, err error) {
	if len(targets) == 0 || len(targets) > len(extra)+1 {
		return reflect.Value{}, 0, fmt.Errorf("wire: %d decode targets (1 to %d)", len(targets), len(extra)+1)
	}
	for i, t := range targets {
		v := reflect.ValueOf(t)
		if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return reflect.Value{}, 0, fmt.Errorf("wire: decode target %T is not a pointer to a struct", t)
		}
		if i == 0 {
			payload = v.Elem()
		} else {
			extra[i-1] = v.Elem()
		}
	}
	return payload, len(targets) - 1, nil
}

// resetTargets sets every target that is a pointer to a struct to its zero value.
func resetTargets(targets []any) {
	for _, t := range targets {
		if v := reflect.ValueOf(t); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			v.Elem().SetZero()
		}
	}
}

// streamer is one streamed document: the decoder, the reader under it (whose failures
// end the document whatever the decoder makes of them), and what is found so far.
type streamer struct {
	d        Document
	dec      *json.Decoder
	src      *failedRead
	payload  reflect.Value
	fields   *structFields
	listIdx  int // the payload's field for d.List, -1 when it has none
	extra    []reflect.Value
	limit    int
	provider string
	op       string
	out      Outcome
}

// failedRead records the first error of the reader under the decoder.
type failedRead struct {
	r   io.Reader
	err error
}

func (f *failedRead) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF && f.err == nil {
		f.err = err
	}
	return n, err
}

// stream is Decode for a list document.
func (d Document) stream(provider, op string, r io.Reader, limit int, targets []any) Outcome {
	var extra [3]reflect.Value
	payload, n, err := targetValues(targets, &extra)
	if err != nil {
		return Outcome{Syntax: err}
	}
	resetTargets(targets)
	s := &streamer{d: d, src: &failedRead{r: r}, payload: payload, fields: fieldsOf(payload.Type()),
		listIdx: -1, extra: extra[:n], limit: limit, provider: provider, op: op}
	if i, ok := s.fields.index([]byte(d.List)); ok && payload.Field(i).Kind() == reflect.Slice {
		s.listIdx = i
	}
	s.dec = json.NewDecoder(s.src)
	if !s.object() && s.out.TooMany != nil {
		resetTargets(targets) // nothing of a page over the limit is kept
		return Outcome{TooMany: s.out.TooMany}
	}
	return s.out
}

// object reads the top-level object and what follows it; false when it stopped early
// (out.Syntax or out.TooMany set).
func (s *streamer) object() bool {
	tok, err := s.dec.Token()
	if err != nil {
		s.out.Syntax = fmt.Errorf("%w: not JSON: %w", ErrNotObject, s.cause(err))
		return false
	}
	if tok != json.Delim('{') {
		s.out.Syntax = ErrNotObject
		return false
	}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return s.syntax(err)
		}
		key, _ := tok.(string)
		if !s.member(key) {
			return false
		}
	}
	if _, err := s.dec.Token(); err != nil { // the closing brace
		return s.syntax(err)
	}
	if tok, err := s.dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("data after the top-level object (%v)", tok)
		}
		return s.syntax(err)
	}
	return true
}

// member reads the value of the top-level key.
func (s *streamer) member(key string) bool {
	i, inPayload := s.fields.index([]byte(key))
	if inPayload && i == s.listIdx {
		return s.list(key, s.fields.nameOf[i], s.payload.Field(i))
	}
	name, identifying := s.d.identifies([]byte(key))
	field, inExtra := lookupField(s.extra, []byte(key))
	if !inPayload && !identifying && !inExtra {
		if err := s.dec.Decode(&skip{}); err != nil {
			return s.syntax(err)
		}
		return true
	}
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return s.syntax(err)
	}
	raw = bytes.TrimSpace(raw)
	if identifying && len(raw) > 0 && raw[0] != 'n' {
		s.out.Shape.set(name, raw[0])
	}
	if inPayload {
		s.field(s.fields.nameOf[i], json.Unmarshal(raw, s.payload.Field(i).Addr().Interface()))
	}
	if inExtra {
		if err := json.Unmarshal(raw, field.Addr().Interface()); err != nil && s.out.Field == nil {
			s.out.Field = fmt.Errorf("%q: %w", key, err)
		}
	}
	return true
}

// list reads the value of the list key into the slice field named fieldName: each item
// decoded on its own, the item over the limit refused before it is decoded. Like
// encoding/json it reuses the slice's elements (a repeated key decodes into the earlier
// items) and sets it to nil for null.
func (s *streamer) list(key, fieldName string, field reflect.Value) bool {
	tok, err := s.dec.Token()
	if err != nil {
		return s.syntax(err)
	}
	name, identifying := s.d.identifies([]byte(key))
	switch tok {
	case nil:
		field.SetZero()
		return true
	case json.Delim('['):
	default:
		if identifying {
			s.out.Shape.set(name, firstByte(tok))
		}
		s.field(fieldName, &json.UnmarshalTypeError{Value: jsonKind(tok), Type: field.Type()})
		if tok == json.Delim('{') {
			return s.skipRest()
		}
		return true
	}
	if identifying {
		s.out.Shape.set(name, '[')
	}
	field.SetLen(0)
	n := 0
	for s.dec.More() {
		if s.limit > 0 && n >= s.limit {
			s.out.TooMany = pager.TooManyItems(s.provider, s.op, s.limit)
			return false
		}
		if n >= field.Cap() {
			field.Grow(1)
		}
		field.SetLen(n + 1)
		if err := s.dec.Decode(field.Index(n).Addr().Interface()); err != nil {
			if s.fatal(err) {
				return s.syntax(err)
			}
			s.field(fieldName, err)
		}
		n++
	}
	if s.src.err != nil {
		return s.syntax(s.src.err)
	}
	if _, err := s.dec.Token(); err != nil { // the closing bracket
		return s.syntax(err)
	}
	if n == 0 {
		field.Set(reflect.MakeSlice(field.Type(), 0, 0)) // [] is an empty list, not nil
	}
	s.out.Shape.Items = n
	return true
}

// skipRest consumes the rest of an object whose opening brace was read.
func (s *streamer) skipRest() bool {
	for s.dec.More() {
		if _, err := s.dec.Token(); err != nil {
			return s.syntax(err)
		}
		if err := s.dec.Decode(&skip{}); err != nil {
			return s.syntax(err)
		}
	}
	if _, err := s.dec.Token(); err != nil {
		return s.syntax(err)
	}
	return true
}

// field keeps the first error decoding the payload's field named name, with name in its
// path as json.Unmarshal of the whole body would have it.
func (s *streamer) field(name string, err error) {
	if err == nil || s.out.Field != nil {
		return
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			te.Field, te.Struct = name, s.payload.Type().Name()
		} else {
			te.Field = name + "." + te.Field
		}
	}
	s.out.Field = err
}

// fatal reports whether err from the decoder ends the document: broken JSON, or a read
// that failed under it. Any other error is a value's (a wrong type, a refusal by an
// UnmarshalJSON method), and decoding goes on as encoding/json goes on.
func (s *streamer) fatal(err error) bool {
	var syn *json.SyntaxError
	return s.src.err != nil || errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// syntax records the error that ended the document and returns false.
func (s *streamer) syntax(err error) bool {
	s.out.Syntax = s.cause(err)
	return false
}

// cause is the error to report for err from the decoder: the reader's own failure when
// there was one, and an end of input inside the object as io.ErrUnexpectedEOF.
func (s *streamer) cause(err error) error {
	switch {
	case s.src.err != nil:
		return s.src.err
	case err == io.EOF:
		return io.ErrUnexpectedEOF
	}
	return err
}

// jsonKind names the JSON type of a token as encoding/json's errors name it.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	case json.Delim:
		return "object"
	}
	return "value"
}

// firstByte is the first byte of a token's JSON form, for Shape.
func firstByte(tok json.Token) byte {
	switch tok.(type) {
	case string:
		return '"'
	case json.Delim:
		return '{'
	case bool:
		return 't'
	}
	return '0'
}
