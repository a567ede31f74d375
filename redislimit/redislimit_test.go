package redislimit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/redislimit/redistest"
	"github.com/anyca/anyca/retry"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testAPIKey must never show up in Redis, errors or logs.
const testAPIKey = "dc-live-S3cretKey+/="

func newLimiter(t testing.TB, addr string, opts Options) *Limiter {
	t.Helper()
	l, err := New(redistest.Client(t, addr), testAPIKey, opts)
	require.NoError(t, err)
	return l
}

// waitAll calls Wait with a deadline until it refuses, and returns how many it admitted
// and the refusal.
func waitAll(t testing.TB, l *Limiter, within time.Duration, most int) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for n := 0; n < most; n++ {
		if err := l.Wait(ctx); err != nil {
			return n, err
		}
	}
	return most, nil
}

func TestSharedBudgetIsExact(t *testing.T) {
	r := redistest.Start(t)
	t.Logf("real redis-server: %v", r.Real)
	opts := Options{Windows: []retry.Window{{N: 7, Per: time.Minute}}}
	a, b := newLimiter(t, r.Addr, opts), newLimiter(t, r.Addr, opts) // two clients, one key
	got := 0
	for i := range 20 {
		l := a
		if i%2 == 1 {
			l = b
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := l.Wait(ctx)
		cancel()
		if err != nil {
			var me *model.Error
			require.ErrorAs(t, err, &me)
			assert.ErrorIs(t, me.Kind, context.DeadlineExceeded)
			assert.Contains(t, err.Error(), "after the deadline", "refused at once, not after sleeping to the deadline")
			continue
		}
		got++
	}
	assert.Equal(t, 7, got, "both clients together get exactly N")
}

func TestWaitSleepsUntilTheWindowHasRoom(t *testing.T) {
	r := redistest.Start(t)
	w := retry.Window{N: 2, Per: 300 * time.Millisecond, Margin: time.Millisecond}
	l := newLimiter(t, r.Addr, Options{Windows: []retry.Window{w}})
	n, err := waitAll(t, l, 10*time.Second, 5)
	require.NoError(t, err)
	assert.Equal(t, 5, n, "the third and later requests waited for the window instead of failing")
}

// The window boundary on Redis's own clock, which miniredis lets the test set.
func TestWindowBoundaryOnRedisClock(t *testing.T) {
	mr := miniredis.RunT(t)
	short := retry.Window{N: 2, Per: time.Second, Margin: 10 * time.Millisecond}
	long := retry.Window{N: 3, Per: time.Minute, Margin: time.Second}
	l := newLimiter(t, mr.Addr(), Options{Windows: []retry.Window{short, long}})
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Duration {
		mr.SetTime(t0.Add(d))
		wait, err := l.Allow(context.Background())
		require.NoError(t, err)
		return wait
	}
	assert.Zero(t, at(0))
	assert.Zero(t, at(0))
	assert.Equal(t, short.Gap(), at(0), "the short window is full")
	assert.Equal(t, time.Microsecond, at(short.Gap()-time.Microsecond), "one microsecond short")
	assert.Zero(t, at(short.Gap()), "exactly at the gap the first request has left")
	// Three in the long window now: the next waits for the first to leave it.
	assert.Equal(t, long.Gap()-2*short.Gap(), at(2*short.Gap()))
	assert.Zero(t, at(long.Gap()))
	// A refused check recorded nothing.
	assert.Equal(t, 1, mustCard(t, mr, l.Keys()[0]))
}

func mustCard(t *testing.T, mr *miniredis.Miniredis, key string) int {
	members, err := mr.ZMembers(key)
	require.NoError(t, err)
	return len(members)
}

func TestManyKeysAreIndependentAndCarryNoSecret(t *testing.T) {
	r := redistest.Start(t)
	rdb := r.Client(t)
	opts := Options{Windows: []retry.Window{{N: 3, Per: time.Minute}, {N: 10, Per: time.Hour}}}
	seen := map[string]bool{}
	for i := range 50 {
		key := fmt.Sprintf("%s-%d", testAPIKey, i)
		l, err := New(rdb, key, opts)
		require.NoError(t, err)
		for j := range 4 {
			wait, err := l.Allow(context.Background())
			require.NoError(t, err)
			if j < 3 {
				assert.Zero(t, wait, "key %d request %d", i, j)
			} else {
				assert.Greater(t, wait, 50*time.Second, "key %d is full after 3", i)
			}
		}
		for _, k := range l.Keys() {
			assert.False(t, seen[k], "key names differ per API key")
			seen[k] = true
		}
	}
	keys, err := rdb.Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	assert.Len(t, keys, 100)
	for _, k := range keys {
		assert.NotContains(t, k, "S3cret")
		assert.True(t, strings.HasPrefix(k, "{"+DefaultPrefix+":"), k)
		ttl, err := rdb.PTTL(context.Background(), k).Result()
		require.NoError(t, err)
		assert.Greater(t, ttl, time.Duration(0), "every key expires once its window is over")
	}
}

func TestRedisKilledMidRun(t *testing.T) {
	windows := []retry.Window{{N: 6, Per: time.Minute}}
	t.Run("fail closed", func(t *testing.T) {
		r := redistest.Start(t)
		l := newLimiter(t, r.Addr, Options{Windows: windows})
		n, err := waitAll(t, l, 5*time.Second, 3)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		r.Kill()
		_, err = waitAll(t, l, 5*time.Second, 1)
		var me *model.Error
		require.ErrorAs(t, err, &me)
		assert.Equal(t, model.ErrUnavailable, me.Kind)
		assert.ErrorIs(t, err, ErrRedis)
		assert.NotContains(t, err.Error(), "S3cret")
	})
	t.Run("fall back to the process's share", func(t *testing.T) {
		r := redistest.Start(t)
		var logs bytes.Buffer
		l := newLimiter(t, r.Addr, Options{Windows: windows, OnRedisError: FallBackLocal, Replicas: 3,
			RetryRedisAfter: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		n, err := waitAll(t, l, 5*time.Second, 3)
		require.NoError(t, err)
		require.Equal(t, 3, n)
		r.Kill()
		n, err = waitAll(t, l, 5*time.Second, 10)
		assert.Equal(t, 2, n, "6 per minute shared by 3 replicas: 2 each")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, logs.String(), "Redis failed")
		assert.Contains(t, logs.String(), KeyHash(testAPIKey))
		assert.NotContains(t, logs.String(), "S3cret")
	})
}

func TestRedisSlowerThanTheTimeout(t *testing.T) {
	r := redistest.Start(t)
	slow := redistest.SlowProxy(t, r.Addr, 3*time.Second)
	windows := []retry.Window{{N: 5, Per: time.Minute}}

	l := newLimiter(t, slow, Options{Windows: windows, Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := waitAll(t, l, 10*time.Second, 1)
	assert.ErrorIs(t, err, ErrRedis)
	assert.Contains(t, err.Error(), "no answer within 100ms")
	assert.Less(t, time.Since(start), 2*time.Second, "the timeout, not go-redis's read timeout, ended it")

	// A caller deadline shorter than the timeout ends the wait with the caller's error.
	l = newLimiter(t, slow, Options{Windows: windows, Timeout: 10 * time.Second})
	_, err = waitAll(t, l, 50*time.Millisecond, 1)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, ErrRedis)

	l = newLimiter(t, slow, Options{Windows: windows, Timeout: 100 * time.Millisecond, OnRedisError: FallBackLocal, Replicas: 5})
	n, err := waitAll(t, l, 10*time.Second, 1)
	require.NoError(t, err, "the local share answers while Redis is slow")
	assert.Equal(t, 1, n)
}

func TestOptionsAndSecrets(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redistest.Client(t, mr.Addr())
	for name, tc := range map[string]struct {
		key  string
		opts Options
	}{
		"no key":              {"", Options{}},
		"empty windows":       {testAPIKey, Options{Windows: []retry.Window{}}},
		"bad window":          {testAPIKey, Options{Windows: []retry.Window{{N: 0, Per: time.Second}}}},
		"fallback, replicas?": {testAPIKey, Options{OnRedisError: FallBackLocal}},
		"unknown policy":      {testAPIKey, Options{OnRedisError: 7}},
	} {
		_, err := New(rdb, tc.key, tc.opts)
		var me *model.Error
		require.ErrorAs(t, err, &me, name)
		assert.Equal(t, model.ErrInvalidArgument, me.Kind, name)
	}
	_, err := New(nil, testAPIKey, Options{})
	assert.Error(t, err)

	l, err := New(rdb, testAPIKey, Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{
		"{anyca:ratelimit:" + KeyHash(testAPIKey) + "}:100/5s",
		"{anyca:ratelimit:" + KeyHash(testAPIKey) + "}:1000/3m0s",
	}, l.Keys(), "DigiCert's two windows by default")
	assert.Len(t, KeyHash(testAPIKey), 32)
	assert.NotEqual(t, KeyHash(testAPIKey), KeyHash(testAPIKey+"x"))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, l), "S3cret", verb)
	}
}

