package retry

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends, whichever is first: nil after the full wait, ctx's
// error when it ended first (at once when it already has). The timer is released either
// way.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
