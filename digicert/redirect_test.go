package digicert_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// TestRedirectToAnotherHostNeverGetsTheKey: whatever the status, a redirect to another
// host is refused and that host receives no request at all, so never X-DC-DEVKEY.
func TestRedirectToAnotherHostNeverGetsTheKey(t *testing.T) {
	other := secretstest.NewRecorder()
	defer other.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(other.URL, "http://"), ":")
	targets := map[string]string{"other port": other.URL, "other name": "http://localhost:" + port}
	for _, key := range secretKeys {
		for tname, target := range targets {
			for _, status := range []int{301, 302, 303, 307, 308} {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target+r.URL.RequestURI(), status)
				}))
				env := secretstest.Env{BaseURL: srv.URL}
				c := secretsClient(t, key, env)
				_, err := c.Certificate(context.Background(), "101")
				srv.Close()
				if !errors.Is(err, retry.ErrRedirectRefused) || !errors.Is(err, model.ErrPermissionDenied) {
					t.Errorf("%s %d: err = %v, want a refused redirect", tname, status, err)
				}
				secretstest.AssertNoSecret(t, err, "", key)
			}
		}
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("the other host got %d requests (%d with the key)", n, len(other.Carrying(secretKeys[0]))+len(other.Carrying(secretKeys[1])))
	}
}

// TestRedirectSameHostStillWorks: a redirect within the host is followed, with the key.
func TestRedirectSameHostStillWorks(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "order-info.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []int{301, 302, 307, 308} {
		var gotKey string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/moved/") {
				http.Redirect(w, r, "/moved"+r.URL.RequestURI(), status)
				return
			}
			gotKey = r.Header.Get("X-DC-DEVKEY")
			w.Header().Set("Content-Type", "application/json")
			w.Write(body)
		}))
		c := secretsClient(t, secretKeys[1], secretstest.Env{BaseURL: srv.URL})
		cert, err := c.Certificate(context.Background(), "101")
		srv.Close()
		if err != nil || cert == nil {
			t.Fatalf("%d: %v", status, err)
		}
		if gotKey != secretKeys[1] {
			t.Errorf("%d: the redirected request carried key %q", status, gotKey)
		}
	}
}
