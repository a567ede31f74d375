package retry

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/anyca/anyca/internal/jsonstrict"
)

// MaxWindowRequests bounds Window.N: the rolling-window limiter keeps one timestamp per
// request a window admits.
const MaxWindowRequests = 1 << 20

// Window is one rolling-window limit, as CAs publish them: at most N requests in any
// period of length Per (the service counts the requests of the preceding Per).
type Window struct {
	N   int           `json:"n"`
	Per time.Duration `json:"per"`
	// Margin is added to Per when a limiter spaces requests, so that network jitter
	// between this client and the service cannot move N+1 requests into one of the
	// service's windows. Zero means DefaultMargin(Per).
	Margin time.Duration `json:"margin,omitempty"`
}

// DefaultMargin is the margin a Window with a zero Margin keeps: Per/50 within 50 ms and
// 2 s (100 ms for a 5 s window, 2 s for a 3 min one, which keeps 98.9% of its rate). The
// floor is there because jitter does not shrink with the window: a request that opens a
// connection arrives later than one that reuses it, and on a loaded machine even loopback
// requests arrive tens of milliseconds apart from when they were let go.
func DefaultMargin(per time.Duration) time.Duration {
	return min(max(per/50, 50*time.Millisecond), 2*time.Second)
}

// Gap is how long after a request a limiter waits before that request no longer counts
// in the window: Per plus the margin.
func (w Window) Gap() time.Duration {
	if w.Margin > 0 {
		return w.Per + w.Margin
	}
	return w.Per + DefaultMargin(w.Per)
}

// String describes the window as "100 per 5s".
func (w Window) String() string { return fmt.Sprintf("%d per %s", w.N, w.Per) }

// Validate reports a window that cannot work: N outside 1..MaxWindowRequests, a Per that
// is not positive, a negative margin.
func (w Window) Validate() error {
	switch {
	case w.N < 1 || w.N > MaxWindowRequests:
		return fmt.Errorf("retry: window %s: n must be between 1 and %d", w, MaxWindowRequests)
	case w.Per <= 0:
		return fmt.Errorf("retry: window %s: per must be positive", w)
	case w.Margin < 0:
		return fmt.Errorf("retry: window %s: margin %s is negative", w, w.Margin)
	}
	return nil
}

type windowJSON struct {
	N      int      `json:"n"`
	Per    duration `json:"per"`
	Margin duration `json:"margin,omitempty"`
}

// MarshalJSON writes Per and Margin as duration strings: {"n":100,"per":"5s"}.
func (w Window) MarshalJSON() ([]byte, error) {
	return json.Marshal(windowJSON{w.N, duration(w.Per), duration(w.Margin)})
}

// UnmarshalJSON reads Per and Margin as duration strings with their unit ("3m"); a bare
// number other than 0 is refused.
func (w *Window) UnmarshalJSON(b []byte) error {
	v := windowJSON{w.N, duration(w.Per), duration(w.Margin)}
	if err := jsonstrict.Decode(b, &v); err != nil {
		return err
	}
	*w = Window{N: v.N, Per: time.Duration(v.Per), Margin: time.Duration(v.Margin)}
	return nil
}

// WindowLimiter is a Limiter that keeps every window it is given, exactly, within one
// process: it remembers when it let each of the last N requests of a window go, and lets
// a request go only once the oldest of those is Gap behind it, in every window. Waiters
// are served in the order they called Wait. It is safe for concurrent use; share one
// between Clients that use the same API key.
type WindowLimiter struct {
	mu      sync.Mutex
	windows []Window
	logs    []timeRing
	seq     uint64 // reservations made; lets Wait give back the latest one
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
}

// NewWindowLimiter returns a limiter for windows, for example DigiCert's
// Window{N: 100, Per: 5 * time.Second} and Window{N: 1000, Per: 3 * time.Minute}.
func NewWindowLimiter(windows ...Window) (*WindowLimiter, error) {
	if len(windows) == 0 {
		return nil, fmt.Errorf("retry: a rolling-window limiter needs at least one window")
	}
	l := &WindowLimiter{windows: append([]Window(nil), windows...), now: time.Now, sleep: Sleep}
	for _, w := range windows {
		if err := w.Validate(); err != nil {
			return nil, err
		}
		l.logs = append(l.logs, timeRing{times: make([]time.Time, w.N)})
	}
	return l, nil
}

// Windows returns a copy of the limiter's windows.
func (l *WindowLimiter) Windows() []Window { return append([]Window(nil), l.windows...) }

// Wait returns nil when a request may go: at once when every window has room, else after
// sleeping until it has. It returns ctx's error if ctx ends first, and at once an error
// matching context.DeadlineExceeded when the room comes only after ctx's deadline; in
// both cases the request takes nothing from the budget.
func (l *WindowLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	deadline, hasDeadline := ctx.Deadline()
	l.mu.Lock()
	now := l.now()
	at, w := l.earliest(now)
	if hasDeadline && at.After(deadline) {
		l.mu.Unlock()
		return fmt.Errorf("retry: the rolling window of %s has room in %s, after the deadline: %w",
			w, at.Sub(now).Round(time.Millisecond), context.DeadlineExceeded)
	}
	res := l.record(at)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		if err := l.sleep(ctx, d); err != nil {
			l.giveBack(res)
			return err
		}
	}
	return nil
}

// earliest returns the first time, not before now, at which every window has room, and
// the window that decided it.
func (l *WindowLimiter) earliest(now time.Time) (time.Time, Window) {
	at, by := now, Window{}
	for i, w := range l.windows {
		r := &l.logs[i]
		if r.n < len(r.times) {
			continue
		}
		if t := r.oldest().Add(w.Gap()); t.After(at) {
			at, by = t, w
		}
	}
	return at, by
}

// reservation is what record changed, so that giveBack can undo it.
type reservation struct {
	seq      uint64
	replaced []time.Time // per window: the entry the reservation pushed out (zero: none)
	full     []bool
}

// record counts a request at time at in every window. Reservations are made in
// non-decreasing order of at, so each ring stays sorted.
func (l *WindowLimiter) record(at time.Time) reservation {
	l.seq++
	res := reservation{seq: l.seq, replaced: make([]time.Time, len(l.logs)), full: make([]bool, len(l.logs))}
	for i := range l.logs {
		res.replaced[i], res.full[i] = l.logs[i].push(at)
	}
	return res
}

// giveBack undoes res if no later reservation was made since; otherwise the slot stays
// taken, which can only make the limiter slower, never let too much through.
func (l *WindowLimiter) giveBack(res reservation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seq != res.seq {
		return
	}
	for i := range l.logs {
		l.logs[i].pop(res.replaced[i], res.full[i])
	}
	l.seq--
}

// timeRing holds the times of the last len(times) requests, oldest first from head.
type timeRing struct {
	times   []time.Time
	head, n int
}

func (r *timeRing) oldest() time.Time { return r.times[r.head] }

// push appends t, dropping the oldest entry when full; it returns that entry and whether
// the ring was full.
func (r *timeRing) push(t time.Time) (time.Time, bool) {
	if r.n < len(r.times) {
		r.times[(r.head+r.n)%len(r.times)] = t
		r.n++
		return time.Time{}, false
	}
	old := r.times[r.head]
	r.times[r.head] = t
	r.head = (r.head + 1) % len(r.times)
	return old, true
}

// pop removes the newest entry, putting back replaced when the push had dropped it.
func (r *timeRing) pop(replaced time.Time, wasFull bool) {
	if !wasFull {
		r.n--
		return
	}
	r.head = (r.head - 1 + len(r.times)) % len(r.times)
	r.times[r.head] = replaced
}
