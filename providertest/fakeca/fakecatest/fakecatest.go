// Package fakecatest sends raw requests to a fake built on fakeca.Base (or any test
// server), for the tests that check a fake's own wire format (its key check, its JSON,
// its quirks) without the adapter in between.
package fakecatest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Header returns a request setup that sets header name to value, or does nothing when
// value is "" (a request without the vendor's key).
func Header(name, value string) func(*http.Request) {
	return func(r *http.Request) {
		if value != "" {
			r.Header.Set(name, value)
		}
	}
}

// Do sends method to url with body ("" for none), after setup (nil for none) has
// adjusted the request, and returns the status and the whole body. A request that
// cannot be built or sent, or a body that cannot be read, fails t.
func Do(t testing.TB, method, url, body string, setup func(*http.Request)) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if setup != nil {
		setup(req)
	}
	resp, b := send(t, http.DefaultClient, req)
	return resp.StatusCode, b
}

// Get sends GET url with client (http.DefaultClient when nil) and returns the answer,
// its body read whole (and closed). A request that cannot be sent, or a body that
// cannot be read, fails t.
func Get(t testing.TB, client *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	return send(t, client, req)
}

// send sends req with client and reads the whole body, failing t on an error.
func send(t testing.TB, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return resp, b
}

// DecodeJSON decodes b into v, and fails t (quoting the start of b) when b is not JSON
// of v's type.
func DecodeJSON(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %.300q: %v", b, err)
	}
}

// JSON is Do for an answer that must be a JSON object, returned decoded.
func JSON(t testing.TB, method, url, body string, setup func(*http.Request)) (int, map[string]any) {
	t.Helper()
	code, b := Do(t, method, url, body, setup)
	var m map[string]any
	DecodeJSON(t, b, &m)
	return code, m
}
