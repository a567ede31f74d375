package wire

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestScalarString(t *testing.T) {
	for in, want := range map[string]string{
		`"abc"`: "abc", ` "a\u00e9" `: "aé", `12345678901234567890`: "12345678901234567890",
		`true`: "true", `null`: "", ``: "",
	} {
		got, err := ScalarString([]byte(in))
		if err != nil || got != want {
			t.Errorf("ScalarString(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`{"secret-value":1}`: "got an object", ` ["secret-value"]`: "got an array", `"secret-value\x"`: "invalid",
	} {
		got, err := ScalarString([]byte(in))
		if err == nil || got != "" || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("ScalarString(%s) = %q, %v; want an error saying %q without the value", in, got, err, want)
		}
	}
}

func TestScalarList(t *testing.T) {
	for in, want := range map[string][]string{
		`[]`: {}, ` [ ] `: {}, `["a.example.com"]`: {"a.example.com"},
		`[ "b.example" , "a.example" ]`:          {"b.example", "a.example"}, // order kept
		`["x", null, "", "  ", 42, true, " y "]`: {"x", "42", "true", "y"},
		`["a\u00e9,b", "c\"d", "[not]", "{no}"]`: {"aé,b", `c"d`, "[not]", "{no}"},
		"[\n\t\"a\"\n]":                          {"a"},
	} {
		got, err := ScalarList([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ScalarList(%s) = %#v, %v; want %#v", in, got, err, want)
		}
		// The same texts as decoding the array element by element.
		var raws []json.RawMessage
		if err := json.Unmarshal([]byte(in), &raws); err != nil {
			t.Fatal(err)
		}
		var each []string
		for _, r := range raws {
			text, err := ScalarString(r)
			if text = strings.TrimSpace(text); err == nil && text != "" {
				each = append(each, text)
			}
		}
		if len(each) != len(got) || len(each) > 0 && !reflect.DeepEqual(each, got) {
			t.Errorf("ScalarList(%s) = %#v, element by element %#v", in, got, each)
		}
	}
	for in, want := range map[string]string{
		`["ok", {"secret-value":1}]`: "got an object", `[["secret-value"]]`: "got an array",
		`"secret-value"`: "expected a JSON array", `{"a":"secret-value"}`: "expected a JSON array",
		`["secret-value"`: "expected a JSON array", `["secret-value",]`: "expected a JSON array", ``: "expected a JSON array",
	} {
		got, err := ScalarList([]byte(in))
		if err == nil || got != nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret-value") {
			t.Errorf("ScalarList(%s) = %#v, %v; want an error saying %q without the value", in, got, err, want)
		}
	}
}

// FuzzScalarList checks the in-place walk against decoding the array element by element:
// for any valid JSON array the same texts or an error in both; for anything else an error.
func FuzzScalarList(f *testing.F) {
	for _, s := range []string{`[]`, `["a", 1, null, " b "]`, `["a\u00e9\"", {"x":1}]`, `[[1]]`, `"x"`, `[1,`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ScalarList(b)
		var raws []json.RawMessage
		if json.Unmarshal(b, &raws) != nil || raws == nil {
			if err == nil {
				t.Fatalf("ScalarList(%q) = %q, want an error for a value that is not an array", b, got)
			}
			return
		}
		var each []string
		var eachErr error
		for _, r := range raws {
			text, err := ScalarString(r)
			if err != nil {
				eachErr = err
				break
			}
			if text = strings.TrimSpace(text); text != "" {
				each = append(each, text)
			}
		}
		if (err != nil) != (eachErr != nil) || err == nil && (len(got) != len(each) || len(each) > 0 && !reflect.DeepEqual(got, each)) {
			t.Fatalf("ScalarList(%q) = %q, %v; element by element %q, %v", b, got, err, each, eachErr)
		}
	})
}
