package retry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedirects(t *testing.T) {
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		other := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "stolen")
		})
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/same":
				http.Redirect(w, r, "/target?"+r.URL.RawQuery, http.StatusFound)
			case "/target":
				io.WriteString(w, "arrived")
			case "/other":
				// Forward everything, the key in the query included, as a hostile or
				// misconfigured proxy might.
				http.Redirect(w, r, other.URL+"/collect?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			case "/loop":
				http.Redirect(w, r, "/loop", http.StatusFound)
			}
		})
		c := af.client(t, srv.URL, nil)

		resp, err := c.Do(context.Background(), &Request{Op: "Op", Path: "same"})
		require.NoError(t, err, "a redirect on the same host is followed")
		assert.Equal(t, "arrived", string(resp.Body))

		_, err = c.Do(context.Background(), &Request{Op: "Op", Path: "other"})
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrRedirectRefused)
		assert.ErrorIs(t, err, model.ErrPermissionDenied)
		assert.Contains(t, err.Error(), "redirect refused: to another host")
		assert.Zero(t, other.count(), "the other host received no request at all")
		assertErrorHasNoKey(t, err)

		before := srv.count()
		_, err = c.Do(context.Background(), &Request{Op: "Op", Path: "loop"})
		assert.ErrorIs(t, err, ErrRedirectRefused)
		assert.Contains(t, err.Error(), "more than 5 redirects")
		assert.Equal(t, before+5, srv.count(), "not retried")
	})
}

func TestRedirectDowngradeRefused(t *testing.T) {
	var plainHits int
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.ErrorLog = quietLog()
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plainHits++
		}
		// Same host and port, plain http.
		http.Redirect(w, r, "http://"+r.Host+"/plain", http.StatusFound)
	})
	srv.StartTLS()
	defer srv.Close()
	c := newTestClient(t, srv.URL, func(o *Options) { o.HTTPClient = srv.Client() })
	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRedirectRefused)
	assert.Contains(t, err.Error(), "from https to http")
	assert.Zero(t, plainHits)
	assertErrorHasNoKey(t, err)
}

// Every error path, for both ways the key travels: no text, %v, %+v, %#v or %q of the
// error, or of anything it wraps, holds the key.
func TestKeyNeverInErrors(t *testing.T) {
	// A server that echoes back everything it was sent, key included.
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		w.WriteHeader(status)
		fmt.Fprintf(w, "url=%s query=%s header=%v", r.URL, r.URL.RawQuery, r.Header)
	}
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		paths := map[string]func(t *testing.T) error{
			"dial failure": func(t *testing.T) error {
				c := af.client(t, "http://"+closedPort(t)+"/api", nil)
				_, err := c.Do(context.Background(), &Request{Op: "Op", Path: "x/" + url.PathEscape(testKey)})
				var ue *url.Error
				assert.ErrorAs(t, err, &ue, "a *url.Error keeps its type")
				return err
			},
			"attempt timeout": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
				c := af.client(t, srv.URL, func(o *Options) {
					o.HTTPClient = &http.Client{Timeout: 20 * time.Millisecond}
					o.Config.MaxAttempts = 2
				})
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				var ue *url.Error
				if assert.ErrorAs(t, err, &ue) {
					assert.True(t, ue.Timeout())
				}
				assert.Equal(t, 2, srv.count())
				return err
			},
			"context deadline": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
				c := af.client(t, srv.URL, nil)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				_, err := c.Do(ctx, &Request{Op: "Op"})
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				return err
			},
			"5xx exhaustion echoing the key": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 503) })
				c := af.client(t, srv.URL, nil)
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				assert.Equal(t, 3, srv.count())
				var me *model.Error
				if assert.ErrorAs(t, err, &me) {
					assert.Contains(t, me.Message, Redacted)
				}
				return err
			},
			"4xx echoing the key": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 401) })
				c := af.client(t, srv.URL, nil)
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				assert.ErrorIs(t, err, model.ErrUnauthenticated)
				return err
			},
			"decoder quoting the key": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 403) })
				c := af.client(t, srv.URL, func(o *Options) {
					o.DecodeError = func(status int, body []byte) (string, string, error) {
						return "bad_key:" + testKey, string(body), model.ErrPermissionDenied
					}
				})
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				return err
			},
			"malformed JSON": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 200) })
				c := af.client(t, srv.URL, nil)
				resp, err := c.Do(context.Background(), &Request{Op: "Op"})
				require.NoError(t, err)
				var v struct{}
				return c.MalformedError("Op", resp, jsonError(resp.Body, &v))
			},
			"body too large": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { echo(w, r, 200) })
				c := af.client(t, srv.URL, func(o *Options) { o.MaxBodyBytes = 10 })
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				assert.ErrorIs(t, err, ErrBodyTooLarge)
				return err
			},
			"redirect to another host": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "https://elsewhere.example/?access_key="+url.QueryEscape(testKey)+"&k="+testKey, http.StatusFound)
				})
				c := af.client(t, srv.URL, nil)
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				assert.ErrorIs(t, err, ErrRedirectRefused)
				return err
			},
			"limiter deadline": func(t *testing.T) error {
				srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
				c := af.client(t, srv.URL, func(o *Options) {
					o.Config.RequestsPerSecond, o.Config.Burst = 0.001, 1
				})
				_, err := c.Do(context.Background(), &Request{Op: "Op"})
				require.NoError(t, err)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				_, err = c.Do(ctx, &Request{Op: "Op"})
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				return err
			},
			"invalid base URL": func(t *testing.T) error {
				_, err := New(Options{Provider: "p", Auth: af.auth, BaseURL: "http://ca.example.com/?access_key=" + testKey})
				return err
			},
			"unparsable base URL": func(t *testing.T) error {
				_, err := New(Options{Provider: "p", Auth: af.auth, BaseURL: "https://ca.example.com/%zz" + testKey})
				return err
			},
		}
		for name, fn := range paths {
			t.Run(name, func(t *testing.T) {
				err := fn(t)
				require.Error(t, err)
				assertErrorHasNoKey(t, err)
			})
		}
	})
}

