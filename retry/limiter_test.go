package retry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingLimiter counts its Wait calls and answers each with err.
type countingLimiter struct {
	calls atomic.Int64
	err   error
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return err
	}
	return l.err
}

func TestLimiterIsWaitedOnForEveryAttempt(t *testing.T) {
	var n atomic.Int64
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	lim := &countingLimiter{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Limiter = lim })
	resp, err := c.Do(context.Background(), &Request{Op: "Op"})
	require.NoError(t, err)
	assert.Equal(t, 3, resp.Attempts)
	assert.Equal(t, int64(3), lim.calls.Load(), "the retries waited on the limiter too")
	assert.Equal(t, lim, c.Config().Limiter)
}

func TestLimiterDeadlineIsADeadlineError(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	lim := &countingLimiter{err: fmt.Errorf("room only in 1h: %w", context.DeadlineExceeded)}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Limiter = lim })
	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	me := requireModelError(t, err)
	assert.ErrorIs(t, me.Kind, context.DeadlineExceeded)
	assert.Equal(t, int64(1), lim.calls.Load(), "not retried")
	assert.Zero(t, srv.count())
}

func TestLimiterFailureIsUnavailableAndNotRetried(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	cause := errors.New("limit store unreachable for key " + testKey)
	lim := &countingLimiter{err: cause}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Limiter = lim })
	_, err := c.Do(context.Background(), &Request{Op: "Op"})
	me := requireModelError(t, err)
	assert.Equal(t, model.ErrUnavailable, me.Kind)
	assert.ErrorIs(t, err, ErrLimiterFailed)
	assert.Contains(t, err.Error(), "limit store unreachable")
	assertNoKey(t, "limiter failure", err.Error())
	assert.Equal(t, int64(1), lim.calls.Load(), "a failed limiter is not retried")
	assert.Zero(t, srv.count(), "nothing is sent without the limiter's leave")
}

func TestLimiterCancelledWait(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.Limiter = &countingLimiter{} })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Do(ctx, &Request{Op: "Op"})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, srv.count())
}

func TestWindowsConfigPacesTheClient(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {})
	win := Window{N: 2, Per: time.Hour}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Config.RequestsPerSecond = 0; o.Config.Windows = []Window{win} })
	require.IsType(t, &WindowLimiter{}, c.pace)
	assert.Nil(t, c.limiter, "no token bucket besides the windows")
	for range 2 {
		_, err := c.Do(context.Background(), &Request{Op: "Op"})
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Do(ctx, &Request{Op: "Op"})
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the third waits an hour: refused at once")
	assert.Equal(t, 2, srv.count())
}

func TestLimiterChoice(t *testing.T) {
	win := []Window{{N: 100, Per: 5 * time.Second}}
	lim := &countingLimiter{}
	defaults := Config{RequestsPerSecond: 5, Burst: 50, Windows: win}
	for _, tc := range []struct {
		name    string
		cfg     Config
		want    string // type of the limiter waited on
		windows []Window
	}{
		{"defaults' windows", Config{}, "*retry.WindowLimiter", win},
		{"user's rate replaces the defaults' windows", Config{RequestsPerSecond: 2}, "retry.tokenBucket", nil},
		{"user's windows", Config{Windows: []Window{{N: 1, Per: time.Second}}}, "*retry.WindowLimiter", []Window{{N: 1, Per: time.Second}}},
		{"user's limiter", Config{Limiter: lim}, "*retry.countingLimiter", nil},
		{"off", Config{RequestsPerSecond: -1}, "<nil>", nil},
		{"a limiter stays on with the built-in ones off", Config{RequestsPerSecond: -1, Limiter: lim}, "*retry.countingLimiter", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Options{Provider: "p", BaseURL: "https://ca.example.com", Config: tc.cfg, Defaults: defaults})
			require.NoError(t, err)
			assert.Equal(t, tc.want, fmt.Sprintf("%T", c.pace))
			assert.Equal(t, tc.windows, c.Config().Windows)
		})
	}
	// The effective config owns its windows: changing them leaves the defaults alone.
	c := Config{}.WithDefaults(defaults)
	c.Windows[0].N = 1
	assert.Equal(t, 100, defaults.Windows[0].N)
}

func TestConfigJSONKeepsTheLimiter(t *testing.T) {
	lim := &countingLimiter{}
	c := Config{Limiter: lim}
	require.NoError(t, json.Unmarshal([]byte(`{"max_attempts":2}`), &c))
	assert.Equal(t, lim, c.Limiter, "a Limiter set in code survives reading the rest from JSON")
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"max_attempts":2}`, string(b))
}
