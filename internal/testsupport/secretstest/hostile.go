package secretstest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Replacements are the values WrongTypes puts in place of each field in turn: a number,
// a string, an array, an object, null, a boolean, an empty string and a huge number.
var Replacements = []any{12345, "not-what-you-expected", []any{1, "x", nil}, map[string]any{"k": "v"}, nil, true, "", 1.5e300}

// Variant is payload with the value at Path replaced by Value.
type Variant struct {
	Path  string
	Value any
	Body  []byte
}

// WrongTypes returns, for every value in the JSON payload (every object field and array
// element, at any depth, the root excluded), one variant per Replacements entry with that
// value replaced. Paths are sorted, so the order is stable.
func WrongTypes(payload []byte) ([]Variant, error) {
	var root any
	if err := json.Unmarshal(payload, &root); err != nil {
		return nil, err
	}
	var paths [][]any
	var walk func(v any, path []any)
	walk = func(v any, path []any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := append(append([]any(nil), path...), k)
				paths = append(paths, p)
				walk(c, p)
			}
		case []any:
			for i, c := range x {
				p := append(append([]any(nil), path...), i)
				paths = append(paths, p)
				walk(c, p)
			}
		}
	}
	walk(root, nil)
	sort.Slice(paths, func(i, j int) bool { return fmt.Sprint(paths[i]) < fmt.Sprint(paths[j]) })
	var out []Variant
	for _, p := range paths {
		for _, r := range Replacements {
			var fresh any
			_ = json.Unmarshal(payload, &fresh) // a deep copy to change
			set(fresh, p, r)
			b, err := json.Marshal(fresh)
			if err != nil {
				return nil, err
			}
			out = append(out, Variant{Path: pathString(p), Value: r, Body: b})
		}
	}
	return out, nil
}

func set(root any, path []any, v any) {
	cur := root
	for i, step := range path {
		last := i == len(path)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[step.(string)] = v
				return
			}
			cur = c[step.(string)]
		case []any:
			if last {
				c[step.(int)] = v
				return
			}
			cur = c[step.(int)]
		}
	}
}

func pathString(p []any) string {
	s := ""
	for _, step := range p {
		switch x := step.(type) {
		case string:
			s += "." + x
		case int:
			s += "[" + strconv.Itoa(x) + "]"
		}
	}
	return s
}

// Stream serves an HTTP 200 answer of size bytes (prefix, then '0's) without building it
// in memory, counting in *sent what it managed to write before the client hung up.
func Stream(size int64, prefix string, sent *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		chunk := make([]byte, 64<<10)
		for i := range chunk {
			chunk[i] = '0'
		}
		n, _ := w.Write([]byte(prefix))
		sent.Add(int64(n))
		left := size - int64(n)
		for left > 0 {
			c := chunk
			if int64(len(c)) > left {
				c = c[:left]
			}
			n, err := w.Write(c)
			sent.Add(int64(n))
			left -= int64(n)
			if err != nil {
				return
			}
		}
	}
}

// Recorder is a server that records every request it gets (the target of a cross-host
// redirect, which must never see the key).
type Recorder struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

// NewRecorder starts a Recorder answering 200 {} to everything; Close stops it.
func NewRecorder() *Recorder {
	r := &Recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req.Clone(context.Background()))
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	return r
}

// Requests returns the requests received so far.
func (r *Recorder) Requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// Carrying returns the received requests whose URL or headers hold a form of key.
func (r *Recorder) Carrying(key string) []*http.Request {
	var out []*http.Request
	for _, req := range r.Requests() {
		text := req.URL.String()
		for k, vs := range req.Header {
			text += " " + k + "=" + strings.Join(vs, ",")
		}
		for _, f := range Forms(key) {
			if strings.Contains(text, f) {
				out = append(out, req)
				break
			}
		}
	}
	return out
}
