package exporter

import (
	"net/http"
	"sync/atomic"
)

// requestCounter is an http.RoundTripper that counts every request it sends and every
// 429 answer. It is the base transport of an account's HTTP client; the retry client
// wraps it, so each attempt, retries included, is counted once.
type requestCounter struct {
	next        http.RoundTripper
	requests    atomic.Uint64
	rateLimited atomic.Uint64
}

// RoundTrip counts req and, when the answer is 429 Too Many Requests, the answer.
func (c *requestCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.requests.Add(1)
	resp, err := c.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		c.rateLimited.Add(1)
	}
	return resp, err
}

// countingClient returns a copy of base (nil: http.DefaultClient's settings) whose
// transport counts through c.
func countingClient(base *http.Client, c *requestCounter) *http.Client {
	var cl http.Client
	if base != nil {
		cl = *base
	}
	c.next = cl.Transport
	if c.next == nil {
		c.next = http.DefaultTransport
	}
	cl.Transport = c
	return &cl
}
