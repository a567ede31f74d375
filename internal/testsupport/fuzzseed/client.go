package fuzzseed

import (
	"testing"

	"github.com/anyca/anyca/retry"
)

// Key and BaseURL are what a fuzz target's client is built with: a well-formed key and
// an origin nothing listens on, so that a decode path which tried to send a request
// would fail at once rather than reach anything.
const (
	Key     = "fuzz-key-0123456789"
	BaseURL = "http://127.0.0.1:1"
)

// NewClient returns the client newClient builds from Key and BaseURL, and fails t when
// it cannot be built.
func NewClient[C any](t testing.TB, newClient func(apiKey, baseURL string) (C, error)) C {
	t.Helper()
	c, err := newClient(Key, BaseURL)
	if err != nil {
		t.Fatalf("building the fuzz client: %v", err)
	}
	return c
}

// Response is an HTTP 200 answer carrying body, as the retry client hands it to an
// adapter's decoder.
func Response(body []byte) *retry.Response { return &retry.Response{StatusCode: 200, Body: body} }
