package secretstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Env is what one failure path gives the adapter under test: build the client from it
// and make one call with Ctx.
type Env struct {
	BaseURL      string
	HTTPClient   *http.Client // nil: the adapter's default client
	MaxBodyBytes int64        // 0: the adapter's default
	Ctx          context.Context
	Logger       *slog.Logger // debug level, into the buffer Run checks
}

// Path is one way a call can fail.
type Path struct {
	Name string
	// Handler plays the CA; it gets the key so that it can echo it back the way a
	// hostile or broken server might. Nil when the path needs no server.
	Handler func(key string) http.HandlerFunc
	TLS     bool // serve over TLS with a certificate the client does not trust
	// Setup adjusts env after the server (if any) started; cleanups go to t.
	Setup func(t testing.TB, env *Env)
}

// Echo is what the handlers echo: the request line, every header (the key header
// included) and the key itself, raw and escaped.
func Echo(r *http.Request, key string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Method, r.URL.String())
	for k, vs := range r.Header {
		fmt.Fprintf(&b, " %s=%s", k, strings.Join(vs, ","))
	}
	fmt.Fprintf(&b, " key=%s %q", key, key)
	return b.String()
}

// Quote returns s as a JSON string literal, for building hostile answers with fmt.
func Quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// JSONAnswer is a Path.Handler answering HTTP 200 with the JSON body makes from the
// request and the key (a vendor's HTTP-200 error, or a well-formed answer holding the key
// in its fields).
func JSONAnswer(body func(r *http.Request, key string) string) func(key string) http.HandlerFunc {
	return func(key string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body(r, key))
		}
	}
}

func closedPortURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// block waits for the request's end (client timeout or cancel) or 10 s.
func block(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// CommonPaths returns the transport, status and body failure paths every adapter
// shares. errorBody renders the vendor's error JSON for a status carrying text as its
// code and message.
func CommonPaths(errorBody func(status int, text string) []byte) []Path {
	ps := []Path{
		{Name: "dial refused", Setup: func(t testing.TB, env *Env) { env.BaseURL = closedPortURL(t) }},
		{Name: "DNS failure", Setup: func(t testing.TB, env *Env) {
			env.BaseURL = "https://ca.invalid/api"
			env.HTTPClient = &http.Client{Transport: &http.Transport{
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					host, _, _ := net.SplitHostPort(addr)
					return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
				},
			}}
		}},
		{Name: "TLS untrusted certificate", TLS: true, Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, Echo(r, key)) }
		}},
		{Name: "client timeout", Handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { block(r) }
		}, Setup: func(t testing.TB, env *Env) { env.HTTPClient = &http.Client{Timeout: 80 * time.Millisecond} }},
		{Name: "context cancelled during the call", Handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { block(r) }
		}, Setup: func(t testing.TB, env *Env) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(60*time.Millisecond, cancel)
			t.Cleanup(cancel)
			env.Ctx = ctx
		}},
		{Name: "context deadline during the call", Handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { block(r) }
		}, Setup: func(t testing.TB, env *Env) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
			t.Cleanup(cancel)
			env.Ctx = ctx
		}},
		{Name: "context cancelled before the call", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, Echo(r, key)) }
		}, Setup: func(t testing.TB, env *Env) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			env.Ctx = ctx
		}},
	}
	for _, status := range []int{400, 401, 403, 404, 409, 410, 429, 500, 501, 502, 503, 504} {
		ps = append(ps, Path{Name: "HTTP " + strconv.Itoa(status) + " vendor error echoing the key",
			Handler: func(key string) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(status)
					w.Write(errorBody(status, Echo(r, key)))
				}
			}})
	}
	text := func(status int, ctype string, body func(r *http.Request, key string) string) func(string) http.HandlerFunc {
		return func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ctype)
				w.WriteHeader(status)
				fmt.Fprint(w, body(r, key))
			}
		}
	}
	html := func(r *http.Request, key string) string {
		return "<html><head><title>502 Bad Gateway</title></head><body><h1>Maintenance</h1><p>" + Echo(r, key) + "</p></body></html>"
	}
	ps = append(ps,
		Path{Name: "5xx exhaustion (HTML maintenance page)", Handler: text(503, "text/html", html)},
		Path{Name: "401 plain-text body", Handler: text(401, "text/plain", func(r *http.Request, key string) string { return "denied: " + Echo(r, key) })},
		Path{Name: "302 without Location", Handler: text(302, "text/plain", func(r *http.Request, key string) string { return Echo(r, key) })},
		Path{Name: "200 bad JSON", Handler: text(200, "application/json", func(r *http.Request, key string) string {
			return `{"id": "1", "note": "` + Echo(r, key)
		})},
		Path{Name: "200 HTML body", Handler: text(200, "text/html", html)},
		Path{Name: "200 empty body", Handler: text(200, "application/json", func(*http.Request, string) string { return "" })},
		Path{Name: "200 JSON array instead of an object", Handler: text(200, "application/json", func(r *http.Request, key string) string {
			return fmt.Sprintf("[%q, %q]", key, Echo(r, key))
		})},
		Path{Name: "200 invalid UTF-8 with the key", Handler: text(200, "application/json", func(r *http.Request, key string) string {
			return "\xff\xfe{\"id\":\"" + key + "\xc3\x28\"}" + Echo(r, key)
		})},
		Path{Name: "redirect to another host", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				// localhost and 127.0.0.1 are different hosts to the client.
				_, port, _ := net.SplitHostPort(r.Host)
				http.Redirect(w, r, "http://localhost:"+port+r.URL.RequestURI(), http.StatusFound)
			}
		}},
		Path{Name: "redirect loop on the same host", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.RequestURI(), http.StatusTemporaryRedirect)
			}
		}},
		Path{Name: "oversized body", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"id":"1","pad":"`)
				for i := 0; i < 100; i++ {
					fmt.Fprint(w, Echo(r, key))
				}
				fmt.Fprint(w, `"}`)
			}
		}, Setup: func(t testing.TB, env *Env) { env.MaxBodyBytes = 2048 }},
		Path{Name: "truncated body (short of Content-Length)", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "100000")
				fmt.Fprint(w, `{"id":"1","note":"`+Echo(r, key))
			}
		}},
		Path{Name: "connection reset", Handler: func(string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				if tc, ok := conn.(*net.TCPConn); ok {
					tc.SetLinger(0) // close with RST
				}
				conn.Close()
			}
		}},
		Path{Name: "server handler panic mid-body", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"id":"1","note":"`+Echo(r, key))
				http.NewResponseController(w).Flush()
				panic(http.ErrAbortHandler)
			}
		}},
	)
	ps = append(ps, keyMaterialPaths(errorBody)...)
	return ps
}

