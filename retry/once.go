package retry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"

	"github.com/anyca/anyca/model"
)

// OutcomeUnknown is the Code of the error Do returns when a Request with AtMostOnce set
// may have reached the CA and its answer was lost (anyca.OrderOutcomeUnknown has the same
// value): the caller must find out what the request created before sending it again.
const OutcomeUnknown = "order_outcome_unknown"

// traceWrites returns req with a trace that records in st when the attempt has written
// its request headers: from then on the request may have reached the CA.
func traceWrites(req *http.Request, st *callState) *http.Request {
	st.wrote.Store(false)
	trace := &httptrace.ClientTrace{WroteHeaders: func() { st.wrote.Store(true) }}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
}

// neverSent reports whether an attempt that failed with err surely never reached the
// server: its headers were not written and the error is one of making the connection
// (a refused or failed dial, a DNS failure). Any other failure may have come after the
// request left, so an AtMostOnce request is not sent again after it.
func neverSent(st *callState, err error) bool {
	if st.wrote.Load() {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// checkRetryOnce is checkRetry for an AtMostOnce request: another attempt only after one
// that surely never reached the CA (st.unsent, set by the transport) or a 429; after
// anything that may have been received and carried out, st.reached is set and the loop
// stops.
func (c *Client) checkRetryOnce(ctx context.Context, st *callState, resp *http.Response, err error) (bool, error) {
	switch {
	case err != nil && resp == nil && st.unsent:
		// Nothing left this attempt.
	case err != nil:
		var final *finalDecodeError
		if errors.As(err, &final) {
			// The CA answered 2xx and the answer could not be read: unknown, unless the
			// decoder found a definite answer in it (a refusal of another kind).
			var me *model.Error
			st.reached = !errors.As(final.err, &me) || me.Kind == nil || errors.Is(me.Kind, model.ErrUnavailable)
		} else {
			st.reached = true
		}
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		// Refused before processing (RFC 6585): safe to send again.
	case resp.StatusCode >= 500:
		st.reached = true
		return false, nil
	case ctx.Err() != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299:
		st.reached = true // the CA did it, and the caller stopped listening
		return false, ctx.Err()
	default:
		return false, nil // a definite answer: 2xx, 3xx, 4xx
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return c.checkRetryError(err), nil
	}
	return true, nil
}

// checkRetryError reports whether a failed attempt that never left may be tried again:
// not when the cause is one no retry can mend.
func (c *Client) checkRetryError(err error) bool {
	switch {
	case errors.Is(err, errLimiterDeadline), errors.Is(err, ErrLimiterFailed), errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// settled is the error Do returns for an AtMostOnce request: err as it is when no attempt
// may have reached the CA or the CA answered definitely, else the OutcomeUnknown error.
func (c *Client) settled(st *callState, err error) error {
	if !st.atMostOnce || !st.reached || err == nil {
		return err
	}
	return c.outcomeUnknown(st.op, err)
}

// outcomeUnknown builds the OutcomeUnknown error from the error the call ended with:
// kind model.ErrUnavailable, the status and Retry-After kept, the cause in Err (a context
// error among them), the message saying what happened and what to do.
func (c *Client) outcomeUnknown(op string, err error) *model.Error {
	e := &model.Error{Provider: c.provider, Op: op, Kind: model.ErrUnavailable, Code: OutcomeUnknown}
	what := c.redact.String(err.Error())
	var me *model.Error
	if errors.As(err, &me) {
		e.HTTPStatus, e.RetryAfter = me.HTTPStatus, me.RetryAfter
		var causes []error
		if errors.Is(me.Kind, context.Canceled) || errors.Is(me.Kind, context.DeadlineExceeded) {
			causes = append(causes, me.Kind)
		}
		if me.Err != nil {
			causes = append(causes, me.Err)
		}
		switch len(causes) {
		case 1:
			e.Err = causes[0]
		case 2:
			e.Err = fmt.Errorf("%w: %w", causes[0], causes[1])
		}
		what = strings.TrimPrefix(what, me.Provider+": ")
		what = strings.TrimPrefix(what, me.Op+": ")
	} else {
		e.Err = c.redact.Error(err)
	}
	e.Message = c.Snippet([]byte("the create request may have reached the CA and its answer was lost (" + what +
		"): find what it made before sending it again"))
	return e
}

// OutcomeUnknownError returns the OutcomeUnknown error for an answer to an AtMostOnce
// request that the adapter could not read after Do returned it (cause says why), for
// adapters that decode outside Request.Decode.
func (c *Client) OutcomeUnknownError(op string, cause error) *model.Error {
	return c.outcomeUnknown(op, cause)
}
