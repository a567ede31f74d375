package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPageMemoReplaysOnlySuccessfulGETs checks that the memo in front of a fake answers a
// repeated GET exactly as the fake did (status, headers, body) without asking it again,
// passes every other request through, and counts every request it receives.
func TestPageMemoReplaysOnlySuccessfulGETs(t *testing.T) {
	hits := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Query().Get("fail") != "" {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Hit", string(rune('0'+hits)))
		_, _ = io.WriteString(w, `{"page":`+r.URL.Query().Get("page")+`}`)
	})
	m := newPageMemo(next)
	get := func(method, target string) (int, string, string) {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		return rec.Code, rec.Header().Get("X-Hit") + " " + rec.Header().Get("Content-Type"), rec.Body.String()
	}
	code1, hdr1, body1 := get(http.MethodGet, "/certificates?page=1")
	code2, hdr2, body2 := get(http.MethodGet, "/certificates?page=1")
	if code1 != 200 || body1 != `{"page":1}` || code2 != code1 || hdr2 != hdr1 || body2 != body1 || hits != 1 {
		t.Fatalf("replay: %d %q %q then %d %q %q, fake asked %d times", code1, hdr1, body1, code2, hdr2, body2, hits)
	}
	if _, _, body := get(http.MethodGet, "/certificates?page=2"); body != `{"page":2}` || hits != 2 {
		t.Errorf("another URL: %q after %d fake calls", body, hits)
	}
	for i := 0; i < 2; i++ {
		if code, _, _ := get(http.MethodGet, "/certificates?fail=1"); code != http.StatusServiceUnavailable {
			t.Errorf("failure answered %d", code)
		}
	}
	get(http.MethodPost, "/certificates?page=1")
	if hits != 5 {
		t.Errorf("fake asked %d times, want 5: failures and POSTs are never replayed", hits)
	}
	if n := m.requests(); n != 6 {
		t.Errorf("memo counted %d requests, want 6", n)
	}
}
