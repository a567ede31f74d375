package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// transport sits under the retry loop: every attempt, retries included, first waits on the
// client's Limiter, is counted, and is logged (redacted) when a logger is set.
type transport struct {
	c       *Client
	next    http.RoundTripper
	timeout time.Duration // per attempt, after the token; 0: none
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateOf(ctx)
	once := st != nil && st.atMostOnce
	if once {
		st.unsent = true // until the attempt is under way
	}
	if t.c.pace != nil {
		if err := t.c.pace.Wait(ctx); err != nil {
			switch {
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case errors.Is(err, context.DeadlineExceeded):
				return nil, errLimiterDeadline // waiting would outlast the deadline
			default:
				return nil, fmt.Errorf("%w: %w", ErrLimiterFailed, err)
			}
		}
	}
	if st != nil {
		st.attempts++
	}
	start := time.Now()
	var resp *http.Response
	var err error
	if once {
		if err := ctx.Err(); err != nil {
			return nil, err // nothing left: st.unsent stays set
		}
		req = traceWrites(req, st)
		defer func() { st.unsent = err != nil && resp == nil && neverSent(st, err) }()
	}
	if t.timeout > 0 {
		actx, cancel := context.WithTimeoutCause(ctx, t.timeout, errAttemptTimeout)
		resp, err = t.next.RoundTrip(req.WithContext(actx))
		if err != nil || resp == nil {
			// Read the cause before cancel(): after it every error would look timed out.
			timedOut := ctx.Err() == nil && errors.Is(context.Cause(actx), errAttemptTimeout)
			cancel()
			if err != nil && timedOut {
				if errors.Is(err, errAttemptTimeout) { // net/http reported the cause itself
					err = fmt.Errorf("%w (%s)", errAttemptTimeout, t.timeout)
				} else {
					err = fmt.Errorf("%w (%s): %w", errAttemptTimeout, t.timeout, err)
				}
			}
		} else {
			resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
		}
	} else {
		resp, err = t.next.RoundTrip(req)
	}
	if resp != nil && resp.Request == nil {
		resp.Request = req // a custom base transport may leave it unset; the backoff reads it
	}
	if st != nil && resp != nil {
		st.lastStatus = resp.StatusCode
	}
	if t.c.logger != nil && t.c.logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("provider", t.c.provider),
			slog.String("method", req.Method),
			slog.String("url", t.c.redact.URL(req.URL)),
			slog.Duration("elapsed", time.Since(start)),
		}
		if st != nil {
			attrs = append(attrs, slog.String("op", st.op), slog.Int("attempt", st.attempts))
		}
		if resp != nil {
			attrs = append(attrs, slog.Int("status", resp.StatusCode))
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			attrs = append(attrs, slog.String("error", t.c.redact.String(err.Error())))
		}
		t.c.logger.LogAttrs(ctx, slog.LevelDebug, "anyca http attempt", attrs...)
	}
	return resp, err
}

// errAttemptTimeout: one attempt took longer than the per-attempt timeout.
var errAttemptTimeout = errors.New("no answer within the per-attempt timeout")

// cancelBody releases an attempt's timeout when its body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
