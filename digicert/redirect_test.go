package digicert_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/secretstest"
)

// TestRedirectToAnotherHostNeverGetsTheKey: whatever the status, a redirect to another
// host is refused and that host receives no request at all, so never X-DC-DEVKEY.
func TestRedirectToAnotherHostNeverGetsTheKey(t *testing.T) {
	secretstest.AssertCrossHostRedirectRefused(t, secretKeys, func(t *testing.T, key string, env secretstest.Env) error {
		_, err := secretsClient(t, key, env).Certificate(context.Background(), "101")
		return err
	})
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
