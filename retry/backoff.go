package retry

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// parseRetryAfter reads a Retry-After header given as delay-seconds or as an HTTP date.
// A date in the past gives zero; an unreadable value gives ok == false.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	} else if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		// More seconds than int64 holds: "as long as possible", which the cap then limits.
		return time.Duration(maxSecs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// jitteredBackoff returns a random wait in [d, 2d] where d = minWait * 2^attempt, both
// bounds capped at maxWait: exponential, jittered, and never outside [minWait, maxWait].
func jitteredBackoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	if minWait < 0 {
		minWait = 0
	}
	if maxWait < minWait {
		maxWait = minWait
	}
	lo := minWait
	for i := 0; i < attempt && lo < maxWait; i++ {
		if lo > maxWait/2 {
			lo = maxWait // doubling would pass the cap (or overflow)
			break
		}
		lo *= 2
	}
	lo = min(lo, maxWait)
	hi := maxWait
	if lo <= maxWait/2 {
		hi = 2 * lo
	}
	if lo <= 0 && hi <= 0 {
		return 0
	}
	return lo + rand.N(hi-lo+1)
}

// ParseRetryAfter reads a Retry-After value (delay seconds or an HTTP date, relative to
// now) as the Client does; false when it is absent or unreadable. A date in the past is
// 0.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) { return parseRetryAfter(v, now) }

// Backoff returns the wait before attempt+1 (attempt 0 is the wait after the first
// failure) as the Client waits it when the server names no Retry-After: a jittered
// exponential step, never below minWait nor above maxWait. Adapters that send their
// requests through another library's client (acme) retry with it.
func Backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	return jitteredBackoff(minWait, maxWait, attempt)
}
