package wire

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestInt(t *testing.T) {
	set := func(n int64) Int { return Int{N: n, Set: true} }
	for in, want := range map[string]Int{
		`250`: set(250), `-3`: set(-3), `0`: set(0), `"250"`: set(250), `" 7 "`: set(7), `"+5"`: set(5),
		`2.0`: set(2), `1e3`: set(1000), `"1e3"`: set(1000), `-0`: set(0),
		`9223372036854775807`: set(9223372036854775807), `"-9223372036854775808"`: set(-9223372036854775808),
		`null`: {}, `""`: {}, `"   "`: {},
	} {
		got := Int{N: 99, Set: true} // a reused value must not keep what it held
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Int from %s = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, kind := range map[string]string{
		`2.5`: "a number", `"2.5"`: "a string", `1e400`: "a number", `9223372036854775808`: "a number",
		`"abc"`: "a string", `"0x10"`: "a string", `"Inf"`: "a string", `"NaN"`: "a string", `"1_0"`: "a string",
		`true`: "a boolean", `{}`: "an object", `[1]`: "an array",
	} {
		got := Int{N: 99, Set: true}
		err := json.Unmarshal([]byte(in), &got)
		if err == nil || !strings.Contains(err.Error(), "expected an integer, got "+kind) {
			t.Errorf("Int from %s: err = %v, want one naming %s", in, err, kind)
		}
		if got.Set || got.N != 0 {
			t.Errorf("Int from %s kept a value after an error: %+v", in, got)
		}
	}
}

func TestBool(t *testing.T) {
	yes, no := Bool{V: true, Set: true}, Bool{V: false, Set: true}
	for in, want := range map[string]Bool{
		`true`: yes, `1`: yes, `"1"`: yes, `"true"`: yes, `"TRUE"`: yes, `" yes "`: yes, `"y"`: yes,
		`false`: no, `0`: no, `"0"`: no, `"False"`: no, `"no"`: no, `"N"`: no,
		`null`: {}, `""`: {},
	} {
		got := Bool{V: true, Set: true}
		if err := json.Unmarshal([]byte(in), &got); err != nil || got != want {
			t.Errorf("Bool from %s = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, kind := range map[string]string{
		`2`: "a number", `1.0`: "a number", `"maybe"`: "a string", `"10"`: "a string", `{}`: "an object", `[true]`: "an array",
	} {
		got := Bool{V: true, Set: true}
		err := json.Unmarshal([]byte(in), &got)
		if err == nil || !strings.Contains(err.Error(), kind) {
			t.Errorf("Bool from %s: err = %v, want one naming %s", in, err, kind)
		}
		if got.Set || got.V {
			t.Errorf("Bool from %s kept a value after an error: %+v", in, got)
		}
	}
}

// TestIntAndBoolAbsent: a member that is not there leaves the value unset, inside a
// struct as both adapters use them.
func TestIntAndBoolAbsent(t *testing.T) {
	var v struct {
		Total Int  `json:"total"`
		Done  Bool `json:"done"`
	}
	if err := json.Unmarshal([]byte(`{"other":1}`), &v); err != nil || v.Total.Set || v.Done.Set {
		t.Errorf("absent members: %+v, %v", v, err)
	}
	err := json.Unmarshal([]byte(`{"total":"many"}`), &v)
	if err == nil || !strings.Contains(err.Error(), "expected an integer") {
		t.Errorf("a wrong total inside an object: err = %v", err)
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`: "an object", ` [1]`: "an array", `"x"`: "a string", `true`: "a boolean", `false`: "a boolean",
		`null`: "null", `-1`: "a number", `3`: "a number", ``: "nothing", `  `: "nothing",
	} {
		if got := Kind([]byte(in)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzIntAndBool: whatever the bytes, decoding never panics, an error leaves the value
// unset, and a value that is set was written as an integer (or a boolean word) in b.
func FuzzIntAndBool(f *testing.F) {
	for _, seed := range []string{`1`, `"2"`, `1e3`, `2.5`, `null`, `""`, `true`, `"yes"`, `{}`, `[1]`, `"0x10"`, `1e400`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var n Int
		if err := n.UnmarshalJSON(b); err != nil && n != (Int{}) {
			t.Fatalf("Int from %q: %v but %+v", b, err, n)
		} else if n.Set {
			text, _, _ := ScalarText(b)
			want, perr := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if perr != nil || float64(n.N) != want {
				t.Fatalf("Int from %q = %d, but its text reads as %v (%v)", b, n.N, want, perr)
			}
		}
		var v Bool
		if err := v.UnmarshalJSON(b); err != nil && v != (Bool{}) {
			t.Fatalf("Bool from %q: %v but %+v", b, err, v)
		} else if v.Set {
			text, _, _ := ScalarText(b)
			if _, ok := parseBool(strings.TrimSpace(text)); !ok {
				t.Fatalf("Bool from %q set from text %q", b, text)
			}
		}
	})
}
