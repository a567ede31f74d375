// Package retry is the HTTP client every anyca adapter uses. It puts go-retryablehttp's
// retry loop over a transport that waits on a client-side rate limiter for every attempt,
// honours Retry-After up to a cap, reads bodies through a size cap, refuses redirects to
// another host, logs only to a logger it is given, and redacts the API key from every
// error and log line it produces.
package retry

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/anyca/anyca/internal/jsonstrict"
)

// Config tunes retries and the client-side rate limit. Its zero value, and each zero
// field, means "the adapter's documented default".
type Config struct {
	// MaxAttempts is the number of attempts per call, the first one included; 1 disables
	// retries.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// MinWait and MaxWait bound the jittered exponential backoff between attempts.
	// A Retry-After the server sends is honoured but never waited for longer than MaxWait.
	MinWait time.Duration `json:"min_wait,omitempty"`
	MaxWait time.Duration `json:"max_wait,omitempty"`
	// RequestsPerSecond is the client-side rate limit applied to every attempt, retries
	// included; a negative value disables the built-in limiters (not a Limiter set below).
	RequestsPerSecond float64 `json:"requests_per_second,omitempty"`
	// Burst is the number of requests allowed at once above the steady rate.
	Burst int `json:"burst,omitempty"`
	// Windows, when set, replaces the token bucket of RequestsPerSecond and Burst with a
	// rolling-window limiter (NewWindowLimiter) that keeps every window. A negative
	// RequestsPerSecond still turns it off.
	Windows []Window `json:"windows,omitempty"`
	// Limiter, when set, is waited on for every attempt instead of the built-in limiters,
	// for example a limit shared by several processes (module
	// github.com/anyca/anyca/redislimit). It does not come from JSON.
	Limiter Limiter `json:"-"`
}

// WithDefaults returns c with every zero field taken from d, except that d's Windows and
// Limiter are taken only when c sets none of Windows, Limiter and RequestsPerSecond: a
// rate of c's own replaces the default windows.
func (c Config) WithDefaults(d Config) Config {
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.MinWait == 0 {
		c.MinWait = d.MinWait
	}
	if c.MaxWait == 0 {
		c.MaxWait = d.MaxWait
	}
	// The defaults' windows and Limiter apply only when c chooses no limit of its own.
	if len(c.Windows) == 0 && c.Limiter == nil && c.RequestsPerSecond == 0 {
		c.Windows, c.Limiter = slices.Clone(d.Windows), d.Limiter
	}
	if c.RequestsPerSecond == 0 {
		c.RequestsPerSecond = d.RequestsPerSecond
	}
	if c.Burst == 0 {
		c.Burst = d.Burst
	}
	return c
}

// SustainedRate returns the requests per second c's own client-side limit allows over a
// long run: the smallest N/Per of its Windows when it has any, else RequestsPerSecond.
// It is 0 when c sets a Limiter (whose rate only it knows) or no limit, or has a
// negative rate (limit disabled). Callers that pace background work from it, such as
// an exporter's refresh, take the adapter's defaults first (WithDefaults).
func (c Config) SustainedRate() float64 {
	if c.Limiter != nil {
		return 0
	}
	if len(c.Windows) > 0 {
		rate := 0.0
		for _, w := range c.Windows {
			if w.N <= 0 || w.Per <= 0 {
				continue
			}
			if r := float64(w.N) / w.Per.Seconds(); rate == 0 || r < rate {
				rate = r
			}
		}
		return rate
	}
	return max(c.RequestsPerSecond, 0)
}

// Validate reports settings that cannot work, such as a negative attempt count or a
// MinWait above MaxWait.
func (c Config) Validate() error {
	switch {
	case c.MaxAttempts < 0:
		return fmt.Errorf("retry: max_attempts %d is negative", c.MaxAttempts)
	case c.MinWait < 0 || c.MaxWait < 0:
		return fmt.Errorf("retry: waits must not be negative (min %s, max %s)", c.MinWait, c.MaxWait)
	case c.MaxWait != 0 && c.MinWait > c.MaxWait:
		return fmt.Errorf("retry: min_wait %s is above max_wait %s", c.MinWait, c.MaxWait)
	case c.Burst < 0:
		return fmt.Errorf("retry: burst %d is negative", c.Burst)
	case math.IsNaN(c.RequestsPerSecond) || math.IsInf(c.RequestsPerSecond, 0):
		return fmt.Errorf("retry: requests_per_second %v is not a number of requests", c.RequestsPerSecond)
	}
	for _, w := range c.Windows {
		if err := w.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// configJSON is Config's wire form: waits as Go duration strings ("250ms", "30s").
type configJSON struct {
	MaxAttempts       int      `json:"max_attempts,omitempty"`
	MinWait           duration `json:"min_wait,omitempty"`
	MaxWait           duration `json:"max_wait,omitempty"`
	RequestsPerSecond float64  `json:"requests_per_second,omitempty"`
	Burst             int      `json:"burst,omitempty"`
	Windows           []Window `json:"windows,omitempty"`
}

// MarshalJSON writes waits as duration strings such as "30s".
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(configJSON{c.MaxAttempts, duration(c.MinWait), duration(c.MaxWait), c.RequestsPerSecond, c.Burst, c.Windows})
}

// UnmarshalJSON reads waits as duration strings with their unit ("500ms"); a bare number
// other than 0 is refused, since 500 would silently mean 500 ns.
// Like encoding/json itself, it leaves fields the input does not mention (or sets to
// null) as they were. A field it does not know is an error, so that a typo such as
// "max_atempts" is reported rather than silently ignored; errors name the field, never
// a value.
func (c *Config) UnmarshalJSON(b []byte) error {
	w := configJSON{c.MaxAttempts, duration(c.MinWait), duration(c.MaxWait), c.RequestsPerSecond, c.Burst, c.Windows}
	if err := jsonstrict.Decode(b, &w); err != nil {
		if f := badWaitField(b); f != "" {
			// encoding/json names no field for an error of a type's own decoder.
			return fmt.Errorf("retry: field %q: %w", f, err)
		}
		return fmt.Errorf("retry: %w", err)
	}
	*c = Config{w.MaxAttempts, time.Duration(w.MinWait), time.Duration(w.MaxWait), w.RequestsPerSecond, w.Burst,
		w.Windows, c.Limiter}
	return nil
}

// badWaitField returns the name of the first wait field of the object b ("min_wait",
// "max_wait") whose value is not a wait, or "".
func badWaitField(b []byte) string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return ""
	}
	for _, k := range []string{"min_wait", "max_wait"} {
		var d duration
		if v, ok := raw[k]; ok && d.UnmarshalJSON(v) != nil {
			return k
		}
	}
	return ""
}

type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil // as encoding/json does for every other type
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s == "" {
			*d = 0
			return nil
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("a wait must be a duration such as \"500ms\" or \"2s\": %w", err)
		}
		*d = duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil || n != 0 {
		if err == nil {
			// 500 would be 500 ns, which nobody means: the unit must be written.
			return fmt.Errorf("a wait must be a duration string with its unit, such as \"500ms\" or \"2s\": a bare number is refused")
		}
		return fmt.Errorf("a wait must be a duration string with its unit, such as \"500ms\" or \"2s\", got a JSON %s", jsonKind(b))
	}
	*d = 0
	return nil
}

// jsonKind names the kind of the JSON value b, from its first byte.
func jsonKind(b []byte) string {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return "object"
		case '[':
			return "array"
		case '"':
			return "string"
		case 't', 'f':
			return "bool"
		}
		return "number"
	}
	return "value"
}
