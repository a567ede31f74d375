package acme

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// CodeOrderOutcomeUnknown is the Code of Order's error when the newOrder request may have
// reached the CA and its answer was lost; it equals anyca.OrderOutcomeUnknown.
const CodeOrderOutcomeUnknown = "order_outcome_unknown"

// CodeOutcomeUnknown is the Code of Download's and Verify's error when their finalize or
// challenge request may have reached the CA and its answer was lost: look at the order
// again (Certificate) instead of repeating the call blindly.
const CodeOutcomeUnknown = "outcome_unknown"

// errorTable maps an ACME answer (HTTP status, problem type without its
// urn:ietf:params:acme:error: prefix) to a model kind: the one table every error of the
// adapter goes through, read top to bottom.
var errorTable = wire.ErrorTable{
	{Status: http.StatusNotFound, Kind: model.ErrNotFound},
	{Code: "rateLimited", Kind: model.ErrRateLimited},
	{Code: "badNonce", Kind: model.ErrUnavailable},
	{Code: "serverInternal", Kind: model.ErrUnavailable},
	{Code: "accountDoesNotExist", Kind: model.ErrUnauthenticated},
	{Code: "externalAccountRequired", Kind: model.ErrUnauthenticated},
	{Code: "unauthorized", Kind: model.ErrPermissionDenied},
	{Code: "userActionRequired", Kind: model.ErrFailedPrecondition},
	{Code: "orderNotReady", Kind: model.ErrFailedPrecondition},
	{Code: "alreadyRevoked", Kind: model.ErrFailedPrecondition},
	{Code: "alreadyReplaced", Kind: model.ErrFailedPrecondition},
	{Code: "caa", Kind: model.ErrFailedPrecondition},
	{Code: "dns", Kind: model.ErrFailedPrecondition},
	{Code: "connection", Kind: model.ErrFailedPrecondition},
	{Code: "incorrectResponse", Kind: model.ErrFailedPrecondition},
	{Code: "tls", Kind: model.ErrFailedPrecondition},
	{Code: "malformed", Kind: model.ErrInvalidArgument},
	{Code: "rejectedIdentifier", Kind: model.ErrInvalidArgument},
	{Code: "unsupportedIdentifier", Kind: model.ErrInvalidArgument},
	{Code: "badCSR", Kind: model.ErrInvalidArgument},
	{Code: "badRevocationReason", Kind: model.ErrInvalidArgument},
	{Code: "badSignatureAlgorithm", Kind: model.ErrInvalidArgument},
	{Code: "badPublicKey", Kind: model.ErrInvalidArgument},
	{Code: "invalidContact", Kind: model.ErrInvalidArgument},
	{Code: "unsupportedContact", Kind: model.ErrInvalidArgument},
	{Code: "invalidProfile", Kind: model.ErrInvalidArgument},
	{Status: http.StatusUnauthorized, Kind: model.ErrUnauthenticated},
	{Status: http.StatusForbidden, Kind: model.ErrPermissionDenied},
	{Status: http.StatusTooManyRequests, Kind: model.ErrRateLimited},
	{Status: http.StatusConflict, Kind: model.ErrFailedPrecondition},
}

// KindOf returns the model kind of an ACME answer with HTTP status and problem type
// (full or without its urn:ietf:params:acme:error: prefix), as every error of the adapter
// gets it.
func KindOf(status int, problemType string) error {
	if k := errorTable.Kind(status, shortProblem(problemType)); k != nil {
		return k
	}
	if status == 0 {
		return model.ErrUnavailable
	}
	return retry.KindForStatus(status)
}

// fail turns what acmez returned for one call into a *model.Error: the context's own
// error when it ended, the CA's problem through errorTable (with the status,
// Retry-After and detail kept), a body over the cap or a refused redirect as
// ErrUnavailable, and an at-most-once request whose answer was lost as ErrUnavailable
// with unknownCode.
func (c *Client) fail(ctx context.Context, op string, rec *call, err error, unknownCode string) *model.Error {
	var st outcome
	if rec != nil {
		st = rec.snapshot()
	}
	e := &model.Error{Provider: c.name, Op: op, HTTPStatus: st.status, RetryAfter: st.retryAfter}
	var me *model.Error
	var problem acmez.Problem
	switch {
	case errors.As(err, &me):
		return me
	case ctx.Err() != nil:
		e.Kind, e.Err = ctx.Err(), ctx.Err()
		return e
	case st.unknown && st.once != "":
		e.Kind, e.Code = model.ErrUnavailable, unknownCode
		e.Message = "the request may have reached the CA and its answer was lost; it was not sent again"
		cause := err
		if st.cause != nil {
			cause = st.cause
		}
		e.Err = errors.New(c.line(cause.Error(), 300))
		return e
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		e.Kind, e.Err = context.DeadlineExceeded, err
		if errors.Is(err, context.Canceled) {
			e.Kind = context.Canceled
		}
		return e
	case st.fatal != nil:
		return c.fatalError(e, st.fatal)
	case st.transient && st.cause != nil:
		e.Kind, e.HTTPStatus, e.RetryAfter = model.ErrUnavailable, 0, 0
		e.Message = c.line(st.cause.Error(), 300)
		return e
	case st.transient:
		e.Code = st.problem
		e.Kind = KindOf(st.status, st.problem)
		e.Message = c.line(st.detail, 300)
		if e.Message == "" {
			e.Message = fmt.Sprintf("the CA answered HTTP %d", st.status)
		}
		if e.Kind == model.ErrRateLimited && e.RetryAfter == 0 {
			e.RetryAfter = time.Second
		}
		return e
	case errors.As(err, &problem) && problem.Type == attemptProblem:
		// The transport's placeholder for an attempt it ended, with no cause recorded:
		// never a problem of the CA's, so never the CA's kind (a 400 would read as
		// ErrInvalidArgument).
		e.Kind, e.HTTPStatus, e.Message = model.ErrUnavailable, 0, "the attempt ended without an answer from the CA"
		return e
	case errors.As(err, &problem):
		if problem.Status != 0 {
			e.HTTPStatus = problem.Status
		}
		e.Code = shortProblem(problem.Type)
		e.Kind = KindOf(e.HTTPStatus, e.Code)
		e.Message = c.line(problemText(problem), 300)
		if e.Kind == model.ErrRateLimited && e.RetryAfter == 0 {
			e.RetryAfter = time.Second
		}
		return e
	case errors.Is(err, retry.ErrBodyTooLarge), errors.Is(err, retry.ErrRedirectRefused), errors.Is(err, retry.ErrLimiterFailed):
		return c.fatalError(e, err)
	}
	e.Kind = model.ErrUnavailable
	if st.status == http.StatusNotFound && st.problem == "" && !st.emptyError {
		// A 404 whose body is not an ACME problem document (a proxy's page, a path the
		// CA has no route for): the endpoint is missing, not the order. An empty 404 is
		// the CA's own "no such order" (Pebble's).
		var msg string
		e.Code, msg, e.Kind = wire.NotVendor404()
		e.Message = c.line(msg+": "+err.Error(), 300)
		return e
	}
	if st.status >= 400 {
		e.Kind = KindOf(st.status, st.problem)
		e.Code = st.problem
	}
	e.Message = c.line(err.Error(), 300)
	return e
}

