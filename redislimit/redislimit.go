// Package redislimit is a retry.Limiter shared through Redis: every process that uses the
// same API key and the same Redis keeps, together, every rolling window the CA publishes
// (by default DigiCert's 100 requests per 5 s and 1000 per 3 min). Plug it into any
// adapter through retry.Config.Limiter.
//
// Each Wait runs one Lua script that checks and records the request in all windows at
// once, on Redis's own clock, so clock skew between replicas changes nothing. When Redis
// is unreachable or slower than Options.Timeout, Wait either fails with an error of kind
// model.ErrUnavailable (FailClosed, the default) or falls back to a per-process share of
// the budget (FallBackLocal: every window divided by Options.Replicas).
//
// The Redis keys carry no secret: a prefix and a truncated SHA-256 of the API key.
package redislimit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every Redis key when Options.Prefix is empty.
const DefaultPrefix = "anyca:ratelimit"

// DefaultTimeout bounds one Redis round trip when Options.Timeout is zero.
const DefaultTimeout = 500 * time.Millisecond

// DefaultRetryRedisAfter is how long FallBackLocal stays local after a Redis failure
// before it asks Redis again, when Options.RetryRedisAfter is zero.
const DefaultRetryRedisAfter = time.Second

// DigiCertWindows are CertCentral's per-key limits, the default Options.Windows: 100
// requests in any 5 s and 1000 in any 3 min.
func DigiCertWindows() []retry.Window {
	return []retry.Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute}}
}

// ErrRedis is in the chain of every error Wait returns because Redis failed or was too slow.
var ErrRedis = errors.New("redislimit: Redis did not answer the rate-limit check")

// OnRedisError says what Wait does when Redis fails or is slower than Options.Timeout.
type OnRedisError int

const (
	// FailClosed fails the wait (and so the CA call) with a *model.Error of kind
	// model.ErrUnavailable wrapping ErrRedis. Nothing is sent to the CA.
	FailClosed OnRedisError = iota
	// FallBackLocal lets this process go on alone with its share of the budget: a local
	// rolling-window limiter whose windows allow N/Replicas requests (at least 1). Redis
	// is asked again after Options.RetryRedisAfter. Requests admitted locally are not in
	// Redis, so just after Redis comes back the key may briefly get up to twice its limit.
	FallBackLocal
)

// String names the policy.
func (o OnRedisError) String() string {
	switch o {
	case FailClosed:
		return "fail-closed"
	case FallBackLocal:
		return "fall-back-local"
	}
	return "OnRedisError(" + strconv.Itoa(int(o)) + ")"
}

// Options configure a Limiter. The zero value enforces DigiCert's windows, fails closed
// and waits at most DefaultTimeout for Redis.
type Options struct {
	// Windows to keep; nil means DigiCertWindows. Every process sharing a key must use
	// the same windows (they are part of the Redis key names).
	Windows []retry.Window
	// Prefix starts every Redis key; empty means DefaultPrefix.
	Prefix string
	// Timeout bounds each Redis round trip; zero means DefaultTimeout. A Redis slower
	// than that counts as failed.
	Timeout time.Duration
	// OnRedisError is the policy when Redis fails: FailClosed (default) or FallBackLocal.
	OnRedisError OnRedisError
	// Replicas is how many processes share the key, for FallBackLocal's share (required
	// with it); each process then keeps windows of N/Replicas on its own.
	Replicas int
	// RetryRedisAfter is how long FallBackLocal stays local after a failure; zero means
	// DefaultRetryRedisAfter.
	RetryRedisAfter time.Duration
	// Logger, when set, gets a warning each time Redis fails and an info line when it
	// answers again. Log lines carry the hashed key name, never the API key.
	Logger *slog.Logger
}

// Limiter is a retry.Limiter shared through Redis. It is safe for concurrent use.
type Limiter struct {
	rdb      redis.Scripter
	keys     []string
	args     []any // per window: N, gap in µs
	name     string
	windows  []retry.Window
	timeout  time.Duration
	policy   OnRedisError
	retryIn  time.Duration
	logger   *slog.Logger
	local    *retry.WindowLimiter // FallBackLocal's share; nil with FailClosed
	mu       sync.Mutex
	localTil time.Time // FallBackLocal: use local until then
	now      func() time.Time
}

var _ retry.Limiter = (*Limiter)(nil)

