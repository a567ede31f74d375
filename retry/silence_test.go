//go:build linux

package retry

import (
	"bytes"
	"context"
	"io"
	"log"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSilentWithoutLogger runs the client through success, retries, connection errors,
// redirects and a too-large body with no Logger, and proves nothing reached the standard
// logger, os.Stderr, or file descriptor 2 itself (which a logger created at init time,
// such as go-retryablehttp's default one, would write to even after os.Stderr changed).
func TestSilentWithoutLogger(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, "{}")
		case "/503":
			w.WriteHeader(503)
		case "/429":
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(429)
		case "/reset":
			hangUp(w)
		case "/redirect":
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		case "/big":
			io.WriteString(w, "0123456789abcdef")
		}
	})
	dead := "http://" + closedPort(t)

	// Capture the log package, os.Stderr and fd 2.
	var logBuf bytes.Buffer
	oldOut, oldFlags := log.Writer(), log.Flags()
	log.SetOutput(&logBuf)
	defer log.SetOutput(oldOut)
	defer log.SetFlags(oldFlags)

	r, w, err := os.Pipe()
	require.NoError(t, err)
	savedFD, err := syscall.Dup(2)
	require.NoError(t, err)
	require.NoError(t, syscall.Dup3(int(w.Fd()), 2, 0))
	oldStderr := os.Stderr
	os.Stderr = w
	captured := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		captured <- b
	}()
	restore := func() {
		os.Stderr = oldStderr
		_ = syscall.Dup3(savedFD, 2, 0)
		_ = syscall.Close(savedFD)
		w.Close()
	}
	restored := false
	defer func() {
		if !restored {
			restore()
		}
	}()

	for _, base := range []string{srv.URL, dead} {
		c, err := New(Options{Provider: "testca", BaseURL: base, Auth: Auth{Key: testKey, QueryParam: "access_key"},
			Config: fastConfig, MaxBodyBytes: 8})
		require.NoError(t, err)
		for _, p := range []string{"ok", "503", "429", "reset", "redirect", "big"} {
			_, _ = c.Do(context.Background(), &Request{Op: "Op", Path: p})
		}
	}
	restore()
	restored = true
	out := <-captured

	assert.Empty(t, logBuf.String(), "the log package's default logger was used")
	assert.Empty(t, string(out), "something was written to stderr")
	assert.Positive(t, srv.count())
}
