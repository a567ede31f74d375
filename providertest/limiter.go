package providertest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// countingLimiter is a retry.Limiter that counts its waits and answers them with err.
type countingLimiter struct {
	waits atomic.Int64
	err   atomic.Pointer[error]
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.waits.Add(1)
	if err := ctx.Err(); err != nil {
		return err
	}
	if e := l.err.Load(); e != nil {
		return *e
	}
	return nil
}

func (l *countingLimiter) fail(err error) { l.err.Store(&err) }

// testLimiter checks that a Limiter set in Config.Retry paces every request the provider
// sends, retries included, so that a limit shared between processes (redislimit) holds
// for every adapter; that a failing Limiter fails the call as ErrUnavailable (wrapping
// retry.ErrLimiterFailed) without a request; and that a Limiter's "the wait would pass
// the deadline" is a deadline error.
func (s *suite) testLimiter(t *testing.T) {
	f := s.startFake(t)
	lim := &countingLimiter{}
	cfg := f.Config
	cfg.Retry.Limiter = lim
	cfg.Retry.MaxAttempts = 3
	cfg.Retry.MinWait, cfg.Retry.MaxWait = time.Millisecond, 20*time.Millisecond
	p := newProvider(t, cfg)
	ctx := ctxFor(t)
	id := f.Want.Certificates[0].ID

	before := f.Requests()
	_, err := p.Certificate(ctx, id)
	require.NoError(t, err)
	f.FailNext(1, Fault{Kind: FaultRateLimit, Status: 429, RetryAfter: "1"})
	_, err = p.Certificate(ctx, id)
	require.NoError(t, err, "a single 429 is retried")
	_, err = firstCert(ctx, p)
	require.NoError(t, err)
	sent := f.Requests() - before
	assert.GreaterOrEqual(t, sent, int64(4))
	assert.Equal(t, sent, lim.waits.Load(), "every request, retries included, waits on Config.Retry.Limiter once")

	lim.fail(errors.New("the shared limit's store is unreachable"))
	before = f.Requests()
	_, err = p.Certificate(ctx, id)
	assert.NoError(t, checkKind(err, model.ErrUnavailable, s.h.Name), "a failing Limiter")
	assert.ErrorIs(t, err, retry.ErrLimiterFailed)
	assert.Equal(t, before, f.Requests(), "nothing is sent without the Limiter's leave")

	lim.fail(fmt.Errorf("room only in 1h: %w", context.DeadlineExceeded))
	_, err = p.Certificate(ctx, id)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "a Limiter's deadline refusal")
	assert.Equal(t, before, f.Requests())
}

// blockingLimiter is a retry.Limiter that never grants a request: Wait returns only when
// its context ends.
type blockingLimiter struct{ waits atomic.Int64 }

func (l *blockingLimiter) Wait(ctx context.Context) error {
	l.waits.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

func (s *suite) testLimiterCancel(t *testing.T) {
	f := s.startFake(t)
	lim := &blockingLimiter{}
	cfg := f.Config
	cfg.Retry.Limiter = lim
	p := newProvider(t, cfg)
	before := f.Requests()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	var err error
	returnsWithin(t, watchdog, "Certificate waiting on the Limiter", func() {
		_, err = p.Certificate(ctx, f.Want.Certificates[0].ID)
	})
	assert.ErrorIs(t, err, context.Canceled, "a cancel while waiting on the Limiter")
	assert.Less(t, time.Since(start), 2*time.Second, "a cancel while waiting on the Limiter must end the call at once")
	assert.Positive(t, lim.waits.Load(), "the call waited on Config.Retry.Limiter")
	assert.Equal(t, before, f.Requests(), "a request was sent without the Limiter's leave")
	assertNeverPrintsAny(t, "the error of a cancel while waiting on the Limiter", err, f.secrets())
}
