package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Int is an integer member as the CAs send it: a JSON number or a numeric string
// ("250", " 3 "), a whole number written with a fraction or an exponent (2.0, 1e3)
// included. null, an empty string or an absent member leave it unset (Set false, N 0),
// so a caller can tell "not said" from 0. Anything else (another string, a fraction, a
// boolean, an object, an array, a number beyond int64) is an error that names the JSON
// kind found, never the value; a wrong value is never read as 0.
type Int struct {
	N   int64
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error { return decodeScalar(n, b, "an integer", parseInt) }

// parseInt reads an Int's trimmed, non-empty text.
func parseInt(text string) (Int, bool) {
	if v, err := strconv.ParseInt(text, 10, 64); err == nil {
		return Int{N: v, Set: true}, true
	}
	// Only JSON's own number syntax may carry a fraction or an exponent: ParseFloat
	// alone would also take "0x10", "Inf" and "1_0".
	f, err := strconv.ParseFloat(text, 64)
	// 2^63 is the first float64 above every int64.
	if err != nil || !json.Valid([]byte(text)) || f != math.Trunc(f) || math.Abs(f) >= 1<<63 {
		return Int{}, false
	}
	return Int{N: int64(f), Set: true}, true
}

// Bool is a boolean member as the CAs send it: true or false, the numbers 1 and 0, or
// a string "true", "false", "1", "0", "yes", "no", "y" or "n" in any case and with
// surrounding white space. null, an empty string or an absent member leave it unset
// (Set false, V false). Anything else is an error that names the JSON kind found, never
// the value; a wrong value is never read as false.
type Bool struct {
	V   bool
	Set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	return decodeScalar(v, b, "a boolean (true, false, 1, 0)", parseBool)
}

// parseBool reads a Bool's trimmed, non-empty text.
func parseBool(text string) (Bool, bool) {
	switch strings.ToLower(text) {
	case "true", "1", "yes", "y":
		return Bool{V: true, Set: true}, true
	case "false", "0", "no", "n":
		return Bool{V: false, Set: true}, true
	}
	return Bool{}, false
}

// ParseBool reads a raw member as a Bool: nil or empty bytes (an absent member) leave it
// unset.
func ParseBool(b []byte) (Bool, error) {
	var v Bool
	err := v.UnmarshalJSON(b)
	return v, err
}

// decodeScalar sets *dst from the raw value b: unset (the zero T) for null, nothing or
// a blank string, else what parse makes of the trimmed text. An object, an array or a
// text parse refuses is an error saying that want was expected and naming the JSON kind
// found; *dst is then unset too.
func decodeScalar[T any](dst *T, b []byte, want string, parse func(string) (T, bool)) error {
	var zero T
	*dst = zero
	text, scalar, err := ScalarText(b)
	switch {
	case err != nil:
		return err
	case !scalar:
		return fmt.Errorf("expected %s, got %s", want, Kind(b))
	}
	if text = strings.TrimSpace(text); text == "" {
		return nil
	}
	v, ok := parse(text)
	if !ok {
		return fmt.Errorf("expected %s, got %s", want, Kind(b))
	}
	*dst = v
	return nil
}

// Kind names the JSON type of a raw value for error messages ("an object", "a string",
// "null", ...), never the value itself.
func Kind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
