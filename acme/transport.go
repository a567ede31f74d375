package acme

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca/retry"
)

// errNotResent is what the transport answers, without sending anything, when acmez
// tries a second time a POST that must reach the CA at most once.
var errNotResent = errors.New("not sent again: this request may already have reached the CA")

// outcome is what the transport learnt of the HTTP attempts of one acmez call: the
// transport reaches its call through the request context and fills it in.
type outcome struct {
	// once is the URL of the POST of this call that must reach the CA at most once
	// (newOrder, finalize, a challenge), "" for none.
	once string
	// sent: that POST went out. resend: its last answer was badNonce, which the CA sends
	// for a request it refused unread, so one more may go. unknown: it went out and no
	// definite answer came back (the connection failed, a 5xx, an unreadable body).
	sent, resend, unknown bool
	// fatal ends the call: every later attempt fails with it, unsent (a body over the
	// cap, a refused redirect, a failed limiter).
	fatal error
	// failed: an attempt of this acmez call failed, and the transport answers every
	// later attempt of the same acmez call at once without sending it (the Client's
	// retry loop starts a new call). transient: that failure may pass (a connection
	// error, a cut body, a 5xx, a 429); cause is the connection error.
	failed, transient bool
	cause             error
	// status, problem and detail are the last answer's; retryAfter its Retry-After.
	status     int
	retryAfter time.Duration
	problem    string
	detail     string
	// emptyError: the last answer was an error without a body (Pebble's unknown order).
	emptyError bool
	// capture keeps the last 2xx body and header, for answers acmez does not decode (the
	// account's orders list).
	capture bool
	body    []byte
	header  http.Header
}

// call is the outcome of one call, under its lock. ctx is the call's own context: an
// attempt whose request context ended while ctx did not ran out of its per-attempt
// time (http.Client.Timeout), a transient failure the Client may try again after.
type call struct {
	mu  sync.Mutex
	ctx context.Context
	outcome
}

type callKey struct{}

// track returns ctx carrying a new call record.
func track(ctx context.Context) (context.Context, *call) {
	c := &call{ctx: ctx}
	return context.WithValue(ctx, callKey{}, c), c
}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// snapshot returns a copy of the outcome, taken under the lock.
func (c *call) snapshot() outcome {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.outcome
}

