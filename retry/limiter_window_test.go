package retry

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock drives a WindowLimiter without real time: sleeping advances the clock.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func newClockedLimiter(t *testing.T, windows ...Window) (*WindowLimiter, *fakeClock) {
	t.Helper()
	l, err := NewWindowLimiter(windows...)
	require.NoError(t, err)
	c := &fakeClock{t: time.Now()} // near real time, so that ctx deadlines compare with it
	l.now, l.sleep = c.now, c.sleep
	return l, c
}

// countIn returns the largest number of times that fall in any half-open period of
// length per, as a service counting "the requests of the preceding per" sees them.
func countIn(times []time.Time, per time.Duration) int {
	most := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < per; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

func TestWindowLimiterKeepsEveryWindowAndUsesItsBudget(t *testing.T) {
	short := Window{N: 10, Per: time.Second, Margin: 10 * time.Millisecond}
	long := Window{N: 40, Per: 20 * time.Second, Margin: 100 * time.Millisecond}
	l, clock := newClockedLimiter(t, short, long)
	var grants []time.Time
	for range 200 {
		require.NoError(t, l.Wait(context.Background()))
		grants = append(grants, clock.now())
	}
	assert.Equal(t, short.N, countIn(grants, short.Per), "short window")
	assert.Equal(t, long.N, countIn(grants, long.Per), "long window")
	// The first 10 go at once, the next 10 one short gap later, up to the 40 of the long window.
	assert.Equal(t, grants[0], grants[9])
	assert.Equal(t, short.Gap(), grants[10].Sub(grants[0]))
	assert.Equal(t, long.Gap(), grants[40].Sub(grants[0]), "the 41st waits until the 1st leaves the long window")
	// Long run: 200 requests in 5 long gaps minus the tail, i.e. the long window's rate.
	elapsed := grants[199].Sub(grants[0])
	assert.Equal(t, 4*long.Gap()+3*short.Gap(), elapsed)
}

func TestWindowLimiterBoundary(t *testing.T) {
	w := Window{N: 2, Per: time.Second, Margin: time.Millisecond}
	l, clock := newClockedLimiter(t, w)
	start := clock.now()
	require.NoError(t, l.Wait(context.Background()))
	require.NoError(t, l.Wait(context.Background()))
	assert.Empty(t, clock.sleeps, "two fit at once")

	clock.advance(w.Gap() - time.Nanosecond)
	require.NoError(t, l.Wait(context.Background()))
	assert.Equal(t, []time.Duration{time.Nanosecond}, clock.sleeps, "one nanosecond short of the gap still waits")
	assert.Equal(t, start.Add(w.Gap()), clock.now())

	clock.advance(w.Gap()) // both earlier grants have left the window now
	clock.sleeps = nil
	require.NoError(t, l.Wait(context.Background()))
	assert.Empty(t, clock.sleeps, "exactly at the gap it goes at once")
}

func TestWindowLimiterDeadline(t *testing.T) {
	w := Window{N: 1, Per: 10 * time.Second}
	l, clock := newClockedLimiter(t, w)
	require.NoError(t, l.Wait(context.Background()))

	ctx, cancel := context.WithDeadline(context.Background(), clock.now().Add(5*time.Second))
	defer cancel()
	err := l.Wait(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 per 10s")
	assert.Empty(t, clock.sleeps, "it does not wait for a wait it knows is too long")

	// The refused request took nothing: the next one waits only for the first to leave.
	require.NoError(t, l.Wait(context.Background()))
	assert.Equal(t, []time.Duration{w.Gap()}, clock.sleeps)
}

func TestWindowLimiterCancelGivesBack(t *testing.T) {
	w := Window{N: 1, Per: time.Second}
	l, clock := newClockedLimiter(t, w)
	require.NoError(t, l.Wait(context.Background()))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, l.Wait(ctx), context.Canceled, "a done ctx takes nothing")

	// A waiter cancelled while asleep gives its slot back.
	l.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	assert.ErrorIs(t, l.Wait(context.Background()), context.Canceled)
	l.sleep = clock.sleep
	require.NoError(t, l.Wait(context.Background()))
	assert.Equal(t, []time.Duration{w.Gap()}, clock.sleeps, "the slot given back is taken by the next waiter")
	require.NoError(t, l.Wait(context.Background()))
	assert.Equal(t, []time.Duration{w.Gap(), w.Gap()}, clock.sleeps)
}

func TestWindowLimiterRealSleepHonoursCtx(t *testing.T) {
	l, err := NewWindowLimiter(Window{N: 1, Per: time.Hour})
	require.NoError(t, err)
	require.NoError(t, l.Wait(context.Background()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Wait(ctx) }()
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after cancel")
	}
}

func TestWindowLimiterConcurrentWaitersKeepTheWindow(t *testing.T) {
	w := Window{N: 5, Per: time.Second}
	l, clock := newClockedLimiter(t, w)
	var mu sync.Mutex
	var reservedAt []time.Time
	l.sleep = func(ctx context.Context, d time.Duration) error { return nil } // reservations only
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				l.mu.Lock()
				at, _ := l.earliest(clock.now())
				l.record(at)
				l.mu.Unlock()
				mu.Lock()
				reservedAt = append(reservedAt, at)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// Sorted, the 80 reservations form 16 groups of 5, one gap apart.
	counts := map[time.Time]int{}
	for _, at := range reservedAt {
		counts[at]++
	}
	assert.Len(t, counts, 16)
	for at, n := range counts {
		assert.Equal(t, 5, n, "at %s", at)
		assert.Zero(t, at.Sub(clock.now())%w.Gap())
	}
}

func TestWindowValidateAndJSON(t *testing.T) {
	for _, w := range []Window{{N: 0, Per: time.Second}, {N: MaxWindowRequests + 1, Per: time.Second},
		{N: 1}, {N: 1, Per: -time.Second}, {N: 1, Per: time.Second, Margin: -1}} {
		_, err := NewWindowLimiter(w)
		assert.Error(t, err, "%+v", w)
		assert.Error(t, Config{Windows: []Window{w}}.Validate(), "%+v", w)
		_, err = New(Options{Provider: "p", BaseURL: "https://ca.example.com", Config: Config{Windows: []Window{w}}})
		assert.Error(t, err, "%+v", w)
	}
	_, err := NewWindowLimiter()
	assert.Error(t, err)

	assert.Equal(t, 100*time.Millisecond, Window{N: 100, Per: 5 * time.Second}.Gap()-5*time.Second)
	assert.Equal(t, 2*time.Second, Window{N: 1000, Per: 3 * time.Minute}.Gap()-3*time.Minute)
	assert.Equal(t, 50*time.Millisecond, Window{N: 1, Per: time.Second}.Gap()-time.Second)

	var c Config
	require.NoError(t, json.Unmarshal([]byte(`{"windows":[{"n":100,"per":"5s"},{"n":1000,"per":"3m","margin":"2s"}]}`), &c))
	want := []Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute, Margin: 2 * time.Second}}
	assert.Equal(t, want, c.Windows)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"windows":[{"n":100,"per":"5s"},{"n":1000,"per":"3m0s","margin":"2s"}]}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"windows":[{"n":1,"per":"soon"}]}`), &c))
}
