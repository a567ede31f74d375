package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
)

type readItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type readList struct {
	Items []readItem `json:"items"`
	Total int        `json:"total"`
	Note  string     `json:"-"`
	Page  *struct {
		N int `json:"n"`
	} `json:"page"`
}

type readEnvelope struct {
	Success json.RawMessage `json:"success"`
}

var docReadList = Document{Name: "a test list", Fields: []string{"items[]", "page{}"}, List: "items"}

// readers gives each body as it is and inside spaces and newlines.
func readers(body string) map[string]func() []byte {
	return map[string]func() []byte{
		"as is":  func() []byte { return []byte(body) },
		"spaced": func() []byte { return []byte(" \n\t" + body + "\r\n ") },
	}
}

func TestReadMatchesUnmarshal(t *testing.T) {
	for _, body := range []string{
		`{"items":[{"id":"1","name":"a"},{"id":"2"}],"total":2,"page":{"n":1},"other":[1,{"x":null}]}`,
		`{"Items":[{"id":"1"}],"TOTAL":3}`, // encoding/json's case-insensitive match
		`{"items":[{"id":"1"}],"items":[{"id":"2"},{"id":"3"}]}`,
		`{"items":null,"page":null,"total":0}`,
		` { "items" : [ ] , "page" : { } } `,
	} {
		for name, r := range readers(body) {
			var want readList
			if err := json.Unmarshal([]byte(body), &want); err != nil {
				t.Fatal(err)
			}
			var got readList
			o := docReadList.Read("p", "Op", r(), 0, &got)
			if o.Syntax != nil || o.Field != nil || o.TooMany != nil {
				t.Fatalf("%s %s: %+v", name, body, o)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: got %+v, want %+v", name, body, got, want)
			}
		}
	}
}

func TestReadShape(t *testing.T) {
	for body, want := range map[string]bool{
		`{"items":[]}`:             true,
		`{"page":{"n":1}}`:         true,
		`{"page":"x"}`:             false, // page must be an object
		`{"items":null,"page":[]}`: false,
		`{"total":1}`:              false,
		`{"items":{"id":"1"}}`:     false, // not an array
	} {
		for name, r := range readers(body) {
			var l readList
			o := docReadList.Read("p", "Op", r(), 0, &l)
			if o.Syntax != nil {
				t.Fatalf("%s %s: %v", name, body, o.Syntax)
			}
			if got := docReadList.Mismatch("p", "Op", 200, o.Shape) == nil; got != want {
				t.Errorf("%s %s: is the document = %v, want %v", name, body, got, want)
			}
		}
	}
}

func TestReadTooManyDecodesNoItem(t *testing.T) {
	// The third item has a wrongly typed id: decoding it would be a Field error, and
	// decoding any item would fill l.Items, so TooMany alone proves none was decoded.
	body := `{"items":[{"id":"1"},{"id":"2"},{"id":5}],"total":3}`
	var l readList
	o := docReadList.Read("p", "Op", []byte(body), 2, &l)
	if o.TooMany == nil || o.Syntax != nil || o.Field != nil || l.Items != nil {
		t.Fatalf("outcome %+v, list %+v", o, l)
	}
	var me *model.Error
	if !errors.As(o.TooMany, &me) || me.Code != pager.CodeStalled {
		t.Errorf("TooMany = %v, want pager.TooManyItems", o.TooMany)
	}
	o = docReadList.Read("p", "Op", []byte(`{"items":[{"id":"1"},{"id":"2"}]}`), 2, &l)
	if o.TooMany != nil || o.Shape.Items != 2 {
		t.Errorf("a full page: %+v", o)
	}
}

func TestReadFieldErrorKeepsWalking(t *testing.T) {
	body := `{"total":"many","items":[{"id":5},{"id":"2"}],"success":false}`
	for name, r := range readers(body) {
		var l readList
		var env readEnvelope
		o := docReadList.Read("p", "Op", r(), 0, &l, &env)
		if o.Syntax != nil || o.Field == nil || !strings.Contains(o.Field.Error(), "total") {
			t.Fatalf("%s: %+v", name, o)
		}
		if string(env.Success) != "false" || len(l.Items) != 2 || l.Items[1].ID != "2" {
			t.Errorf("%s: the walk did not go on: %+v %s", name, l, env.Success)
		}
	}
}

func TestReadSyntax(t *testing.T) {
	for _, body := range []string{``, `[]`, `"x"`, `<html>`, `{"items":[{"id":"1"}`, `{"total":1} {"total":2}`,
		`{"total":1}x`, `{"items":[1,]}`, `{"page":{"n":}}`, `{"items":[1,,2]}`, `{"items":[,]}`, `{"a" 1}`,
		`{"a":}`, `{,}`, `{"a":1,}`, `{"items":[1 2]}`, `{"items":["x]}`, `{"\u00zz":1}`} {
		for name, r := range readers(body) {
			var l readList
			if o := docReadList.Read("p", "Op", r(), 0, &l); o.Syntax == nil {
				t.Errorf("%s %q: no syntax error (%+v)", name, body, o)
			}
		}
	}
	var notStruct []int
	if o := docReadList.Read("p", "Op", []byte(`{}`), 0, &notStruct); o.Syntax == nil {
		t.Error("a target that is not a struct pointer was accepted")
	}
}

func TestReadFuzzSeedsNeverPanic(t *testing.T) {
	for _, body := range [][]byte{[]byte(`{"items":[{"id":{"x":[1,2]}}]}`), bytes.Repeat([]byte("["), 100), []byte(`{"items":[[[[]]]]}`)} {
		var l readList
		_ = docReadList.Read("p", "Op", body, 3, &l)
	}
}

// FuzzRead: no body panics or hangs Read, and a body it accepts is one JSON object.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{`{"items":[{"id":"1"}],"total":1}`, `{"items":[1,,2]}`, `{"page":{"n":1}}`, `{"a":"\\"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var l readList
		var env readEnvelope
		o := docReadList.Read("p", "Op", body, 3, &l, &env)
		if o.Syntax == nil && o.TooMany == nil && !json.Valid(body) {
			t.Fatalf("accepted %q, which is not JSON", body)
		}
		if o.TooMany == nil && o.Shape.Items > 3 {
			t.Fatalf("%d items over the limit without TooMany", o.Shape.Items)
		}
	})
}

// TestSkipString: the end of a string is its first quote not escaped, whatever the run of
// backslashes before it; a string without an end runs to the end of the input.
func TestSkipString(t *testing.T) {
	for in, want := range map[string]int{
		`"" x`: 2, `"abc",`: 5, `"a\"b"`: 6, `"a\\"b"`: 5, `"\\\""`: 6, `"\\\\"x`: 6,
		`"https://example.com/.well-known/pki-validation/F00.txt"}`: 56,
		`"no end`: 7, `"ends in \"`: 11, `"`: 1,
	} {
		if got := skipString([]byte(in), 0); got != want {
			t.Errorf("skipString(%s) = %d, want %d", in, got, want)
		}
	}
}

// FuzzSkipString: for any JSON string, skipString ends exactly where the string does.
func FuzzSkipString(f *testing.F) {
	for _, s := range []string{"", `a"b`, `a\b`, `\\"`, "\u00e9\x00\"\\\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := json.Marshal(s)
		if err != nil {
			return
		}
		if got := skipString(append(enc, `,"next"`...), 0); got != len(enc) {
			t.Fatalf("skipString(%s) = %d, want %d", enc, got, len(enc))
		}
	})
}
