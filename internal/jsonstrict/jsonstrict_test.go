package jsonstrict

import (
	"strings"
	"testing"
)

type inner struct {
	N int `json:"n"`
}

type doc struct {
	Name  string `json:"name"`
	Inner inner  `json:"inner"`
	List  []int  `json:"list"`
}

func TestDecode(t *testing.T) {
	var d doc
	if err := Decode([]byte(` {"name":"x","inner":{"n":2},"list":[1]} `+"\n"), &d); err != nil || d.Inner.N != 2 {
		t.Fatalf("valid document: %v %+v", err, d)
	}
	const secretish = "s3cr3t-value-never-quoted"
	for in, want := range map[string]string{
		``:                                      "empty input: want a JSON object",
		`{"name":"` + secretish:                 "the JSON ends before the value is complete",
		`{"name":"` + secretish + `" x}`:        "malformed JSON at byte",
		`{"name":"` + secretish + `"} {}`:       "unexpected data after the JSON value",
		`{"inner":{"n":1,"m":2}}`:               `unknown field "m"`,
		`{"nmae":"` + secretish + `"}`:          `unknown field "nmae"`,
		`{"name":1e400}`:                        `field "name": want a string, got a JSON number`,
		`{"inner":{"n":"` + secretish + `"}}`:   `field "inner.n": want an integer, got a JSON string`,
		`{"inner":{"n":123456789012345678901}}`: `field "inner.n": want an integer, got a JSON number`,
		`{"list":{"a":1}}`:                      `field "list": want an array, got a JSON object`,
		`[1]`:                                   "want an object, got a JSON array",
		`{"a\nb":1}`:                            `unknown field "a\nb"`,
		`{"` + strings.Repeat("k", 60) + `":1}`: `unknown field "` + strings.Repeat("k", maxFieldName) + `…"`,
	} {
		err := Decode([]byte(in), &doc{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
			continue
		}
		for _, v := range []string{secretish, "1e400", "123456789012345678901"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%q: the error quotes a value: %v", in, err)
			}
		}
	}
}
