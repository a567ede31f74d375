package model

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The error kinds. Every error an adapter returns for an answer of the CA is a *Error
// whose Kind is one of these, so callers branch with errors.Is(err, model.ErrNotFound)
// whichever CA they use. A call cut short by its context instead unwraps to
// context.Canceled or context.DeadlineExceeded.
var (
	ErrNotFound         = errors.New("not found")
	ErrUnauthenticated  = errors.New("unauthenticated")   // missing, wrong or inactive API key
	ErrPermissionDenied = errors.New("permission denied") // the key is valid but may not do this
	ErrRateLimited      = errors.New("rate limited")      // too many requests, or a quota is used up
	ErrInvalidArgument  = errors.New("invalid argument")  // the request was refused as malformed
	ErrUnavailable      = errors.New("unavailable")       // the CA failed, is down, or answered nonsense
	ErrUnsupported      = errors.New("unsupported")       // the CA or adapter cannot do this
	// ErrFailedPrecondition: the object is not in a state that allows the call (a
	// download of a certificate that is not issued, a verify of one already issued).
	ErrFailedPrecondition = errors.New("failed precondition")
)

// Kinds lists the error kinds, for exhaustive tests and tables.
func Kinds() []error {
	return []error{ErrNotFound, ErrUnauthenticated, ErrPermissionDenied, ErrRateLimited,
		ErrInvalidArgument, ErrUnavailable, ErrUnsupported, ErrFailedPrecondition}
}

// Error is a failed call to a CA. It never holds an API key: adapters redact the vendor's
// message and any wrapped transport error before building it. Code and Message, when
// they come from the CA, are each one printable line: control characters (line breaks,
// terminal escapes) as spaces, white space folded, cut at 256 bytes with "…", so that
// printing an Error cannot forge a log line.
type Error struct {
	Provider   string        // adapter name, e.g. "digicert"
	Op         string        // the method that failed, e.g. "Certificate"
	Kind       error         // one of the Err* kinds, or a context error
	HTTPStatus int           // the last HTTP status seen, 0 if no response
	Code       string        // the vendor's own error code or type
	Message    string        // the vendor's message (or a body snippet), trimmed
	RetryAfter time.Duration // how long the CA asked to wait, if it said
	Err        error         // the underlying cause, redacted, if any
}

// Error formats the error as "provider: op: kind (HTTP status, code): message: cause".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("error")
	}
	var detail []string
	if e.HTTPStatus != 0 {
		detail = append(detail, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != "" {
		detail = append(detail, e.Code)
	}
	if e.RetryAfter > 0 {
		detail = append(detail, "retry after "+e.RetryAfter.String())
	}
	if len(detail) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(detail, ", "))
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the kind and the cause, so errors.Is matches either.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Format makes %+v and %#v as safe as %v: all print Error(), never the struct's fields
// verbatim (so a later field added without redaction cannot leak through them).
func (e *Error) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's':
		_, _ = f.Write([]byte(e.Error()))
	case 'q':
		_, _ = fmt.Fprintf(f, "%q", e.Error())
	default:
		_, _ = fmt.Fprintf(f, "%%!%c(*model.Error=%s)", verb, e.Error())
	}
}

// KindOf returns the kind of err (one of the Err* kinds, or context.Canceled or
// context.DeadlineExceeded), or nil when err carries none.
func KindOf(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind != nil {
		return e.Kind
	}
	for _, k := range Kinds() {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// NewError returns a *Error of the given kind with a message, for failures detected
// before any request is made (such as an invalid argument).
func NewError(provider, op string, kind error, format string, args ...any) *Error {
	return &Error{Provider: provider, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}