// transport is the RoundTripper under acmez's http.Client: every attempt waits on the
// client-side limiter, every body is read through the cap before acmez sees it, a POST
// marked at-most-once is never sent a second time unless the CA answered badNonce, and
// a Retry-After on a 2xx answer (which acmez's polling would sleep on unbounded) is
// lowered to maxPoll.
type transport struct {
	base    http.RoundTripper
	limiter retry.Limiter
	maxBody int64
	maxPoll time.Duration
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c := callOf(ctx)
	// callEnded: the caller's context ended (not only this attempt's, which the
	// http.Client's Timeout ends), so the error is returned as it is.
	callEnded := func() bool { return c == nil || c.ctx.Err() != nil }
	guarded := false
	if c != nil {
		c.mu.Lock()
		if c.fatal != nil || c.failed {
			c.mu.Unlock()
			closeBody(req)
			return attemptEnded(req, ""), nil
		}
		if c.once != "" && req.Method == http.MethodPost && req.URL.String() == c.once {
			if c.sent && !c.resend {
				c.mu.Unlock()
				closeBody(req)
				return nil, errNotResent
			}
			guarded, c.sent, c.resend = true, true, false
		}
		c.mu.Unlock()
	}
	if t.limiter != nil {
		if err := t.limiter.Wait(ctx); err != nil {
			if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w: %v", retry.ErrLimiterFailed, err)
			}
			closeBody(req)
			if callEnded() {
				return nil, err
			}
			t.fail(c, err, nil, guarded, false)
			return attemptEnded(req, ""), nil
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if callEnded() {
			t.fail(c, nil, nil, guarded, true)
			return nil, err
		}
		t.fail(c, nil, err, guarded, true)
		return attemptEnded(req, ""), nil
	}
	nonce := resp.Header.Get("Replay-Nonce")
	body, err := retry.ReadCapped(resp.Body, t.maxBody, resp.ContentLength)
	resp.Body.Close()
	if err != nil {
		if callEnded() {
			t.fail(c, nil, nil, guarded, true)
			return nil, err
		}
		if errors.Is(err, retry.ErrBodyTooLarge) {
			t.fail(c, err, nil, guarded, true)
		} else {
			t.fail(c, nil, fmt.Errorf("reading the answer (HTTP %d): %w", resp.StatusCode, err), guarded, true)
		}
		return attemptEnded(req, nonce), nil
	}
	ra, hasRA := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if hasRA && resp.StatusCode < 300 && ra > t.maxPoll {
		resp.Header.Set("Retry-After", strconv.Itoa(int(t.maxPoll/time.Second)))
	}
	if c != nil {
		c.mu.Lock()
		c.status, c.retryAfter, c.problem, c.detail, c.emptyError = resp.StatusCode, 0, "", "", false
		if hasRA {
			c.retryAfter = ra
		}
		if resp.StatusCode >= 400 {
			c.problem, c.detail = problemOf(resp.Header, body)
			c.emptyError = len(bytes.TrimSpace(body)) == 0
		}
		if guarded {
			c.unknown = resp.StatusCode >= 500
			c.resend = c.problem == "badNonce"
		}
		if c.capture && resp.StatusCode < 300 {
			c.body, c.header = body, resp.Header.Clone()
		}
		// A 5xx or a 429 ends the attempt here: the Client decides whether and when to
		// try again (retry.Config), not acmez, which would retry a 5xx on its own
		// schedule and not a 429 at all.
		transient := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		if transient {
			c.failed, c.transient = true, true
		}
		c.mu.Unlock()
		if transient {
			return attemptEnded(req, nonce), nil
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// attemptProblem is the type of the answer the transport gives acmez in place of a
// failed attempt; the call record holds what really happened.
const attemptProblem = "urn:anyca:acme:attemptEnded"

// attemptEnded is the answer acmez gets for an attempt that failed (a connection error,
// a cut or oversized body, a 5xx or a 429, a refused limiter): a 400 problem document,
// which acmez returns at once instead of retrying on its own schedule. The nonce of a
// real answer is passed on.
func attemptEnded(req *http.Request, nonce string) *http.Response {
	body := `{"type":"` + attemptProblem + `","detail":"the attempt failed","status":400}`
	h := http.Header{"Content-Type": {"application/problem+json"}}
	if nonce != "" {
		h.Set("Replay-Nonce", nonce)
	}
	return &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// fail records an attempt that got no usable answer: fatal (when not nil) ends the call
// for good, cause (when not nil) is a transient failure the Client may try again after,
// and a guarded POST that may have been received makes the outcome unknown.
func (t *transport) fail(c *call, fatal, cause error, guarded, mayHaveArrived bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = true
	if fatal != nil {
		c.fatal = fatal
	}
	if cause != nil {
		c.transient, c.cause, c.status, c.problem, c.detail = true, cause, 0, "", ""
	}
	if guarded && mayHaveArrived {
		c.unknown = true
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// problemOf returns the short type of an RFC 7807 problem document ("badNonce" for
// urn:ietf:params:acme:error:badNonce) and its detail, or "" when body is not one.
func problemOf(h http.Header, body []byte) (typ, detail string) {
	if !strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "application/problem+json") {
		return "", ""
	}
	var p struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) != nil {
		return "", ""
	}
	return shortProblem(p.Type), p.Detail
}

// shortProblem drops the ACME namespace from a problem type.
func shortProblem(t string) string {
	return strings.TrimPrefix(t, problemPrefix)
}

const problemPrefix = "urn:ietf:params:acme:error:"

// sameHostRedirects is the http.Client redirect policy: the same host only, never from
// https to http, at most 5. A refused redirect ends the call (recorded as fatal), and
// acmez gets the redirect answer itself, which it does not retry.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	var err error
	prev := via[0].URL
	switch {
	case len(via) >= 5:
		err = fmt.Errorf("%w: more than 5 redirects", retry.ErrRedirectRefused)
	case !strings.EqualFold(req.URL.Host, prev.Host):
		err = fmt.Errorf("%w: to another host (%s)", retry.ErrRedirectRefused, req.URL.Host)
	case prev.Scheme == "https" && req.URL.Scheme != "https":
		err = fmt.Errorf("%w: from https to %s", retry.ErrRedirectRefused, req.URL.Scheme)
	default:
		return nil
	}
	if c := callOf(req.Context()); c != nil {
		c.mu.Lock()
		c.fatal, c.failed = err, true
		c.mu.Unlock()
		return http.ErrUseLastResponse
	}
	return err
}