// fatalError fills e for an attempt the transport ended for good: a body over the cap,
// a refused redirect, a failed limiter or one whose leave would come after the deadline,
// all ErrUnavailable wrapping the cause.
func (c *Client) fatalError(e *model.Error, err error) *model.Error {
	e.Kind, e.RetryAfter = model.ErrUnavailable, 0
	switch {
	case errors.Is(err, retry.ErrBodyTooLarge):
		e.Err = retry.ErrBodyTooLarge
		e.Message = "the CA's answer is larger than the body cap"
	case errors.Is(err, retry.ErrRedirectRefused):
		e.Err = retry.ErrRedirectRefused
		e.Message = c.line(err.Error(), 300)
	case errors.Is(err, retry.ErrLimiterFailed):
		e.Err = retry.ErrLimiterFailed
		e.Message = c.line(err.Error(), 300)
	case errors.Is(err, context.DeadlineExceeded):
		// The Limiter refused: its leave would come after the call's deadline.
		e.Err = context.DeadlineExceeded
		e.Message = c.line(err.Error(), 300)
	default:
		e.Err = errors.New(c.line(err.Error(), 300))
	}
	return e
}

// do runs one acmez call (fn, given a context carrying a new call record) until it
// succeeds or fails for good, and returns the record of its last attempt. A transient
// failure (a connection error, a cut body, a 5xx, a 429) is tried again, up to
// Config.Retry.MaxAttempts attempts in all, after the CA's Retry-After (never longer
// than MaxWait) or a jittered backoff between MinWait and MaxWait, unless the call's
// at-most-once POST (once) may have reached the CA. Its error is fail's.
func (c *Client) do(ctx context.Context, op, once, unknownCode string, capture bool, fn func(ctx context.Context) error) (outcome, error) {
	for attempt := 1; ; attempt++ {
		cctx, rec := track(ctx)
		rec.once, rec.capture = once, capture
		err := fn(cctx)
		st := rec.snapshot()
		if err == nil {
			return st, nil
		}
		if wait, ok := c.again(ctx, st, attempt); ok {
			if retry.Sleep(ctx, wait) == nil {
				continue
			}
		}
		return st, c.fail(cctx, op, rec, err, unknownCode)
	}
}

// again says whether a call whose attempt-th attempt ended as st may be tried again,
// and after how long.
func (c *Client) again(ctx context.Context, st outcome, attempt int) (time.Duration, bool) {
	if ctx.Err() != nil || attempt >= c.retry.MaxAttempts || st.fatal != nil || !st.transient || (st.once != "" && st.sent) {
		return 0, false
	}
	if st.retryAfter > 0 {
		return min(st.retryAfter, c.retry.MaxWait), true
	}
	return retry.Backoff(c.retry.MinWait, c.retry.MaxWait, attempt-1), true
}

// problemText is a problem's detail with its subproblems' details after it.
func problemText(p acmez.Problem) string {
	s := p.Detail
	for _, sp := range p.Subproblems {
		if sp.Detail != "" {
			s += "; " + sp.Identifier.Value + ": " + sp.Detail
		}
	}
	return s
}

// invalid is the ErrInvalidArgument of a mistake found before any request.
func (c *Client) invalid(op, format string, args ...any) *model.Error {
	return model.NewError(c.name, op, model.ErrInvalidArgument, format, args...)
}

// line makes CA or transport text one printable line of at most n bytes for an error or
// a Problem: key material (secret.ScrubKeyMaterial: PEM private keys, base64 DER, JSON
// Web Key private members) and this client's secrets (the ZeroSSL API key, the EAB HMAC
// key) are redacted first, and only then is the text cut (wire.Line), so that no part of
// a secret survives the cut. Every text of the CA an error of the adapter quotes goes
// through it.
func (c *Client) line(s string, n int) string {
	s = secret.ScrubKeyMaterial(s)
	for _, k := range []secret.Key{c.apiKey, c.hmac} {
		if !k.IsZero() {
			s = retry.RedactKey(s, k.Reveal())
		}
	}
	return wire.Line(s, n)
}