// New returns a Limiter for the API key apiKey on rdb (a *redis.Client, a
// *redis.ClusterClient or a *redis.Ring). The key itself is not kept: only a hash of it
// names the Redis keys.
func New(rdb redis.Scripter, apiKey string, opts Options) (*Limiter, error) {
	if rdb == nil {
		return nil, invalid("a Redis client is required")
	}
	if apiKey == "" {
		return nil, invalid("an API key is required: it names the shared budget")
	}
	windows := opts.Windows
	if windows == nil {
		windows = DigiCertWindows()
	}
	if len(windows) == 0 {
		return nil, invalid("at least one window is required")
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	l := &Limiter{
		rdb:     rdb,
		name:    prefix + ":" + KeyHash(apiKey),
		windows: append([]retry.Window(nil), windows...),
		timeout: opts.Timeout,
		policy:  opts.OnRedisError,
		retryIn: opts.RetryRedisAfter,
		logger:  opts.Logger,
		now:     time.Now,
	}
	if l.timeout <= 0 {
		l.timeout = DefaultTimeout
	}
	if l.retryIn <= 0 {
		l.retryIn = DefaultRetryRedisAfter
	}
	for _, w := range windows {
		if err := w.Validate(); err != nil {
			return nil, invalid(err.Error())
		}
		// One hash tag for all of a key's windows: a cluster puts them in one slot, as
		// a script touching several keys needs.
		l.keys = append(l.keys, fmt.Sprintf("{%s}:%d/%s", l.name, w.N, w.Per))
		l.args = append(l.args, w.N, w.Gap().Microseconds())
	}
	switch opts.OnRedisError {
	case FailClosed:
	case FallBackLocal:
		if opts.Replicas < 1 {
			return nil, invalid("FallBackLocal needs Replicas, the number of processes sharing the key")
		}
		share := make([]retry.Window, len(windows))
		for i, w := range windows {
			share[i] = w
			share[i].N = max(w.N/opts.Replicas, 1)
		}
		local, err := retry.NewWindowLimiter(share...)
		if err != nil {
			return nil, invalid(err.Error())
		}
		l.local = local
	default:
		return nil, invalid(fmt.Sprintf("unknown OnRedisError %d", int(opts.OnRedisError)))
	}
	return l, nil
}

func invalid(msg string) error {
	return &model.Error{Provider: "redislimit", Op: "New", Kind: model.ErrInvalidArgument, Message: msg}
}

// KeyHash is the part of the Redis key names that stands for an API key: the first 16
// bytes of its SHA-256, in hex. It identifies the key without revealing it.
func KeyHash(apiKey string) string {
	sum := sha256.Sum256([]byte("anyca redislimit\x00" + apiKey))
	return hex.EncodeToString(sum[:16])
}

// Keys returns the Redis keys the limiter uses, one sorted set per window.
func (l *Limiter) Keys() []string { return append([]string(nil), l.keys...) }

// String describes the limiter by its hashed key name and windows.
func (l *Limiter) String() string {
	return fmt.Sprintf("redislimit.Limiter{key: %q, windows: %v, on_redis_error: %s}", l.name, l.windows, l.policy)
}

// Wait returns nil when a request may go now, in every window, counting the requests of
// every process that shares the key. It sleeps while the windows are full, returns ctx's
// error when ctx ends first, and returns at once a *model.Error of kind
// context.DeadlineExceeded when the room comes only after ctx's deadline. When Redis
// fails it follows Options.OnRedisError.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.useLocal() {
			return l.local.Wait(ctx)
		}
		wait, err := l.Allow(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if l.policy == FallBackLocal {
				l.fallBack(err)
				return l.local.Wait(ctx)
			}
			return err
		}
		if wait == 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && l.now().Add(wait).After(dl) {
			return &model.Error{Provider: "redislimit", Op: "Wait", Kind: context.DeadlineExceeded,
				Message: fmt.Sprintf("the shared windows %v have room in %s, after the deadline", l.windows, wait.Round(time.Millisecond))}
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Allow makes one check: when every window has room it records the request and returns
// 0; otherwise it records nothing and returns how long until the fullest window has room.
// It does not wait, and it does not fall back: a Redis failure or a round trip slower
// than Options.Timeout is a *model.Error of kind model.ErrUnavailable wrapping ErrRedis.
func (l *Limiter) Allow(ctx context.Context) (time.Duration, error) {
	member, err := newMember()
	if err != nil {
		return 0, l.redisError(err)
	}
	cctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	type answer struct {
		wait int64
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		// go-redis ends a call at its own read timeout, not at ctx's deadline unless the
		// client was built with ContextTimeoutEnabled: wait for it here instead.
		v, err := windowScript.Run(cctx, l.rdb, l.keys, append([]any{member}, l.args...)...).Int64()
		done <- answer{v, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			return 0, l.redisError(a.err)
		}
		if a.wait < 0 {
			return 0, l.redisError(fmt.Errorf("the script returned %d", a.wait))
		}
		// Room comes at the latest when the longest window has passed: a longer wait
		// cannot be honest (a corrupted key, a foreign writer) and, past 292 years,
		// would overflow time.Duration into a negative wait that Wait would re-run at
		// once, forever. It is a Redis error, never clamped into a sleep.
		if longest := l.longestWait(); a.wait > longest.Microseconds() {
			return 0, l.redisError(fmt.Errorf("the script returned a wait of %d µs, longer than the longest window (%s)", a.wait, longest))
		}
		return time.Duration(a.wait) * time.Microsecond, nil
	case <-cctx.Done():
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, l.redisError(fmt.Errorf("no answer within %s", l.timeout))
	}
}

// longestWait is the longest wait the windows can honestly ask for: the longest window
// with its margin, plus a second for clock steps on the Redis host.
func (l *Limiter) longestWait() time.Duration {
	var longest time.Duration
	for _, w := range l.windows {
		longest = max(longest, w.Per+w.Margin)
	}
	return longest + 2*retry.DefaultMargin(longest) + time.Second
}

func (l *Limiter) redisError(cause error) error {
	return &model.Error{Provider: "redislimit", Op: "Wait", Kind: model.ErrUnavailable,
		Message: "key " + l.name, Err: fmt.Errorf("%w: %w", ErrRedis, cause)}
}

// useLocal reports whether FallBackLocal is in its local period.
func (l *Limiter) useLocal() bool {
	if l.local == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.localTil.IsZero() {
		return false
	}
	if l.now().Before(l.localTil) {
		return true
	}
	l.localTil = time.Time{}
	if l.logger != nil {
		l.logger.Info("redislimit: asking Redis again", "key", l.name)
	}
	return false
}

// fallBack starts a local period after the Redis failure err.
func (l *Limiter) fallBack(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.localTil = l.now().Add(l.retryIn)
	if l.logger != nil {
		l.logger.Warn("redislimit: Redis failed, keeping this process's share of the budget locally",
			"key", l.name, "retry_in", l.retryIn, "error", err.Error())
	}
}

// newMember is a unique sorted-set member for one request.
func newMember() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}
