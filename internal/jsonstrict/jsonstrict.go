// Package jsonstrict decodes configuration JSON strictly, with errors that name the
// field at fault and the kind of JSON found there, never the value: a config holds an
// API key, and a mistake next to it must not print it.
package jsonstrict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Decode decodes data, which must hold exactly one JSON value, into v. An object field
// that v has no place for is an error at every depth that encoding/json decodes itself
// (a type with its own UnmarshalJSON must call Decode to be strict too), and so is
// anything but whitespace after the value.
func Decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describe(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// maxFieldName bounds how much of an unknown field's name an error quotes.
const maxFieldName = 40

// describe rewrites encoding/json's errors so that they name the field and the JSON
// kind found, and quote no value.
func describe(err error) error {
	// Only encoding/json's own errors are rewritten: an error a nested UnmarshalJSON
	// returned (already described, with its own prefix) is kept as it is.
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("malformed JSON at byte %d: %s", e.Offset, strings.TrimPrefix(e.Error(), "json: "))
	case *json.UnmarshalTypeError:
		found, _, _ := strings.Cut(e.Value, " ") // "number 1e999" would quote the number
		if e.Field == "" {
			return fmt.Errorf("want %s, got a JSON %s", kindWord(e.Type), found)
		}
		return fmt.Errorf("field %q: want %s, got a JSON %s", e.Field, kindWord(e.Type), found)
	}
	switch {
	case err == io.EOF:
		return errors.New("empty input: want a JSON object")
	case err == io.ErrUnexpectedEOF:
		return errors.New("the JSON ends before the value is complete")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if unq, err := strconv.Unquote(name); err == nil {
			name = unq
		}
		if len(name) > maxFieldName {
			name = strings.ToValidUTF8(name[:maxFieldName], "") + "…"
		}
		return fmt.Errorf("unknown field %q", name)
	}
	return err
}

// kindWord names the JSON a Go type is read from.
func kindWord(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "another value"
}
