package retry

import (
	"context"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"  ", 0, false},
		{"0", 0, true},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"1000000000", 1000000000 * time.Second, true},
		{"99999999999999999999", time.Duration(math.MaxInt64 / int64(time.Second) * int64(time.Second)), true}, // over int64: as long as possible
		{"-99999999999999999999", 0, false},
		{"9223372036854775807", time.Duration(math.MaxInt64 / int64(time.Second) * int64(time.Second)), true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second, true}, // IMF-fixdate
		{"Wednesday, 01-May-24 12:01:00 GMT", time.Minute, true},  // RFC 850
		{"Wed May  1 12:00:05 2024", 5 * time.Second, true},       // asctime
		{"Wed, 01 May 2024 11:00:00 GMT", 0, true},                // in the past
		{"Wed, 01 May 2024 12:00:30 +0200", 0, false},             // not an HTTP date
		{"2024-05-01T12:00:30Z", 0, false},                        // not an HTTP date
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		assert.Equal(t, tt.wantOK, ok, "parseRetryAfter(%q)", tt.in)
		assert.Equal(t, tt.want, got, "parseRetryAfter(%q)", tt.in)
	}
}

func TestJitteredBackoff(t *testing.T) {
	const min, max = 100 * time.Millisecond, 5 * time.Second
	for attempt := 0; attempt < 12; attempt++ {
		lo := min << attempt
		if lo > max {
			lo = max
		}
		hi := 2 * lo
		if hi > max {
			hi = max
		}
		seen := map[time.Duration]bool{}
		for i := 0; i < 200; i++ {
			d := jitteredBackoff(min, max, attempt)
			require.GreaterOrEqual(t, d, lo, "attempt %d", attempt)
			require.LessOrEqual(t, d, hi, "attempt %d", attempt)
			require.GreaterOrEqual(t, d, min)
			require.LessOrEqual(t, d, max)
			seen[d] = true
		}
		if hi > lo {
			assert.Greater(t, len(seen), 10, "attempt %d: jittered", attempt)
		}
	}
	// Edge cases: no overflow, no panic, bounds kept.
	assert.Equal(t, time.Duration(0), jitteredBackoff(0, 0, 5))
	assert.LessOrEqual(t, jitteredBackoff(0, time.Second, 3), time.Second)
	assert.Equal(t, time.Second, jitteredBackoff(time.Second, time.Second, 10))
	big := jitteredBackoff(time.Hour, time.Duration(math.MaxInt64), 1000)
	assert.GreaterOrEqual(t, big, time.Duration(math.MaxInt64/2))
	assert.Equal(t, time.Duration(math.MaxInt64), jitteredBackoff(time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), 3))
	d := jitteredBackoff(time.Second, time.Millisecond, 0) // max below min: min wins
	assert.Equal(t, time.Second, d)
	assert.GreaterOrEqual(t, jitteredBackoff(time.Second, time.Minute, -3), time.Second)
}

func TestBackoff(t *testing.T) {
	c := newTestClient(t, "https://ca.example.com", nil)
	respWith := func(retryAfter string) *http.Response {
		req, _ := http.NewRequestWithContext(context.WithValue(context.Background(), callStateKey{}, &callState{}),
			http.MethodGet, "https://ca.example.com/x", nil)
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &http.Response{StatusCode: 429, Header: h, Request: req}
	}
	const min = 10 * time.Millisecond

	// Seconds, honoured when within MaxWait.
	resp := respWith("1")
	assert.Equal(t, time.Second, c.backoff(min, time.Second, 0, resp))
	assert.Equal(t, time.Second, c.backoff(min, time.Minute, 2, resp))
	assert.Equal(t, time.Second, stateOf(resp.Request.Context()).retryAfter, "recorded for the error")
	// Seconds over MaxWait are capped.
	resp = respWith("1000000000")
	assert.Equal(t, 50*time.Millisecond, c.backoff(min, 50*time.Millisecond, 0, resp))
	assert.Equal(t, 1000000000*time.Second, stateOf(resp.Request.Context()).retryAfter)
	assert.Equal(t, 500*time.Millisecond, c.backoff(min, 500*time.Millisecond, 0, respWith("1")))
	// "0": retry at once.
	assert.Equal(t, time.Duration(0), c.backoff(min, time.Second, 3, respWith("0")))
	// HTTP date, an hour away: about an hour (the header has one-second resolution).
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	got := c.backoff(min, 2*time.Hour, 0, respWith(date))
	assert.LessOrEqual(t, got, time.Hour)
	assert.Greater(t, got, time.Hour-time.Minute)
	// ...capped at MaxWait too.
	assert.Equal(t, time.Minute, c.backoff(min, time.Minute, 0, respWith(date)))
	// A date in the past: no wait.
	assert.Equal(t, time.Duration(0), c.backoff(min, time.Minute, 0, respWith("Mon, 01 Jan 2001 00:00:00 GMT")))
	// Garbage or no header: the jittered exponential backoff.
	for _, resp := range []*http.Response{respWith("garbage"), respWith(""), respWith("-5"), nil} {
		for attempt := 0; attempt < 4; attempt++ {
			d := c.backoff(min, time.Second, attempt, resp)
			lo := min << attempt
			assert.GreaterOrEqual(t, d, lo)
			assert.LessOrEqual(t, d, 2*lo)
		}
	}
	// A response without a Request (a custom transport may do that) does not panic.
	assert.Equal(t, time.Second, c.backoff(min, time.Minute, 0, &http.Response{Header: http.Header{"Retry-After": {"1"}}}))
}