func jsonError(body []byte, v any) error {
	return json.Unmarshal(body, v)
}

func TestLoggerGetsRedactedLines(t *testing.T) {
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		var buf bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
		c := af.client(t, srv.URL, func(o *Options) { o.Logger = logger })
		_, err := c.Do(context.Background(), &Request{Op: "Certificate", Path: "a/b"})
		require.Error(t, err)
		dead := af.client(t, "http://"+closedPort(t), func(o *Options) { o.Logger = logger })
		_, err = dead.Do(context.Background(), &Request{Op: "Certificate"})
		require.Error(t, err)

		out := buf.String()
		assertNoKey(t, "log output", out)
		assert.Equal(t, 6, strings.Count(out, `"msg":"anyca http attempt"`), out)
		assert.Contains(t, out, `"status":503`)
		assert.Contains(t, out, `"op":"Certificate"`)
		assert.Contains(t, out, `"attempt":3`)
		assert.Contains(t, out, `"provider":"testca"`)
		assert.Contains(t, out, "connection refused")
		if af.auth.QueryParam != "" {
			assert.Contains(t, out, "access_key="+Redacted)
		}

		// Above debug level the client says nothing.
		buf.Reset()
		quiet := af.client(t, srv.URL, func(o *Options) {
			o.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		})
		_, _ = quiet.Do(context.Background(), &Request{Op: "Op"})
		assert.Empty(t, buf.String())
	})
}

func TestPrintingClientAndOptions(t *testing.T) {
	forEachAuthForm(t, func(t *testing.T, af authForm) {
		opts := Options{Provider: "testca", BaseURL: "https://ca.example.com/api", Auth: af.auth, Config: fastConfig}
		c, err := New(opts)
		require.NoError(t, err)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			for what, v := range map[string]any{"client": c, "options": opts, "&options": &opts, "auth": af.auth, "&auth": &af.auth} {
				out := fmt.Sprintf(verb, v)
				assertNoKey(t, what+" printed with "+verb, out)
				if what == "client" || strings.Contains(what, "auth") {
					assert.Contains(t, out, Redacted, "%s %s: %s", what, verb, out)
				}
			}
		}
		assert.Contains(t, fmt.Sprintf("%v", c), "ca.example.com")
	})
	assert.NotContains(t, fmt.Sprintf("%+v", Auth{Header: "X"}), Redacted, "an empty key is shown as empty")
}

func TestRedactor(t *testing.T) {
	r := newRedactor([]string{testKey, ""}, []string{"access_key"})
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"key " + testKey + " twice " + testKey, "key " + Redacted + " twice " + Redacted},
		{"escaped " + url.QueryEscape(testKey), "escaped " + Redacted},
		{"path " + url.PathEscape(testKey), "path " + Redacted},
		{"https://x/?a=1&access_key=anything&b=2", "https://x/?a=1&access_key=" + Redacted + "&b=2"},
		{"ACCESS_KEY=abc def", "ACCESS_KEY=" + Redacted + " def"},
		{`{"u":"https://x/?access_key=abc"}`, `{"u":"https://x/?access_key=` + Redacted + `"}`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, r.String(tt.in), tt.in)
	}
	assert.Equal(t, "", r.URL(nil))

	none := newRedactor(nil, nil)
	assert.Equal(t, "nothing to hide", none.String("nothing to hide"))
	assert.Equal(t, 0, none.maxLen())

	// A *url.Error keeps its type, its Timeout() and its cause.
	ue := &url.Error{Op: "Get", URL: "https://x/?access_key=" + url.QueryEscape(testKey), Err: context.DeadlineExceeded}
	got := r.Error(ue)
	var gue *url.Error
	require.ErrorAs(t, got, &gue)
	assert.True(t, gue.Timeout())
	assert.ErrorIs(t, got, context.DeadlineExceeded)
	assertNoKey(t, "url error", fmt.Sprintf("%#v %v", gue, got))

	// A cause holding the key is replaced, keeping only a known sentinel to match.
	ue = &url.Error{Op: "Get", URL: "https://x/", Err: fmt.Errorf("bad %s: %w", testKey, io.ErrUnexpectedEOF)}
	got = r.Error(ue)
	assertErrorHasNoKey(t, got)
	assert.ErrorIs(t, got, io.ErrUnexpectedEOF)

	// Wrapping around a *url.Error is kept (it used to be dropped, keeping the url.Error only).
	wrapped := fmt.Errorf("listing page 3: %w", &url.Error{Op: "Get", URL: "https://x/?access_key=abc", Err: io.EOF})
	got = r.Error(wrapped)
	assert.Equal(t, `listing page 3: Get "https://x/?access_key=`+Redacted+`": EOF`, got.Error())
	assert.ErrorIs(t, got, io.EOF)

	// Errors free of secrets pass through untouched.
	clean := fmt.Errorf("x: %w", io.EOF)
	assert.True(t, r.Error(clean) == clean)
	assert.Nil(t, r.Error(nil))
	plain := errors.New("y")
	assert.True(t, r.Error(plain) == plain)
}
