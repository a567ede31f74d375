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

// call follows one public call of the Client across every HTTP attempt acmez makes for
// it; the transport reaches it through the request context and fills it in.
type call struct {
	mu sync.Mutex
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
	// status, header and problem are the last answer's; retryAfter its Retry-After.
	status     int
	retryAfter time.Duration
	problem    string
	// capture keeps the last 2xx body and header, for answers acmez does not decode (the
	// account's orders list).
	capture bool
	body    []byte
	header  http.Header
}

type callKey struct{}

// track returns ctx carrying a new call record.
func track(ctx context.Context) (context.Context, *call) {
	c := &call{}
	return context.WithValue(ctx, callKey{}, c), c
}

func callOf(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// snapshot returns the fields the error mapping reads, under the lock.
func (c *call) snapshot() call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return call{once: c.once, sent: c.sent, unknown: c.unknown, fatal: c.fatal, status: c.status,
		retryAfter: c.retryAfter, problem: c.problem, body: c.body, header: c.header}
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
	guarded := false
	if c != nil {
		c.mu.Lock()
		if c.fatal != nil {
			err := c.fatal
			c.mu.Unlock()
			closeBody(req)
			return nil, err
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
			t.fail(c, err, guarded, false)
			closeBody(req)
			return nil, err
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.fail(c, nil, guarded, true)
		return nil, err
	}
	body, err := readCapped(resp.Body, t.maxBody)
	resp.Body.Close()
	if err != nil {
		fatal := error(nil)
		if errors.Is(err, retry.ErrBodyTooLarge) {
			fatal = err
		}
		t.fail(c, fatal, guarded, true)
		return nil, err
	}
	ra, hasRA := retry.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if hasRA && resp.StatusCode < 300 && ra > t.maxPoll {
		resp.Header.Set("Retry-After", strconv.Itoa(int(t.maxPoll/time.Second)))
	}
	if c != nil {
		c.mu.Lock()
		c.status, c.retryAfter, c.problem = resp.StatusCode, 0, ""
		if hasRA {
			c.retryAfter = ra
		}
		if resp.StatusCode >= 400 {
			c.problem = problemType(resp.Header, body)
		}
		if guarded {
			c.unknown = resp.StatusCode >= 500
			c.resend = c.problem == "badNonce"
		}
		if c.capture && resp.StatusCode < 300 {
			c.body, c.header = body, resp.Header.Clone()
		}
		c.mu.Unlock()
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// fail records an attempt that got no usable answer: fatal (when not nil) ends the call,
// and a guarded POST that may have been received makes the outcome unknown.
func (t *transport) fail(c *call, fatal error, guarded, mayHaveArrived bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fatal != nil {
		c.fatal = fatal
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

// readCapped reads r whole, or fails with retry.ErrBodyTooLarge past max bytes.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", retry.ErrBodyTooLarge, max)
	}
	return data, nil
}

// problemType returns the short type of an RFC 7807 problem document ("badNonce" for
// urn:ietf:params:acme:error:badNonce), or "" when body is not one.
func problemType(h http.Header, body []byte) string {
	if !strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "application/problem+json") {
		return ""
	}
	var p struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return shortProblem(p.Type)
}

// shortProblem drops the ACME namespace from a problem type.
func shortProblem(t string) string {
	return strings.TrimPrefix(t, problemPrefix)
}

const problemPrefix = "urn:ietf:params:acme:error:"

// sameHostRedirects is the http.Client redirect policy: the same host only, never from
// https to http, at most 5.
func sameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%w: more than 5 redirects", retry.ErrRedirectRefused)
	}
	prev := via[0].URL
	if !strings.EqualFold(req.URL.Host, prev.Host) {
		return fmt.Errorf("%w: to another host (%s)", retry.ErrRedirectRefused, req.URL.Host)
	}
	if prev.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: from https to %s", retry.ErrRedirectRefused, req.URL.Scheme)
	}
	return nil
}
