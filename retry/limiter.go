package retry

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/time/rate"
)

// Limiter paces requests. The transport calls Wait once for every attempt, retries
// included, before the attempt is sent; a nil error means the attempt may go now.
//
// Wait must return promptly with ctx's error once ctx is done. When waiting would outlast
// ctx's deadline it should return at once with an error matching context.DeadlineExceeded
// (errors.Is): the client reports that as a deadline error without waiting. Any other
// error fails the call with a *model.Error of kind model.ErrUnavailable wrapping
// ErrLimiterFailed and the error, and the call is not retried. A Limiter shared by several
// Clients (or processes, see the redislimit module) must be safe for concurrent use.
type Limiter interface {
	Wait(ctx context.Context) error
}

// ErrLimiterFailed is in the chain of the error of a call whose Limiter failed for a
// reason other than ctx, for example a shared limiter that lost its store.
var ErrLimiterFailed = errors.New("client-side rate limiter failed")

// newLimiter returns the limiter a Client with the effective settings cfg waits on, or
// nil for none: cfg.Limiter when set, else a rolling-window limiter over cfg.Windows, else
// a token bucket of cfg.RequestsPerSecond and cfg.Burst. A negative RequestsPerSecond
// turns the built-in limiters off; it does not turn off a Limiter the user gave.
func newLimiter(cfg Config) (Limiter, *rate.Limiter, error) {
	switch {
	case cfg.Limiter != nil:
		return cfg.Limiter, nil, nil
	case cfg.RequestsPerSecond < 0:
		return nil, nil, nil
	case len(cfg.Windows) > 0:
		w, err := NewWindowLimiter(cfg.Windows...)
		if err != nil {
			return nil, nil, err
		}
		return w, nil, nil
	case cfg.RequestsPerSecond > 0:
		burst := max(cfg.Burst, 1)
		b := rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), burst)
		return tokenBucket{b}, b, nil
	}
	return nil, nil, nil
}

// tokenBucket is the x/time/rate limiter as a Limiter.
type tokenBucket struct{ b *rate.Limiter }

// Wait takes a token. rate.Limiter reports "would exceed context deadline" without
// wrapping context.DeadlineExceeded; tokenBucket reports it as the deadline error it is.
func (t tokenBucket) Wait(ctx context.Context) error {
	if err := t.b.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%v: %w", err, context.DeadlineExceeded)
	}
	return nil
}

// NewLimiter returns the limiter a Client built with cfg (its zero fields already
// defaulted) waits on for every attempt, or nil for none, for adapters whose HTTP goes
// through a library's own client (the acme adapter wraps it in a transport): cfg.Limiter
// when set, else a rolling-window limiter over cfg.Windows, else a token bucket of
// cfg.RequestsPerSecond and cfg.Burst; a negative RequestsPerSecond gives none.
func NewLimiter(cfg Config) (Limiter, error) {
	l, _, err := newLimiter(cfg)
	return l, err
}
