package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// streamBodies are list documents whose decoding json.Unmarshal settles: every payload
// field, list included, must come out as it does there, field errors and all.
var streamBodies = []string{
	`{"items":[{"id":"1","name":"a"},{"id":"2"}],"total":2,"page":{"n":1},"other":[1,{"x":null}]}`,
	`{"Items":[{"id":"1"}],"TOTAL":3}`,
	`{"items":[{"id":"1","name":"x"}],"items":[{"id":"2"},{"id":"3"}]}`,
	`{"items":[{"id":"1"},{"id":"2"}],"items":[{"name":"y"}]}`,
	`{"items":null,"page":null,"total":0}`,
	`{"items":[],"page":{}}`,
	`{"items":[null,{"id":"1"},null]}`,
	`{"items":[{"id":5},{"id":"2","name":[]}],"total":"many"}`,
	`{"items":"none","total":1}`,
	`{"items":{"id":"1"},"total":1}`,
	`{"items":7}`,
	`{"page":{"n":"x"},"items":[{"id":"1"}]}`,
	`{"ITEMS":[{"ID":"1","NAME":"n"}],"Page":{"N":2}}`,
	`{"items":[{"id":"\u00e9\ud83d\ude00"}],"note":"ignored"}`,
}

func TestDecodeMatchesUnmarshal(t *testing.T) {
	for _, body := range streamBodies {
		var want readList
		wantErr := json.Unmarshal([]byte(body), &want)
		for name, r := range map[string]io.Reader{
			"reader":      strings.NewReader(body),
			"one byte":    iotest.OneByteReader(strings.NewReader(body)),
			"half reads":  iotest.HalfReader(strings.NewReader(body)),
			"bytes, Read": nil,
		} {
			var got readList
			var o Outcome
			if r == nil {
				o = docReadList.Read("p", "Op", []byte(body), 0, &got)
			} else {
				o = docReadList.Decode("p", "Op", r, 0, &got)
			}
			if o.Syntax != nil || o.TooMany != nil {
				t.Fatalf("%s %s: %+v", name, body, o)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s:\n got %+v\nwant %+v", name, body, got, want)
			}
			if (o.Field == nil) != (wantErr == nil) {
				t.Errorf("%s %s: field error %v, json.Unmarshal's %v", name, body, o.Field, wantErr)
			} else if o.Field != nil && o.Field.Error() != wantErr.Error() {
				t.Errorf("%s %s: field error %q, json.Unmarshal's %q", name, body, o.Field, wantErr)
			}
		}
	}
}

func TestDecodeStreamShapeAndEnvelope(t *testing.T) {
	body := `{"success":false,"items":[{"id":5},{"id":"2"}],"page":{"n":1},"error":{"code":1}}`
	var l readList
	var env struct {
		Success json.RawMessage `json:"success"`
		Error   json.RawMessage `json:"error"`
	}
	o := docReadList.Decode("p", "Op", iotest.OneByteReader(strings.NewReader(body)), 5, &l, &env)
	if o.Syntax != nil || o.TooMany != nil || o.Field == nil {
		t.Fatalf("%+v", o)
	}
	if !strings.Contains(o.Field.Error(), "readItem.items.id") {
		t.Errorf("the field error does not name its path: %v", o.Field)
	}
	if string(env.Success) != "false" || string(env.Error) != `{"code":1}` {
		t.Errorf("envelope %s %s: keys before and after the list are read", env.Success, env.Error)
	}
	if o.Shape.Items != 2 || !o.Shape.Has("items[]") || !o.Shape.Has("page{}") || len(l.Items) != 2 || l.Items[1].ID != "2" {
		t.Errorf("shape %+v, list %+v", o.Shape, l)
	}
}

// endlessList serves `{"items":[` and then items for ever, counting the bytes read.
type endlessList struct {
	started bool
	read    int
	item    []byte
	pending []byte
}

func (e *endlessList) Read(p []byte) (int, error) {
	if !e.started {
		e.started, e.pending = true, []byte(`{"items":[`+string(e.item))
	}
	for len(e.pending) < len(p) {
		e.pending = append(append(e.pending, ','), e.item...)
	}
	n := copy(p, e.pending)
	e.pending = e.pending[n:]
	e.read += n
	return n, nil
}

