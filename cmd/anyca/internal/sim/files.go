package sim

import (
	"net"
	"net/http"
	"strings"
)

// fileHandler is the simulator's file host (HTTP and HTTPS alike): GET or HEAD of a published validation file,
// selected by the Host header and the path, answers the exact body (or the redirect it
// was published as); anything else is 404.
func (w *World) fileHandler() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			rw.Header().Set("Allow", "GET, HEAD")
			http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.mu.Lock()
		f, ok := w.files[scheme+"://"+host+r.URL.Path]
		w.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(rw, r)
		case f.location != "":
			rw.Header().Set("Location", f.location)
			rw.WriteHeader(http.StatusMovedPermanently)
		default:
			rw.Header().Set("Content-Type", "text/plain")
			_, _ = rw.Write([]byte(f.body))
		}
	})
}
