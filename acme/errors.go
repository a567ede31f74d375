package acme

import (
	"context"
	"errors"
	"net/http"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
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
	var st call
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
		e.Err = errors.New(wire.Line(err.Error(), 300))
		return e
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		e.Kind, e.Err = context.DeadlineExceeded, err
		if errors.Is(err, context.Canceled) {
			e.Kind = context.Canceled
		}
		return e
	case errors.As(err, &problem):
		if problem.Status != 0 {
			e.HTTPStatus = problem.Status
		}
		e.Code = shortProblem(problem.Type)
		e.Kind = KindOf(e.HTTPStatus, e.Code)
		e.Message = wire.Line(problemText(problem), 300)
		if e.Kind == model.ErrRateLimited && e.RetryAfter == 0 {
			e.RetryAfter = time.Second
		}
		return e
	case errors.Is(err, retry.ErrBodyTooLarge):
		e.Kind, e.Err = model.ErrUnavailable, retry.ErrBodyTooLarge
		e.Message = "the CA's answer is larger than the body cap"
		return e
	case errors.Is(err, retry.ErrRedirectRefused):
		e.Kind, e.Err = model.ErrUnavailable, retry.ErrRedirectRefused
		e.Message = wire.Line(err.Error(), 300)
		return e
	case errors.Is(err, retry.ErrLimiterFailed):
		e.Kind, e.Err = model.ErrUnavailable, retry.ErrLimiterFailed
		return e
	}
	e.Kind = model.ErrUnavailable
	if st.status >= 400 {
		e.Kind = KindOf(st.status, st.problem)
		e.Code = st.problem
	}
	e.Message = wire.Line(err.Error(), 300)
	return e
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
