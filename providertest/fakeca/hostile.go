package fakeca

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// serveHostile plays the faults that attack the client's decoding, its transport and
// its secrets rather than its retries: a redirect, a wrong type in one field, a huge
// body, a body quoting the request.
func serveHostile(w http.ResponseWriter, r *http.Request, h http.Handler, f Fault) {
	switch f.Kind {
	case Redirect:
		status := f.Status
		if status == 0 {
			status = http.StatusFound
		}
		loc := f.Location
		if loc == "" {
			loc = r.URL.RequestURI()
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(status)
	case WrongType:
		serveRewritten(w, r, h, func(body []byte) ([]byte, bool) { return MangleField(body, f.Field) })
	case WrongScalar:
		serveRewritten(w, r, h, func(body []byte) ([]byte, bool) { return MangleScalar(body, f.Field) })
	case Taint:
		serveRewritten(w, r, h, func(body []byte) ([]byte, bool) { return TaintStrings(body, f.Message), true })
	case HugeBody:
		size := f.Size
		if size <= 0 {
			size = 64 << 20
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		item := []byte(`{"id":"1","name":"` + strings.Repeat("x", 1000) + `"},`)
		_, _ = w.Write([]byte(`{"results":[`))
		for n := int64(0); n < size; n += int64(len(item)) {
			if _, err := w.Write(item); err != nil {
				return // the client stopped reading, as it should
			}
		}
		_, _ = w.Write([]byte(`{"id":"1"}]}`))
	case EchoRequest:
		status := f.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		var lines []string
		lines = append(lines, r.Method+" "+r.URL.RequestURI())
		for k, vs := range r.Header {
			for _, v := range vs {
				lines = append(lines, k+": "+v)
			}
		}
		sort.Strings(lines[1:])
		text := strings.Join(lines, "\n")
		b, _ := json.Marshal(map[string]any{"error": "bad request", "message": text,
			"escaped": url.QueryEscape(text), "request": lines})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

// serveRewritten answers r with h's answer, its body replaced by what rewrite makes of
// it (when rewrite reports true), status and headers kept.
func serveRewritten(w http.ResponseWriter, r *http.Request, h http.Handler, rewrite func([]byte) ([]byte, bool)) {
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	body := rec.body.Bytes()
	if out, ok := rewrite(body); ok {
		body = out
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.status())
	_, _ = w.Write(body)
}

// MangleField returns doc with its n-th scalar (a string, number, boolean or null,
// counted depth first with object keys in sorted order) replaced by a container no
// lenient scalar decoder can take for it: a string or boolean becomes a one-element
// array of itself, a number {"value":n}, a null {"unexpected":true}. It returns false
// when doc is not JSON or has no n-th scalar.
func MangleField(doc []byte, n int) ([]byte, bool) {
	return rewriteNth(doc, n, func(v any) (any, bool) {
		switch x := v.(type) {
		case string:
			return []any{x}, true
		case json.Number:
			return map[string]any{"value": x}, true
		case bool:
			return []any{x}, true
		}
		return map[string]any{"unexpected": true}, true
	})
}

// MangleScalar returns doc with its n-th number or boolean (counted depth first with
// object keys in sorted order; strings and nulls are not counted) replaced by a string
// that is neither: a number by "not/a-number" (which is not an id either: ids are
// opaque, but never hold '/', wire.CheckID), a boolean by "maybe". It returns false
// when doc is not JSON or has no n-th number or boolean.
func MangleScalar(doc []byte, n int) ([]byte, bool) {
	return rewriteNth(doc, n, func(v any) (any, bool) {
		switch v.(type) {
		case json.Number:
			return "not/a-number", true
		case bool:
			return "maybe", true
		}
		return v, false
	})
}

// rewriteNth decodes doc (numbers as written) and replaces the n-th scalar that change
// accepts, counted depth first with object keys in sorted order, by what change makes
// of it. It returns false when doc is not JSON or has no n-th such scalar.
func rewriteNth(doc []byte, n int, change func(any) (any, bool)) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	seen := 0
	v, done := rewriteIn(v, n, &seen, change)
	if !done {
		return nil, false
	}
	out, err := json.Marshal(v)
	return out, err == nil
}

// rewriteIn walks v for rewriteNth; seen counts the scalars change accepted so far.
func rewriteIn(v any, n int, seen *int, change func(any) (any, bool)) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if nv, done := rewriteIn(x[k], n, seen, change); done {
				x[k] = nv
				return x, true
			}
		}
		return x, false
	case []any:
		for i := range x {
			if nv, done := rewriteIn(x[i], n, seen, change); done {
				x[i] = nv
				return x, true
			}
		}
		return x, false
	}
	nv, counts := change(v)
	if !counts {
		return v, false
	}
	*seen++
	if *seen-1 != n {
		return v, false
	}
	return nv, true
}

// TaintStrings returns doc with text appended to every string of it when doc is JSON
// (object keys left alone), or to doc itself when it is not.
func TaintStrings(doc []byte, text string) []byte {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return append(append([]byte(nil), doc...), text...)
	}
	out, err := json.Marshal(taintIn(v, text))
	if err != nil {
		return append(append([]byte(nil), doc...), text...)
	}
	return out
}

func taintIn(v any, text string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = taintIn(e, text)
		}
	case []any:
		for i, e := range x {
			x[i] = taintIn(e, text)
		}
	case string:
		return x + text
	}
	return v
}
