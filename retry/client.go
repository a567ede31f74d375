package retry

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/secret"
	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
)

// DefaultMaxBodyBytes caps a response body when Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 32 << 20

// DefaultTimeout bounds one attempt when Options.HTTPClient is nil or has no Timeout: from the moment it has
// its rate-limiter token to the end of reading the body. Waiting for the token is bounded
// by the caller's context only.
const DefaultTimeout = 60 * time.Second

// snippetBytes is how much of an unexpected body an error quotes.
const snippetBytes = 256

// Sentinel causes found with errors.Is in the Err of a *model.Error.
var (
	// ErrBodyTooLarge: the response body was longer than the cap and was not read further.
	ErrBodyTooLarge = errors.New("response body exceeds the size cap")
	// ErrRedirectRefused: the server redirected to another host or from https to http.
	ErrRedirectRefused = errors.New("redirect refused")
	// ErrMalformedResponse: a 2xx body could not be decoded.
	ErrMalformedResponse = errors.New("malformed response")
	// errLimiterDeadline: waiting for a rate-limiter token would outlast the deadline.
	errLimiterDeadline = fmt.Errorf("waiting for the client-side rate limit would pass the deadline: %w", context.DeadlineExceeded)
)

// sentinels are the data-free errors a redacted error still matches with errors.Is.
var sentinels = append([]error{context.Canceled, context.DeadlineExceeded, ErrBodyTooLarge, ErrRedirectRefused,
	ErrMalformedResponse, errLimiterDeadline, ErrLimiterFailed, errAttemptTimeout, io.ErrUnexpectedEOF, io.EOF}, model.Kinds()...)

// Auth says how the adapter's API key travels. Exactly one of Header and QueryParam is set.
// The key is redacted from every error and log line the client produces.
type Auth struct {
	Key        string
	Header     string // e.g. "X-DC-DEVKEY"
	QueryParam string // e.g. "access_key"
}

// ErrorDecoder reads a non-2xx answer: the vendor's code and message, and its error kind
// (nil: decide from the status). It must not panic on any input.
type ErrorDecoder func(status int, body []byte) (code, message string, kind error)

// Options configure a Client for one adapter.
type Options struct {
	Provider string // adapter name, the prefix of every error
	BaseURL  string // https, or http on a loopback host
	Auth     Auth   // the API key and where it goes
	Config   Config // the user's settings; zero fields take Defaults
	Defaults Config // the adapter's documented defaults
	// HTTPClient is the base client to wrap (nil: a pooled client). Its Timeout, if set,
	// bounds each attempt including the rate-limiter wait; without one (and when nil)
	// each attempt is bounded by DefaultTimeout from the moment it is sent.
	HTTPClient *http.Client
	Logger     *slog.Logger // nil: no logging at all
	UserAgent  string       // sent on every request
	// MaxBodyBytes caps every response body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// DecodeError maps a non-2xx body to a vendor error; nil uses the status alone.
	DecodeError ErrorDecoder
}

// Client sends an adapter's requests. It is safe for concurrent use.
type Client struct {
	provider  string
	base      *url.URL
	auth      Auth       // where the key goes; its Key field is always empty here
	key       secret.Key // the API key, unprintable
	cfg       Config
	rc        *retryablehttp.Client
	limiter   *rate.Limiter // the token bucket, when pace is one
	pace      Limiter       // waited on for every attempt; nil: none
	logger    *slog.Logger
	redact    *redactor
	userAgent string
	maxBody   int64
	decodeErr ErrorDecoder
}

