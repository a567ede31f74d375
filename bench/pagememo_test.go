package bench

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
)

// pageMemo serves a fake's successful GET answers from memory after the first time, by
// full request URL (headers and body as the fake wrote them), and counts every request it
// receives. It runs in the fake's process only, for fakes whose data never changes during
// a benchmark, so that the fake's rendering time does not dominate the run.
type pageMemo struct {
	next  http.Handler
	count atomic.Int64
	mu    sync.Mutex
	pages map[string]*httptest.ResponseRecorder
}

func newPageMemo(next http.Handler) *pageMemo {
	return &pageMemo{next: next, pages: map[string]*httptest.ResponseRecorder{}}
}

func (m *pageMemo) requests() int64 { return m.count.Load() }

func (m *pageMemo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.count.Add(1)
	if r.Method != http.MethodGet {
		m.next.ServeHTTP(w, r)
		return
	}
	key := r.URL.String()
	m.mu.Lock()
	rec := m.pages[key]
	m.mu.Unlock()
	if rec == nil {
		rec = httptest.NewRecorder()
		m.next.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			m.mu.Lock()
			m.pages[key] = rec
			m.mu.Unlock()
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