func TestDecodeTooManyStopsReading(t *testing.T) {
	// A page of endless items when 1,000 were asked: refused at item 1,001, having read
	// about 1,001 items' worth of the stream and nothing after.
	src := &endlessList{item: []byte(`{"id":"0123456789","name":"example"}`)}
	var l readList
	o := docReadList.Decode("p", "Op", src, 1000, &l)
	if o.TooMany == nil || o.Syntax != nil || l.Items != nil {
		t.Fatalf("outcome %+v, %d items kept", o, len(l.Items))
	}
	if limit := 1001*(len(src.item)+1) + 4096; src.read > limit {
		t.Errorf("read %d bytes, over %d", src.read, limit)
	}
}

func TestDecodeReadFailureIsSyntax(t *testing.T) {
	reset := errors.New("connection reset by peer")
	body := `{"items":[{"id":"1"},{"id":"2"},{"id":"3"}]}`
	for cut := 1; cut < len(body); cut += 7 {
		var l readList
		r := io.MultiReader(strings.NewReader(body[:cut]), iotest.ErrReader(reset))
		o := docReadList.Decode("p", "Op", r, 0, &l)
		if !errors.Is(o.Syntax, reset) || o.Field != nil {
			t.Errorf("cut at %d: %+v, want the read error as the end of the document", cut, o)
		}
	}
}

func TestDecodeSyntaxAndNotObject(t *testing.T) {
	for body, notObject := range map[string]bool{
		``: true, `[]`: true, `"x"`: true, `<html>`: true, `  null `: true,
		`{"items":[{"id":"1"}`: false, `{"items":[1,]}`: false, `{"items":[,]}`: false, `{"items":[1 2]}`: false,
		`{"total":1} {"total":2}`: false, `{"total":1}x`: false, `{"items":[]}]`: false, `{"a":1,}`: false,
	} {
		for name, r := range readers(body) {
			var l readList
			o := docReadList.Decode("p", "Op", bytes.NewReader(r()), 0, &l)
			if o.Syntax == nil {
				t.Errorf("%s %q: no syntax error (%+v)", name, body, o)
			} else if errors.Is(o.Syntax, ErrNotObject) != notObject {
				t.Errorf("%s %q: %v, not an object = %v", name, body, o.Syntax, !notObject)
			}
		}
	}
}

func TestDecodeOneObjectRepair(t *testing.T) {
	doc := Document{Name: "an item", Fields: []string{"id"},
		Repair: func(b []byte) ([]byte, bool) {
			fixed := bytes.ReplaceAll(b, []byte(":bare"), []byte(`:"bare"`))
			return fixed, !bytes.Equal(fixed, b)
		}}
	var it readItem
	o := doc.Decode("p", "Op", strings.NewReader(`{"id":"1","name":bare}`), 0, &it)
	if o.Syntax != nil || it.Name != "bare" || it.ID != "1" {
		t.Errorf("repaired: %+v %+v", o, it)
	}
	o = doc.Decode("p", "Op", strings.NewReader(`{"id":"1","name":}`), 0, &it)
	if o.Syntax == nil {
		t.Errorf("a body Repair cannot mend: %+v", o)
	}
}

// FuzzDecode: whatever the body, Decode matches json.Unmarshal: it refuses exactly the
// bodies that are not one JSON object, and otherwise fills the payload as json.Unmarshal
// does, with the same first field error; with a limit, no list over it is accepted.
func FuzzDecode(f *testing.F) {
	for _, seed := range append(streamBodies, `{"items":[1,,2]}`, `{"a":"\\"}`, `[{}]`, `{"items":[{"id":"1"}]} x`) {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got, want readList
		o := docReadList.Decode("p", "Op", iotest.HalfReader(bytes.NewReader(body)), 0, &got)
		wantErr := json.Unmarshal(body, &want)
		first := bytes.TrimLeft(body, " \t\r\n")
		isObject := json.Valid(body) && len(first) > 0 && first[0] == '{'
		if (o.Syntax == nil) != isObject {
			t.Fatalf("%q: syntax %v, but a JSON object = %v", body, o.Syntax, isObject)
		}
		if o.Syntax != nil {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", body, got, want)
		}
		if fmt.Sprint(o.Field) != fmt.Sprint(wantErr) {
			t.Fatalf("%q: field error %v, json.Unmarshal's %v", body, o.Field, wantErr)
		}
		var limited readList
		if lo := docReadList.Decode("p", "Op", bytes.NewReader(body), 2, &limited); lo.TooMany == nil && len(limited.Items) > 2 {
			t.Fatalf("%q: %d items accepted over a limit of 2", body, len(limited.Items))
		}
	})
}