// New validates opts and returns a Client. The key is checked with CheckAPIKey and used
// trimmed. Every error is a *model.Error of kind model.ErrInvalidArgument, Op "New".
func New(opts Options) (*Client, error) {
	cfg := opts.Config.WithDefaults(opts.Defaults)
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 1
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.MinWait == 0 {
		cfg.MinWait = min(500*time.Millisecond, cfg.MaxWait)
	}
	if err := cfg.Validate(); err != nil {
		return nil, configError(opts.Provider, err.Error())
	}
	if opts.Auth != (Auth{}) {
		key, err := CheckAPIKey(opts.Auth.Key)
		if err != nil {
			return nil, configError(opts.Provider, err.Error())
		}
		opts.Auth.Key = key
	}
	red := newRedactor([]string{opts.Auth.Key}, nonEmpty(opts.Auth.QueryParam))
	base, err := CheckBaseURL(opts.BaseURL)
	if err != nil {
		return nil, configError(opts.Provider, red.String(err.Error()))
	}
	c := &Client{
		provider:  opts.Provider,
		base:      base,
		auth:      Auth{Header: opts.Auth.Header, QueryParam: opts.Auth.QueryParam},
		key:       secret.New(opts.Auth.Key),
		cfg:       cfg,
		logger:    opts.Logger,
		redact:    red,
		userAgent: opts.UserAgent,
		maxBody:   opts.MaxBodyBytes,
		decodeErr: opts.DecodeError,
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBodyBytes
	}
	if c.pace, c.limiter, err = newLimiter(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Provider, err)
	}

	var hc http.Client
	var attemptTimeout time.Duration
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient // a copy: the caller's client is never changed
		if hc.Timeout <= 0 {
			// A client without a Timeout (a proxy's, a tracing wrapper, the exporter's
			// counting client) still gets the per-attempt bound: no attempt waits forever.
			attemptTimeout = DefaultTimeout
		}
	} else {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t = t.Clone()
			t.MaxIdleConnsPerHost = 32
			hc.Transport = t
		} // else: someone replaced http.DefaultTransport; use theirs as it is
		// Not hc.Timeout: that would also count the rate-limiter wait, and make the limiter
		// refuse any wait over DefaultTimeout as a deadline error.
		attemptTimeout = DefaultTimeout
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = &transport{c: c, next: inner, timeout: attemptTimeout}
	hc.CheckRedirect = c.checkRedirect

	c.rc = &retryablehttp.Client{
		HTTPClient:   &hc,
		RetryWaitMin: cfg.MinWait,
		RetryWaitMax: cfg.MaxWait,
		RetryMax:     cfg.MaxAttempts - 1,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// Logger stays nil: go-retryablehttp would print URLs, and the key with them.
	}
	return c, nil
}

// configError is New's error for settings that cannot work.
func configError(provider, msg string) *model.Error {
	return &model.Error{Provider: provider, Op: "New", Kind: model.ErrInvalidArgument, Message: msg}
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// String describes the client without its API key, so that printing a Client (with %v,
// %+v or %s) can never leak the key.
func (c *Client) String() string {
	return fmt.Sprintf("retry.Client{provider: %q, base: %q, auth: {Key:%s Header:%s QueryParam:%s}, config: %+v}",
		c.provider, c.redact.URL(c.base), c.key, c.auth.Header, c.auth.QueryParam, c.cfg)
}

// GoString is String for %#v.
func (c *Client) GoString() string { return c.String() }

// Format prints Auth with its key replaced by Redacted in every verb, so that Options or
// any struct holding an Auth can be printed without leaking the key.
func (a Auth) Format(f fmt.State, verb rune) {
	key := ""
	if a.Key != "" {
		key = Redacted
	}
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "retry.Auth{Key:%q, Header:%q, QueryParam:%q}", key, a.Header, a.QueryParam)
	case verb == 'v' && f.Flag('+'):
		fmt.Fprintf(f, "{Key:%s Header:%s QueryParam:%s}", key, a.Header, a.QueryParam)
	default:
		fmt.Fprintf(f, "{%s %s %s}", key, a.Header, a.QueryParam)
	}
}

// Config returns the effective settings, defaults applied.
func (c *Client) Config() Config { return c.cfg }

// BaseURL returns a copy of the base URL requests are resolved against.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Redact returns s with the API key and secret query values replaced by Redacted.
// Adapters pass every vendor-supplied text through it before putting it in an error.
func (c *Client) Redact(s string) string { return c.redact.String(s) }

