package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"syscall"
	"time"
)

// checkFile fetches the challenge URL once, following no redirect, and compares the body
// with the expected content byte for byte.
func checkFile(ctx context.Context, ch fileChallenge, opt Options) Result {
	res := Result{Type: ch.typ, Name: ch.url, Wanted: ch.want}
	client := &http.Client{
		Transport:     opt.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if client.Transport == nil {
		tr := defaultTransport(opt)
		defer tr.CloseIdleConnections()
		client.Transport = tr
	}
	// The read timeout runs from the connection being ready to the body being read
	// whole; connecting has its own timeout in the dialer. Until a connection is ready
	// the timer allows both, so a Transport without a dial timeout is bounded too.
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errReadTimeout := fmt.Errorf("no complete answer within %s", opt.readTimeout())
	readTimer := time.AfterFunc(opt.connectTimeout()+opt.readTimeout(), func() { cancel(errReadTimeout) })
	defer readTimer.Stop()
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { readTimer.Reset(opt.readTimeout()) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, trace), http.MethodGet, ch.url, nil)
	if err != nil {
		return invalid(res, "file URL "+show(ch.url)+" cannot be requested: "+clean(err.Error()))
	}
	req.Header.Set("User-Agent", "anyca-preflight")
	req.Header.Set("Accept", "*/*")
	resp, err := client.Do(req)
	if err != nil {
		return httpFailure(res, ctx, rctx, err)
	}
	defer resp.Body.Close()
	limit := opt.maxBodyBytes()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return httpFailure(res, ctx, rctx, err)
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc := resp.Header.Get("Location")
		res.Status, res.Reason = StatusMismatch, ReasonRedirect
		res.Found = []string{loc}
		res.Message = fmt.Sprintf("%s redirects (%d) to %s; CAs check the exact URL: serve the file there without a redirect", ch.url, resp.StatusCode, show(loc))
		return res
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		res.Status, res.Reason = StatusMissing, ReasonHTTPStatus
		res.Message = fmt.Sprintf("%s answers %d %s: publish the file there", ch.url, resp.StatusCode, http.StatusText(resp.StatusCode))
		return res
	case resp.StatusCode != http.StatusOK:
		res.Status, res.Reason = StatusError, ReasonHTTPStatus
		res.Err = fmt.Errorf("HTTP status %d", resp.StatusCode)
		res.Message = fmt.Sprintf("%s answers %d %s, not 200 with the file", ch.url, resp.StatusCode, http.StatusText(resp.StatusCode))
		return res
	case int64(len(body)) > limit:
		res.Status, res.Reason = StatusMismatch, ReasonTooLarge
		res.Found = []string{string(body[:limit])}
		res.Message = fmt.Sprintf("%s serves more than %d bytes, far more than the expected %d-byte file: serve exactly the expected content", ch.url, limit, len(ch.want))
		return res
	}
	got := string(body)
	res.Found = []string{got}
	if got == ch.want {
		res.Status = StatusOK
		res.Message = fmt.Sprintf("%s serves the expected content (%d bytes)", ch.url, len(got))
		return res
	}
	reason, why := near(got, ch.want)
	res.Status, res.Reason = StatusMismatch, reason
	if why != "" {
		res.Message = fmt.Sprintf("%s serves %s, which %s from the expected %s", ch.url, show(got), why, show(ch.want))
	} else {
		res.Message = fmt.Sprintf("%s serves %s, not the expected %s", ch.url, show(got), show(ch.want))
	}
	return res
}

// defaultTransport is the transport of a file check without Options.Transport: no
// proxy (the check must see what the CA sees), the connect timeout on dialing and the
// TLS handshake.
func defaultTransport(opt Options) *http.Transport {
	dial := opt.DialContext
	if dial == nil {
		d := &net.Dialer{}
		if !opt.filesMayBeNonPublic() {
			// Checked on the address actually dialed, after name resolution, so a name
			// that resolves to 127.0.0.1 or 169.254.169.254 is refused too.
			d.Control = func(_, address string, _ syscall.RawConn) error {
				host, _, _ := net.SplitHostPort(address)
				if why := nonPublic(net.ParseIP(host)); why != "" {
					return &nonPublicError{addr: host, why: why}
				}
				return nil
			}
		}
		dial = d.DialContext
	}
	ct := opt.connectTimeout()
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dctx, cancel := context.WithTimeoutCause(ctx, ct, errConnect)
			defer cancel()
			conn, err := dial(dctx, network, addr)
			if err != nil && errors.Is(context.Cause(dctx), errConnect) {
				return nil, fmt.Errorf("%w after %s: %w", errConnect, ct, err)
			}
			return conn, err
		},
		TLSClientConfig:        opt.TLSConfig.Clone(), // the transport adds to it; Options may be shared by concurrent checks
		TLSHandshakeTimeout:    ct,
		ResponseHeaderTimeout:  opt.readTimeout(),
		DisableKeepAlives:      true,
		ForceAttemptHTTP2:      true,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// errConnect marks a dial cut short by the connect timeout.
var errConnect = errors.New("connect timeout")

// nonPublicError is a dial refused because the address is not public.
type nonPublicError struct{ addr, why string }

func (e *nonPublicError) Error() string {
	return "the address " + e.addr + " is " + e.why + ", not public: refused (Options.AllowNonPublic)"
}

// httpFailure is the Result for a request that got no complete answer.
func httpFailure(res Result, ctx, rctx context.Context, err error) Result {
	res.Status, res.Err = StatusError, err
	var ne net.Error
	var ue *url.Error
	switch {
	case ctx.Err() != nil:
		res.Reason, res.Err = ReasonCanceled, ctx.Err()
		res.Message = fmt.Sprintf("checking %s was cut short: %s", res.Name, ctx.Err())
		return res
	case errors.As(err, new(*nonPublicError)):
		var np *nonPublicError
		errors.As(err, &np)
		res.Reason = ReasonNonPublic
		res.Message = fmt.Sprintf("not fetching %s: %s", res.Name, np.Error())
		return res
	case errors.Is(err, errConnect):
		res.Reason = ReasonTimeout
		res.Message = fmt.Sprintf("connecting to %s timed out: %s", hostOf(res.Name), clean(rootCause(err)))
		return res
	case context.Cause(rctx) != nil:
		res.Reason = ReasonTimeout
		res.Message = fmt.Sprintf("reading %s timed out: %s", res.Name, context.Cause(rctx))
		return res
	case errors.As(err, &ne) && ne.Timeout():
		res.Reason = ReasonTimeout
	default:
		res.Reason = ReasonNetwork
	}
	if errors.As(err, &ue) {
		err = ue.Err
	}
	res.Message = fmt.Sprintf("requesting %s failed: %s", res.Name, clean(err.Error()))
	return res
}

func rootCause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// invalid is the Result for a challenge that cannot be checked as given.
func invalid(res Result, msg string) Result {
	res.Status, res.Reason = StatusError, ReasonInvalid
	res.Err = errors.New(msg)
	res.Message = msg
	return res
}
