package fakeca_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestBase(t *testing.T) *fakeca.Base {
	t.Helper()
	b := fakeca.NewBase("/api/v1", func(int, string) []byte { return []byte(`{"err":"injected"}`) },
		&fakeca.Auth{
			KeyOf:        func(r *http.Request) string { return r.Header.Get("Key") },
			Key:          "full-key-0123456789",
			ViewOnly:     "view-key-0123456789",
			Unauthorized: func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "bad key", http.StatusUnauthorized) },
			Forbidden:    func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "read only", http.StatusForbidden) },
		},
		func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no route", http.StatusNotFound) })
	b.Handle("GET /item/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "item "+r.PathValue("id")) })
	b.Handle("PUT /item/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "put "+r.PathValue("id")) })
	b.Start()
	t.Cleanup(b.Close)
	return b
}

func call(t *testing.T, method, url, key string) (int, string) {
	t.Helper()
	code, body := fakecatest.Do(t, method, url, "", fakecatest.Header("Key", key))
	return code, string(body)
}

func TestBaseRoutesAndCountsPerPattern(t *testing.T) {
	b := newTestBase(t)
	code, body := call(t, "GET", b.URL+"/item/42", "full-key-0123456789")
	assert.Equal(t, 200, code)
	assert.Equal(t, "item 42", body)
	_, body = call(t, "GET", b.URL+"/item/43/", "full-key-0123456789")
	assert.Equal(t, "item 43", body, "a trailing slash is the same route")
	code, _ = call(t, "GET", b.URL+"/other", "full-key-0123456789")
	assert.Equal(t, 404, code)
	code, _ = call(t, "POST", b.URL+"/item/1", "full-key-0123456789")
	assert.Equal(t, 404, code, "a method no route has is an unknown route")
	code, _ = call(t, "GET", b.URL[:len(b.URL)-len("/api/v1")]+"/item/1", "full-key-0123456789")
	assert.Equal(t, 404, code, "a path outside the prefix is an unknown route")
	assert.Equal(t, map[string]int64{"GET /item/{id}": 2, "unknown route": 3}, b.EndpointRequests())
	assert.EqualValues(t, 5, b.Requests())
}

func TestBaseAuth(t *testing.T) {
	b := newTestBase(t)
	code, _ := call(t, "GET", b.URL+"/item/1", "")
	assert.Equal(t, 401, code)
	code, _ = call(t, "GET", b.URL+"/item/1", "full-key-012345678")
	assert.Equal(t, 401, code, "a prefix of the key is not the key")
	code, _ = call(t, "GET", b.URL+"/item/1", "view-key-0123456789")
	assert.Equal(t, 200, code)
	code, _ = call(t, "PUT", b.URL+"/item/1", "view-key-0123456789")
	assert.Equal(t, 403, code)
	code, body := call(t, "PUT", b.URL+"/item/1", "full-key-0123456789")
	assert.Equal(t, 200, code)
	assert.Equal(t, "put 1", body)
	assert.Equal(t, map[string]int64{"unauthenticated": 2, "PUT forbidden": 1,
		"GET /item/{id}": 1, "PUT /item/{id}": 1}, b.EndpointRequests())
}

func TestBaseFaultsComeFirst(t *testing.T) {
	b := newTestBase(t)
	b.Injector().FailNext(1, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "3"})
	code, body := call(t, "GET", b.URL+"/item/1", "")
	assert.Equal(t, 429, code, "the fault is served before the key check")
	assert.Equal(t, `{"err":"injected"}`, body)
	assert.Empty(t, b.EndpointRequests(), "an injected fault reaches no route")
	assert.Equal(t, map[fakeca.FaultKind]int{fakeca.RateLimit: 1}, b.Injector().Injected())
}

// TestMangle: MangleField changes the n-th scalar's type, MangleScalar the n-th number or
// boolean into a string that is neither; past the last, or for a body that is not JSON,
// both say there is nothing to change.
func TestMangle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func([]byte, int) ([]byte, bool)
		doc    string
		want   []string
	}{
		{"MangleField", fakeca.MangleField, `{"b":[true,null],"a":"x","c":{"n":12}}`, []string{
			`{"a":["x"],"b":[true,null],"c":{"n":12}}`,
			`{"a":"x","b":[[true],null],"c":{"n":12}}`,
			`{"a":"x","b":[true,{"unexpected":true}],"c":{"n":12}}`,
			`{"a":"x","b":[true,null],"c":{"n":{"value":12}}}`,
		}},
		// Strings and nulls are not counted: there are two values to change.
		{"MangleScalar", fakeca.MangleScalar, `{"b":[true,null,"s"],"a":"x","c":{"n":12.5}}`, []string{
			`{"a":"x","b":["maybe",null,"s"],"c":{"n":12.5}}`,
			`{"a":"x","b":[true,null,"s"],"c":{"n":"not/a-number"}}`,
		}},
	} {
		for i, w := range tc.want {
			got, ok := tc.mangle([]byte(tc.doc), i)
			require.True(t, ok, "%s: value %d", tc.name, i)
			assert.JSONEq(t, w, string(got), "%s: value %d", tc.name, i)
		}
		_, ok := tc.mangle([]byte(tc.doc), len(tc.want))
		assert.False(t, ok, "%s: there is no value past the last", tc.name)
		_, ok = tc.mangle([]byte("<html>"), 0)
		assert.False(t, ok, "%s: not JSON", tc.name)
	}
}