// Request is one call to the CA.
type Request struct {
	Op          string     // the public method, for errors and logs ("Certificate")
	Method      string     // GET when empty
	Path        string     // escaped path relative to the base URL ("order/certificate/123")
	Query       url.Values // query parameters (the auth parameter is added by the client)
	Body        []byte     // request body, resent on every attempt
	ContentType string     // of Body
	// Idempotent marks a non-GET request as safe to repeat after a 5xx or a connection
	// error. GET and HEAD always are; every request is retried after a 429.
	Idempotent bool
	// Decode, when set, decodes a 2xx body from the capped stream inside the retry loop
	// (see DecodeFunc), and the Response has no Body. nil: Do reads the body whole.
	Decode DecodeFunc
	// AtMostOnce marks a request that creates something the CA may charge for (an
	// order): it reaches the CA at most once. See Client.Do for the rules; Idempotent is
	// ignored when it is set.
	AtMostOnce bool
}

// Response is a successful (2xx) answer, its body read whole (within the cap), or
// decoded by Request.Decode, in which case Body is nil.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int // how many attempts the call took
	// stream is the body Request.Decode read, kept for the snippet of MalformedError.
	stream *BodyStream
}

// callState follows one Do call across its attempts; the transport and the retry hooks
// reach it through the request context.
type callState struct {
	op         string
	idempotent bool
	attempts   int
	lastStatus int
	retryAfter time.Duration
	// body is the body of bodyOf, read inside the retry loop so that a connection
	// lost while reading it is retried like any other connection error; decoded is the
	// answer when Request.Decode read it instead.
	body    []byte
	decoded *Response
	bodyOf  *http.Response

	// For AtMostOnce requests: wrote is set (by the transport's trace, on another
	// goroutine) once the current attempt has written its request headers; unsent says
	// that the last attempt surely never reached the server; reached that some attempt
	// may have been received and carried out.
	atMostOnce bool
	wrote      atomic.Bool
	unsent     bool
	reached    bool
}

type callStateKey struct{}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(callStateKey{}).(*callState)
	return s
}

// Do sends req, retrying as configured, and returns the 2xx response with its body read,
// or decoded by req.Decode inside the retry loop (see DecodeFunc); an error req.Decode
// returns for a body read without fault is returned as it is. Every other outcome is a
// *model.Error: the vendor's error for a non-2xx answer (status, code, message and
// Retry-After kept from the last attempt), ErrUnavailable for transport failures and
// bodies over the cap, or a context error when ctx ended first. No error contains the API
// key.
//
// A request with AtMostOnce set reaches the CA at most once. It is sent again only after
// an attempt that surely never reached the CA: a connection that could not be made (dial
// refused, DNS failure: nothing was written), a rate-limiter wait, or a 429, which the CA
// answers before processing the request. It is never sent again after it may have been
// received: a connection lost once the request was written (a reset, a body cut short),
// a 5xx, a timeout or a cancelled context while the answer was awaited, a 2xx answer that
// cannot be read (Request.Decode failing with model.ErrUnavailable), and it follows no
// redirect (307 and 308 would send it again). Such an outcome is unknown: Do returns a
// *model.Error of kind model.ErrUnavailable with Code OutcomeUnknown, whose Err keeps the
// cause (a context error still matches errors.Is), and the caller must look for what the
// request created before sending it again. Any other answer (a 4xx, a refusal the decoder
// reports with another kind) is the CA's definite answer and returned as it is.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	st := &callState{op: req.Op, idempotent: req.Idempotent || method == http.MethodGet || method == http.MethodHead,
		atMostOnce: req.AtMostOnce}
	if st.atMostOnce {
		st.idempotent = false
	}
	ctx = context.WithValue(ctx, callStateKey{}, st)

	u := c.base.JoinPath(req.Path)
	if len(req.Query) > 0 || c.auth.QueryParam != "" {
		// Without parameters to add, the base URL's query stays as it is: no parse and
		// re-encode per call.
		q := u.Query()
		for k, vs := range req.Query {
			q[k] = append(q[k], vs...)
		}
		if c.auth.QueryParam != "" {
			q.Set(c.auth.QueryParam, c.key.Reveal())
		}
		u.RawQuery = q.Encode()
	}

	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, c.failure(ctx, st, 0, nil, err)
	}
	if c.auth.Header != "" {
		hreq.Header.Set(c.auth.Header, c.key.Reveal())
	}
	hreq.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		hreq.Header.Set("User-Agent", c.userAgent)
	}
	if req.ContentType != "" {
		hreq.Header.Set("Content-Type", req.ContentType)
	}
	rreq, err := retryablehttp.FromRequest(hreq)
	if err != nil {
		return nil, c.failure(ctx, st, 0, nil, err)
	}
	rreq.SetResponseHandler(func(resp *http.Response) error {
		defer resp.Body.Close()
		if req.Decode != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			out, err := c.decodeAttempt(st, resp, req.Decode)
			if err != nil {
				return err
			}
			st.decoded, st.bodyOf = out, resp
			return nil
		}
		data, err := c.readBody(resp.Body, resp.StatusCode, resp.ContentLength)
		if err != nil {
			return err
		}
		st.body, st.bodyOf = data, resp
		return nil
	})

	resp, err := c.rc.Do(rreq)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if final := (*finalDecodeError)(nil); errors.As(err, &final) {
			return nil, c.settled(st, final.err)
		}
		return nil, c.settled(st, c.failure(ctx, st, 0, nil, err))
	}
	defer resp.Body.Close()
	if st.decoded != nil && st.bodyOf == resp {
		return st.decoded, nil
	}
	data := st.body
	if st.bodyOf != resp {
		// The last attempt of an exhausted retry loop: its body is still unread.
		var readErr error
		data, readErr = c.readBody(resp.Body, resp.StatusCode, resp.ContentLength)
		if readErr != nil {
			return nil, c.settled(st, c.failure(ctx, st, resp.StatusCode, resp.Header, readErr))
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.settled(st, c.statusError(st, resp, data))
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data, Attempts: st.attempts}, nil
}