// Two OS processes (this test binary, run again) take from one key: together they get
// exactly the window's N.
func TestTwoProcessesShareAKey(t *testing.T) {
	r := redistest.Start(t)
	const n = 12
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "REDISLIMIT_HELPER_ADDR="+r.Addr, "REDISLIMIT_HELPER_N="+strconv.Itoa(n))
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		require.NoError(t, cmd.Start())
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	total := 0
	for i, cmd := range cmds {
		require.NoError(t, cmd.Wait(), outs[i].String())
		var got int
		_, err := fmt.Sscanf(outs[i].String()[strings.Index(outs[i].String(), "admitted="):], "admitted=%d", &got)
		require.NoError(t, err, outs[i].String())
		t.Logf("process %d admitted %d", i, got)
		total += got
	}
	assert.Equal(t, n, total)
}

// TestHelperProcess is one of TestTwoProcessesShareAKey's processes; it does nothing in a
// normal run.
func TestHelperProcess(t *testing.T) {
	addr := os.Getenv("REDISLIMIT_HELPER_ADDR")
	if addr == "" {
		t.Skip("helper process for TestTwoProcessesShareAKey")
	}
	n, err := strconv.Atoi(os.Getenv("REDISLIMIT_HELPER_N"))
	require.NoError(t, err)
	l := newLimiter(t, addr, Options{Windows: []retry.Window{{N: n, Per: time.Minute}}})
	got, err := waitAll(t, l, 3*time.Second, 2*n)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.False(t, errors.Is(err, ErrRedis))
	fmt.Printf("admitted=%d\n", got)
}

// TestAbsurdWaitIsARedisError: a window key holding requests scored centuries ahead
// (a corrupted key, a foreign writer) makes the script answer a wait over 292 years,
// which overflows time.Duration. Wait must not re-run the script in a loop on the
// negative wait: the answer is a Redis error (FailClosed: ErrUnavailable wrapping
// ErrRedis), returned at once.
func TestAbsurdWaitIsARedisError(t *testing.T) {
	r := redistest.Start(t)
	w := retry.Window{N: 2, Per: time.Second}
	l := newLimiter(t, r.Addr, Options{Windows: []retry.Window{w}})
	rdb := redistest.Client(t, r.Addr)
	for i := range w.N {
		require.NoError(t, rdb.ZAdd(context.Background(), l.keys[0], redis.Z{Score: 1e16 + float64(i), Member: fmt.Sprint("future-", i)}).Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.Wait(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRedis, "an absurd wait is a Redis error, not a wait: %v", err)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.NoError(t, ctx.Err(), "Wait returned at once, before its context ended")
}
