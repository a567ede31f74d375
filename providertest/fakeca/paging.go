package fakeca

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Paging is how a fake's listings page, declared to its Base with DeclarePaging so that
// the injector can play the paging faults (IgnorePaging, WrongTotal, EmptyPage,
// BlankEntries, Overlap) in the vendor's own format. A listing answer's items are the
// array held by its first top-level member (in key order) whose value is an array.
type Paging struct {
	// Params are the query parameters that say which page a request asks for
	// ("offset", "page").
	Params []string
	// Total is where the answer reports its total number of items: object keys from
	// the top level, joined by dots ("page.total", "total_count").
	Total string
	// PagePath, for a listing that names its page in the path (Pebble's
	// "/list-orderz/<account>/page/2"), is the path segment before the page number:
	// IgnorePaging cuts the path there.
	PagePath string
	// Pages, when set, tells the listing's page requests from the others (a listing that
	// reads each item with a request of its own): a queued paging fault waits for the
	// next page request, and the requests before it pass. nil: every request is a page.
	Pages func(*http.Request) bool
	// NextHeader, for a listing that links each page to the next in a header (ACME's
	// Link rel="next"), is that header: EmptyPage removes it, as the answer of an empty
	// listing has no next page.
	NextHeader string
}

// isPaging reports whether k is one of the paging fault kinds.
func isPaging(k FaultKind) bool {
	switch k {
	case IgnorePaging, WrongTotal, EmptyPage, BlankEntries, Overlap:
		return true
	}
	return false
}

// servePaging plays a paging fault: the real answer, asked for with the paging
// parameters removed for IgnorePaging, with its items and total rewritten. An answer that
// is not a JSON object is passed on as it is.
func (in *Injector) servePaging(w http.ResponseWriter, r *http.Request, h http.Handler, f Fault) {
	in.mu.Lock()
	pg := in.paging
	in.mu.Unlock()
	if f.Kind == IgnorePaging {
		r = r.Clone(r.Context())
		q := r.URL.Query()
		for _, p := range pg.Params {
			q.Del(p)
		}
		r.URL.RawQuery = q.Encode()
		if i := strings.Index(r.URL.Path, pg.PagePath); pg.PagePath != "" && i >= 0 {
			r.URL.Path, r.URL.RawPath = r.URL.Path[:i], ""
		}
	}
	if f.Kind == EmptyPage && pg.NextHeader != "" {
		w = &droppedHeader{ResponseWriter: w, name: pg.NextHeader}
	}
	serveRewritten(w, r, h, func(body []byte) ([]byte, bool) { return in.rewritePage(body, pg, f) })
}

// listPlaceholder stands for the items while the rest of a page is encoded, so that a
// page of many entries is spliced in once rather than encoded item by item.
const listPlaceholder = `"\u0000fakeca-items\u0000"`

// rewritePage returns body with its items and total changed as f says; false when body
// is not a JSON object (it is then sent as it is). Without a declared Paging.Total the
// total is left as it is.
func (in *Injector) rewritePage(body []byte, pg Paging, f Fault) ([]byte, bool) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, false
	}
	listKey := firstArrayMember(doc)
	var items []json.RawMessage
	if listKey != "" && json.Unmarshal(doc[listKey], &items) != nil {
		return nil, false
	}
	entries := doc[listKey] // the page's items as they will be sent
	switch f.Kind {
	case EmptyPage:
		entries = json.RawMessage("[]")
	case BlankEntries:
		n := f.Size
		if n <= 0 {
			n = int64(len(items))
		}
		entries = blankEntries(n)
	case Overlap:
		b, err := json.Marshal(in.overlapped(items, int(f.Size)))
		if err != nil {
			return nil, false
		}
		entries = b
	}
	if pg.Total != "" && (f.Total != 0 || f.Kind == EmptyPage) {
		if !setMember(doc, strings.Split(pg.Total, "."), f.Total) {
			return nil, false
		}
	}
	if listKey == "" {
		out, err := json.Marshal(doc)
		return out, err == nil
	}
	doc[listKey] = json.RawMessage(listPlaceholder)
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, false
	}
	return bytes.Replace(out, []byte(listPlaceholder), entries, 1), true
}

// overlapped returns items with the last k items of the page the previous Overlap fault
// answered put first, cut to that page's length (or to items' own, when longer), and
// remembers items for the next Overlap fault.
func (in *Injector) overlapped(items []json.RawMessage, k int) []json.RawMessage {
	in.mu.Lock()
	prev := in.overlap
	in.overlap = items
	in.mu.Unlock()
	if prev == nil {
		return items
	}
	k = min(k, len(prev))
	out := append(append([]json.RawMessage{}, prev[len(prev)-k:]...), items...)
	return out[:min(len(out), max(len(prev), len(items)))]
}

// firstArrayMember returns the first key of doc, in sorted order, whose value is an
// array, or "".
func firstArrayMember(doc map[string]json.RawMessage) string {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := bytes.TrimSpace(doc[k]); len(v) > 0 && v[0] == '[' {
			return k
		}
	}
	return ""
}

// blankEntries is a JSON array of n empty objects.
func blankEntries(n int64) json.RawMessage {
	if n <= 0 {
		return json.RawMessage("[]")
	}
	b := make([]byte, 0, 3*n+1)
	b = append(b, '[')
	b = append(b, bytes.Repeat([]byte("{},"), int(n-1))...)
	return append(b, "{}]"...)
}

// setMember sets the number at path in doc, creating the objects on the way; false when
// a member on the way is not an object or path is empty.
func setMember(doc map[string]json.RawMessage, path []string, n int64) bool {
	if len(path) == 0 || path[0] == "" {
		return false
	}
	if len(path) == 1 {
		doc[path[0]] = json.RawMessage(strconv.FormatInt(n, 10))
		return true
	}
	inner := map[string]json.RawMessage{}
	if raw, ok := doc[path[0]]; ok {
		if err := json.Unmarshal(raw, &inner); err != nil {
			return false
		}
	}
	if !setMember(inner, path[1:], n) {
		return false
	}
	b, err := json.Marshal(inner)
	if err != nil {
		return false
	}
	doc[path[0]] = b
	return true
}

// droppedHeader is a ResponseWriter that removes one header before the answer is sent.
type droppedHeader struct {
	http.ResponseWriter
	name string
}

func (d *droppedHeader) WriteHeader(code int) {
	d.Header().Del(d.name)
	d.ResponseWriter.WriteHeader(code)
}
