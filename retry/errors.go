package retry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// The *model.Error values the client builds: for a non-2xx answer, a call without a usable
// answer, a malformed 2xx body, and the adapters' own refusals; every message redacted.

// statusError builds the error for a non-2xx answer.
func (c *Client) statusError(st *callState, resp *http.Response, body []byte) *model.Error {
	var code, msg string
	var kind error
	if c.decodeErr != nil {
		code, msg, kind = c.decodeErr(resp.StatusCode, body)
	}
	e := c.VendorError(st.op, kind, resp.StatusCode, code, msg)
	if e.Kind == nil {
		e.Kind = KindForStatus(resp.StatusCode)
	}
	if e.Message == "" && e.Code == "" {
		e.Message = c.Snippet(body)
		if (e.Kind == model.ErrUnauthenticated || e.Kind == model.ErrPermissionDenied) && c.decodeErr != nil && strings.TrimSpace(string(body)) != "" {
			// A refusal in a form the adapter does not know: most often a key sent to
			// another CA's API (a base URL copied from the wrong account).
			e.Message = fmt.Sprintf("the answer is not in %s's error format: does the base URL belong to another CA? (answer: %s)", c.provider, e.Message)
		}
	}
	if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		e.RetryAfter = ra
	}
	return e
}

// VendorError is the error a CA's own error answer gives, whether it came with an error
// status or inside a 2xx document: the vendor's code and message each become one
// printable, redacted line (Snippet), so that neither a key the CA echoes nor a control
// character, line break or terminal escape in its text reaches an error string or a
// log line.
func (c *Client) VendorError(op string, kind error, status int, code, msg string) *model.Error {
	return &model.Error{Provider: c.provider, Op: op, Kind: kind, HTTPStatus: status,
		Code: c.Snippet([]byte(code)), Message: c.Snippet([]byte(msg))}
}

// failure builds the error for a call that got no usable answer.
func (c *Client) failure(ctx context.Context, st *callState, status int, _ http.Header, err error) *model.Error {
	if status == 0 {
		status = st.lastStatus
	}
	e := &model.Error{Provider: c.provider, Op: st.op, HTTPStatus: status, RetryAfter: st.retryAfter, Err: c.redact.Error(err)}
	switch {
	case ctx.Err() != nil:
		e.Kind = ctx.Err()
	case errors.Is(err, errLimiterDeadline):
		e.Kind = context.DeadlineExceeded
	case errors.Is(err, ErrRedirectRefused):
		e.Kind = model.ErrPermissionDenied
	case errors.Is(err, ErrLimiterFailed):
		e.Kind = model.ErrUnavailable
	default:
		e.Kind = model.ErrUnavailable
		if status != 0 && (status < 200 || status > 299) {
			e.Kind = KindForStatus(status)
		}
	}
	return e
}

// MalformedError reports a 2xx body that could not be understood, quoting a redacted
// snippet of it. Kind is ErrUnavailable; Err wraps ErrMalformedResponse and cause, whose
// text is made one redacted line of at most 1024 bytes (Line): when that changes the
// text, Err keeps only the well-known sentinels cause wraps, never a value holding the
// original text.
func (c *Client) MalformedError(op string, resp *Response, cause error) *model.Error {
	e := &model.Error{Provider: c.provider, Op: op, Kind: model.ErrUnavailable, Code: "malformed_response",
		Err: fmt.Errorf("%w: %w", ErrMalformedResponse, c.lineError(cause))}
	if resp != nil {
		e.HTTPStatus = resp.StatusCode
		body := resp.Body
		if body == nil && resp.stream != nil {
			body = resp.stream.snippetSource()
		}
		e.Message = c.Snippet(body)
	}
	return e
}

// lineError returns err with its text made one redacted line (Line, 1024 bytes): the
// mapping errors of adapters quote CA values whole, and are redacted, then cut, here.
// It unwraps to the sentinels err wraps, as the redactor's errors do.
func (c *Client) lineError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if line := c.Line(msg, messageBytes); line != msg {
		return &redactedError{msg: line, cause: safeCause(err)}
	}
	return err
}

// Error returns a *model.Error of kind for op whose message is the formatted text made
// one printable, redacted line of at most 1024 bytes (Line): values quoted in it, the
// CA's or the caller's, are redacted before the cut.
func (c *Client) Error(op string, kind error, format string, args ...any) *model.Error {
	return &model.Error{Provider: c.provider, Op: op, Kind: kind, Message: c.Line(fmt.Sprintf(format, args...), messageBytes)}
}

// ContextError returns the *model.Error for a call that ctx ended, or nil while ctx is live.
func (c *Client) ContextError(ctx context.Context, op string) error {
	if ctx.Err() == nil {
		return nil
	}
	return &model.Error{Provider: c.provider, Op: op, Kind: ctx.Err()}
}

// Snippet returns the start of body as one printable, redacted line (wire.Line) of at
// most 256 bytes plus "…", for an error message. It is Line with the snippet's length.
func (c *Client) Snippet(body []byte) string {
	window := body
	if n := snippetBytes + c.redact.maxLen() + scrubSlack; len(window) > n {
		window = window[:n]
	}
	s := c.Line(string(window), snippetBytes)
	if len(body) > len(window) && !strings.HasSuffix(s, "…") {
		s += "…"
	}
	return s
}

// scrubSlack is how far past what a snippet shows its body is redacted, so that key
// material or a key that starts before the cut is recognised whole.
const scrubSlack = 16 << 10

// messageBytes is the longest message the client's errors carry (plus "…").
const messageBytes = 1024

// quoteBytes is the longest CA value Quote shows (plus "…").
const quoteBytes = 128

// Line is the one way the client makes text from a CA fit for an error or a log line:
// it redacts first (the key raw and escaped, key material as secret.ScrubKeyMaterial
// finds it), then makes it one printable line cut at max bytes (wire.Line), then
// redacts again what the cut may have left of a key at its end. Redacting before the
// cut means a secret that straddles the cut is never left half visible.
func (c *Client) Line(s string, max int) string {
	return c.redact.String(wire.Line(c.redact.String(s), max))
}

// Quote returns a CA value (an id, a status word, a date) for an error message: Line
// with at most 128 bytes, in double quotes with Go escapes. Every adapter quotes CA
// values in its errors through it.
func (c *Client) Quote(v string) string {
	return strconv.Quote(c.Line(v, quoteBytes))
}

// KindForStatus maps an HTTP status to an error kind when the vendor's body says nothing
// more precise: 401 unauthenticated, 403 permission denied, 404 and 410 not found,
// 429 rate limited, 501 unsupported, other 4xx invalid argument, everything else
// unavailable.
func KindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return model.ErrUnauthenticated
	case status == http.StatusForbidden:
		return model.ErrPermissionDenied
	case status == http.StatusNotFound || status == http.StatusGone:
		return model.ErrNotFound
	case status == http.StatusTooManyRequests:
		return model.ErrRateLimited
	case status == http.StatusNotImplemented:
		return model.ErrUnsupported
	case status >= 400 && status < 500:
		return model.ErrInvalidArgument
	default:
		return model.ErrUnavailable
	}
}