// checkRetry decides whether to try again: never once ctx is done; after a 429 always;
// after a connection error or a 5xx other than 501 only for idempotent requests.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	if st != nil && st.atMostOnce {
		return c.checkRetryOnce(ctx, st, resp, err)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent := st == nil || st.idempotent
	if err != nil {
		var unknownAuth x509.UnknownAuthorityError
		var certInvalid x509.CertificateInvalidError
		var hostErr x509.HostnameError
		var verifyErr *tls.CertificateVerificationError
		switch {
		case errors.Is(err, errLimiterDeadline), errors.Is(err, ErrLimiterFailed), errors.Is(err, ErrRedirectRefused),
			errors.Is(err, context.Canceled), errors.Is(err, ErrBodyTooLarge), errors.As(err, new(*finalDecodeError)),
			errors.As(err, &unknownAuth), errors.As(err, &certInvalid), errors.As(err, &hostErr),
			errors.As(err, &verifyErr):
			return false, nil
		}
		return idempotent, nil
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, nil
	case resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
		return idempotent, nil
	}
	return false, nil
}

// backoff waits what Retry-After asks, capped at max, or else a jittered exponential
// step between min and max.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if ra, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if resp.Request != nil {
				if st := stateOf(resp.Request.Context()); st != nil {
					st.retryAfter = ra
				}
			}
			return min(ra, maxWait)
		}
	}
	return jitteredBackoff(minWait, maxWait, attempt)
}

// checkRedirect follows redirects on the same host only, and never from https to http.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("%w: more than 5 redirects", ErrRedirectRefused)
	}
	if st := stateOf(req.Context()); st != nil && st.atMostOnce {
		return fmt.Errorf("%w: a create request is sent at most once, and a redirect would send it again", ErrRedirectRefused)
	}
	prev := via[0].URL
	if !strings.EqualFold(req.URL.Host, prev.Host) {
		return fmt.Errorf("%w: to another host (%s), which would receive the API key", ErrRedirectRefused, req.URL.Host)
	}
	if prev.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: from https to %s", ErrRedirectRefused, req.URL.Scheme)
	}
	return nil
}
