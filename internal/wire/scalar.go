package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// ScalarText reads a raw JSON value as text, the way both CAs' loosely typed fields need:
// a string decoded, a number or boolean as written, null or nothing as "". scalar is
// false for an object or an array (text is then ""), for the caller to accept or refuse
// as its API warrants. err is set only for a malformed string.
func ScalarText(b []byte) (text string, scalar bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", true, nil
	case b[0] == '{' || b[0] == '[':
		return "", false, nil
	case b[0] != '"':
		return string(b), true, nil
	}
	if raw := b[1:max(len(b)-1, 1)]; len(b) >= 2 && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		// No escapes and valid UTF-8: the decoded string is the raw bytes (the decoder has
		// already checked the token), without json.Unmarshal's allocations.
		return string(raw), true, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", true, err
	}
	return s, true, nil
}

// errNotScalar and errNotScalarArray are ScalarString's errors: they name the JSON kind,
// never the value.
var (
	errNotScalar      = errors.New("expected a string or a number, got an object")
	errNotScalarArray = errors.New("expected a string or a number, got an array")
)

// ScalarString is ScalarText for a field that must hold a scalar: an object or an array
// is an error naming its kind, never "no value", since the wire types declare only the
// fields the model uses and reading a misplaced object as empty would be a silent wrong
// answer (providertest's Faults/WrongTypes proves it).
func ScalarString(b []byte) (string, error) {
	text, scalar, err := ScalarText(b)
	switch {
	case err != nil || scalar:
		return text, err
	case bytes.TrimSpace(b)[0] == '[':
		return "", errNotScalarArray
	}
	return "", errNotScalar
}

// errMalformedList is ScalarList's error for bytes that are not one JSON array.
var errMalformedList = errors.New("expected a JSON array")

// ScalarList reads a JSON array of scalars as its elements' ScalarString texts, in order,
// each with surrounding white space removed and empty ones (null, "", "  ") left out. An
// element that is an object or an array is ScalarString's error; anything but one valid
// JSON array is errMalformedList. The array is checked with json.Valid (a scan that
// allocates nothing) and then walked in place, rather than decoded again into a slice of
// loose values and copied.
func ScalarList(b []byte) ([]string, error) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' || !json.Valid(b) {
		return nil, errMalformedList
	}
	out := make([]string, 0, bytes.Count(b, []byte{','})+1)
	for i := skipSpace(b, 1); i < len(b)-1; {
		end := skipValue(b, i)
		text, err := ScalarString(b[i:end])
		if err != nil {
			return nil, err
		}
		if text = strings.TrimSpace(text); text != "" {
			out = append(out, text)
		}
		i = skipSpace(b, end)
		if i < len(b)-1 && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out, nil
}
