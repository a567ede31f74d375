package secretstest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// AssertCrossHostRedirectRefused points call, for each key, at servers that redirect
// (301, 302, 303, 307, 308) to another host, both another port and another name. Every
// call must fail with a refused redirect (retry.ErrRedirectRefused, model.ErrPermissionDenied)
// whose error never shows the key, and the other host must receive no request at all.
func AssertCrossHostRedirectRefused(t *testing.T, keys []string, call func(t *testing.T, key string, env Env) error) {
	t.Helper()
	other := NewRecorder()
	defer other.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(other.URL, "http://"), ":")
	targets := map[string]string{"other port": other.URL, "other name": "http://localhost:" + port}
	for _, key := range keys {
		for tname, target := range targets {
			for _, status := range []int{301, 302, 303, 307, 308} {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target+r.URL.RequestURI(), status)
				}))
				err := call(t, key, Env{BaseURL: srv.URL})
				srv.Close()
				if !errors.Is(err, retry.ErrRedirectRefused) || !errors.Is(err, model.ErrPermissionDenied) {
					t.Errorf("%s %d: err = %v, want a refused redirect", tname, status, err)
				}
				AssertNoSecret(t, err, "", key)
			}
		}
	}
	if n := len(other.Requests()); n != 0 {
		carrying := 0
		for _, key := range keys {
			carrying += len(other.Carrying(key))
		}
		t.Errorf("the other host got %d requests (%d with the key)", n, carrying)
	}
}