// Result is what Run saw on one path.
type Result struct {
	Path, Key string
	Err       error
	Logs      string
}

// Run runs call on every path with key and asserts that the call failed and that the key,
// and the private key the key-material paths serve, are nowhere in the error, its chain
// or the debug log. It returns what it saw.
func Run(t *testing.T, key string, paths []Path, call func(t *testing.T, env Env) error) []Result {
	t.Helper()
	var out []Result
	var mu sync.Mutex
	for _, p := range paths {
		t.Run(p.Name, func(t *testing.T) {
			var logs SyncBuffer
			env := Env{Ctx: context.Background(),
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			if p.Handler != nil {
				var srv *httptest.Server
				if p.TLS {
					srv = httptest.NewUnstartedServer(p.Handler(key))
					srv.Config.ErrorLog = discardLog()
					srv.StartTLS()
				} else {
					srv = httptest.NewUnstartedServer(p.Handler(key))
					srv.Config.ErrorLog = discardLog()
					srv.Start()
				}
				t.Cleanup(srv.Close)
				env.BaseURL = srv.URL
			}
			if p.Setup != nil {
				p.Setup(t, &env)
			}
			err := call(t, env)
			if err == nil {
				t.Fatalf("the call succeeded; want a failure")
			}
			AssertNoSecret(t, err, logs.String(), key)
			AssertNoKeyMaterial(t, err, logs.String())
			if os.Getenv("ANYCA_SECRETS_DUMP") != "" {
				for label, text := range Renderings(err) {
					t.Logf("%s: %s", label, text)
				}
				t.Logf("logs:\n%s", logs.String())
			}
			mu.Lock()
			out = append(out, Result{Path: p.Name, Key: key, Err: err, Logs: logs.String()})
			mu.Unlock()
		})
	}
	return out
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
