package preflight

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
)

const fileToken = "2f3a9c7e1b\ncomodoca.com\n7d1e4b2a"

// loopback are the options of a check whose file server is an httptest server on
// 127.0.0.1: the test chose to reach a non-public address.
var loopback = Options{AllowNonPublic: true}

// fileServer serves handlers by path on a loopback httptest server.
func fileServer(t *testing.T, routes map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func body(s string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(s)) }
}

func fileChallengeAt(url, content string) model.Challenge {
	typ := model.ChallengeHTTPFile
	if strings.HasPrefix(url, "https:") {
		typ = model.ChallengeHTTPSFile
	}
	return model.Challenge{Domain: "example.test", Type: typ, URL: url, Content: content}
}

const wellKnown = "/.well-known/pki-validation/ABC.txt"

func TestFileExactBody(t *testing.T) {
	srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: body(fileToken)})
	res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), loopback)
	assert.Equal(t, StatusOK, res.Status, res.Message)
	assert.Equal(t, []string{fileToken}, res.Found)
}

func TestFileDifferences(t *testing.T) {
	for _, tt := range []struct {
		name, served string
		reason       Reason
		says         string
	}{
		{"wrong body", "0000000000\ncomodoca.com\n7d1e4b2a", ReasonWrongValue, `serves "0000000000\ncomodoca.com\n7d1e4b2a", not the expected`},
		{"trailing newline", fileToken + "\n", ReasonTrailingNewline, "trailing line breaks"},
		{"trailing CRLF", fileToken + "\r\n", ReasonTrailingNewline, "trailing line breaks"},
		{"byte-order mark", "\ufeff" + fileToken, ReasonBOM, "byte-order mark"},
		{"byte-order mark and newline", "\ufeff" + fileToken + "\n", ReasonBOM, "byte-order mark"},
		{"CRLF line endings", strings.ReplaceAll(fileToken, "\n", "\r\n"), ReasonWhitespace, "whitespace"},
		{"indented", "  " + fileToken, ReasonWhitespace, "whitespace"},
		{"upper case", strings.ToUpper(fileToken), ReasonCase, "letter case"},
		{"empty", "", ReasonWrongValue, `serves "", not the expected`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: body(tt.served)})
			res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), loopback)
			assert.Equal(t, StatusMismatch, res.Status)
			assert.Equal(t, tt.reason, res.Reason, res.Message)
			assert.Equal(t, []string{tt.served}, res.Found)
			assert.Contains(t, res.Message, tt.says)
			assertPrintable(t, res.Message)
		})
	}
}

func TestFileRedirectIsReportedNotFollowed(t *testing.T) {
	followed := false
	srv := fileServer(t, map[string]http.HandlerFunc{
		wellKnown: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://example.test"+wellKnown, http.StatusMovedPermanently)
		},
		"/elsewhere": func(http.ResponseWriter, *http.Request) { followed = true },
	})
	res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), loopback)
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonRedirect, res.Reason)
	assert.Equal(t, []string{"https://example.test" + wellKnown}, res.Found)
	assert.Contains(t, res.Message, `redirects (301) to "https://example.test/.well-known/pki-validation/ABC.txt"`)
	assert.False(t, followed)
}

func TestFileStatuses(t *testing.T) {
	srv := fileServer(t, map[string]http.HandlerFunc{
		"/forbidden": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) },
		"/broken":    func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
	})
	res := Check(context.Background(), fileChallengeAt(srv.URL+"/missing", fileToken), loopback)
	assert.Equal(t, StatusMissing, res.Status)
	assert.Equal(t, ReasonHTTPStatus, res.Reason)
	assert.Contains(t, res.Message, "404 Not Found")

	res = Check(context.Background(), fileChallengeAt(srv.URL+"/forbidden", fileToken), loopback)
	assert.Equal(t, StatusError, res.Status)
	assert.Contains(t, res.Message, "403 Forbidden")

	res = Check(context.Background(), fileChallengeAt(srv.URL+"/broken", fileToken), loopback)
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonHTTPStatus, res.Reason)
	assert.Contains(t, res.Message, "500")
}

func TestFileSlowAnswerTimesOut(t *testing.T) {
	for _, tt := range []struct {
		name  string
		start func(w http.ResponseWriter) // what the server sends before it stalls
		read  time.Duration               // Options.ReadTimeout
		says  string                      // in the message
	}{
		// Which timer fires first words the message; the reason is the same.
		{"headers", func(http.ResponseWriter) {}, 150 * time.Millisecond, ""},
		{"body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(fileToken[:5]))
			w.(http.Flusher).Flush()
		}, 200 * time.Millisecond, "timed out"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: func(w http.ResponseWriter, r *http.Request) {
				tt.start(w)
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}})
			defer close(release)
			res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), Options{ReadTimeout: tt.read, AllowNonPublic: true})
			assert.Equal(t, StatusError, res.Status)
			assert.Equal(t, ReasonTimeout, res.Reason, res.Message)
			assert.Contains(t, res.Message, tt.says)
		})
	}
}

func TestFileConnectTimeout(t *testing.T) {
	hang := func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done() // a host that never accepts
		return nil, ctx.Err()
	}
	res := Check(context.Background(), fileChallengeAt("http://unreachable.example.test"+wellKnown, fileToken),
		Options{DialContext: hang, ConnectTimeout: 100 * time.Millisecond})
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonTimeout, res.Reason, res.Message)
	assert.Contains(t, res.Message, "connecting to unreachable.example.test timed out")
}

func TestFileHugeBodyIsCapped(t *testing.T) {
	srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("x", 1<<16))
		for range 256 { // 16 MiB unless the client stops reading
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}})
	res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), Options{MaxBodyBytes: 1024, AllowNonPublic: true})
	assert.Equal(t, StatusMismatch, res.Status)
	assert.Equal(t, ReasonTooLarge, res.Reason)
	require.Len(t, res.Found, 1)
	assert.Len(t, res.Found[0], 1024)
	assert.Contains(t, res.Message, "more than 1024 bytes")
}

func TestFileOverHTTPSWithADialerToLoopback(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "www.example.test" || r.URL.Path != wellKnown {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(fileToken))
	}))
	t.Cleanup(srv.Close)
	tlsConf := srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsConf.ServerName = "example.com" // the httptest certificate's name
	toLoopback := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	res := Check(context.Background(), fileChallengeAt("https://www.example.test"+wellKnown, fileToken),
		Options{DialContext: toLoopback, TLSConfig: tlsConf})
	assert.Equal(t, StatusOK, res.Status, res.Message)
}

func TestFileCancelled(t *testing.T) {
	srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res := Check(ctx, fileChallengeAt(srv.URL+wellKnown, fileToken), loopback)
	assert.Equal(t, StatusError, res.Status)
	assert.Equal(t, ReasonCanceled, res.Reason)
	assert.True(t, errors.Is(res.Err, context.Canceled))
}

func TestFileControlCharactersInBodyAndLocation(t *testing.T) {
	srv := fileServer(t, map[string]http.HandlerFunc{
		"/body": body("\x1b]0;owned\x07\u202etoken"),
		"/redir": func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Location"] = []string{"/x\u202e\u0085y"}
			w.WriteHeader(302)
		},
	})
	for _, p := range []string{"/body", "/redir"} {
		res := Check(context.Background(), fileChallengeAt(srv.URL+p, fileToken), loopback)
		assert.Equal(t, StatusMismatch, res.Status, p)
		assertPrintable(t, res.Message)
	}
}
