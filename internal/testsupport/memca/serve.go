package memca

import (
	"context"
	"crypto/subtle"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// How a Server answers one request: the queued or random fault first, then the key check.

func (s *Server) nextFault() (fakeca.Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		f, ok := s.chaosFault()
		if ok {
			s.countInjected(f.Kind)
		}
		return f, ok
	}
	f := s.queue[0]
	s.queue = s.queue[1:]
	s.countInjected(f.Kind)
	return f, true
}

// serve is one request: it counts it, plays a queued fault, then checks the key, as an
// HTTP fake behind fakeca.Injector does. A nil error means the request succeeded; a
// paging fault is then returned for the listing to play on its page.
func (s *Server) serve(ctx context.Context, key string) (fakeca.Fault, *model.Error) {
	s.requests.Add(1)
	var page fakeca.Fault
	if f, ok := s.nextFault(); ok {
		if f.Kind == fakeca.Taint {
			return page, s.tainted(f, key)
		}
		if err := s.fault(ctx, f); err != nil {
			if s.Bugs.Faults.KeyInFaultErrors && err != errForeignAsEmpty {
				err.Message += " (request key " + key + ")"
			}
			return page, err
		}
		if isPagingFault(f.Kind) {
			page = f
		}
	}
	return page, s.checkKey(key)
}

// checkKey is the server's key check: nil for its key, else ErrUnauthenticated.
func (s *Server) checkKey(key string) *model.Error {
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.APIKey)) != 1 {
		msg := "the API key is not valid"
		if s.Bugs.KeyInErrors {
			msg = "the API key " + key + " is not valid"
		}
		return &model.Error{Kind: model.ErrUnauthenticated, HTTPStatus: 401, Code: "invalid_api_key", Message: msg}
	}
	return nil
}

func (s *Server) fault(ctx context.Context, f fakeca.Fault) *model.Error {
	status := func(def int) int {
		if f.Status != 0 {
			return f.Status
		}
		return def
	}
	retryAfter := time.Duration(0)
	if secs, err := strconv.Atoi(strings.TrimSpace(f.RetryAfter)); err == nil && secs >= 0 {
		retryAfter = time.Duration(secs) * time.Second
	}
	// text is the CA's error message: the fault's, as one printable line (wire.Line, as
	// the HTTP adapters' retry.Client.VendorError makes it), or the default.
	text := func(def string) string {
		switch {
		case f.Message == "":
			return def
		case s.Bugs.RawVendorText:
			return f.Message
		}
		return wire.Line(f.Message, 256)
	}
	switch f.Kind {
	case fakeca.RateLimit:
		return &model.Error{Kind: model.ErrRateLimited, HTTPStatus: status(429), Code: "rate_limited", Message: text("too many requests"), RetryAfter: retryAfter}
	case fakeca.ServerError:
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: status(503), Code: "server_error", Message: text("internal error"), RetryAfter: retryAfter}
	case fakeca.HTMLError:
		st := status(502)
		if st == 404 { // a web server's page, not the CA's error: the endpoint is missing
			if s.Bugs.Foreign404AsNotFound {
				return &model.Error{Kind: model.ErrNotFound, HTTPStatus: st, Code: "not_found", Message: "not found"}
			}
			code, msg, kind := wire.NotVendor404()
			return &model.Error{Kind: kind, HTTPStatus: st, Code: code, Message: msg}
		}
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: st, Message: "<html><title>" + strconv.Itoa(st) + "</title></html>"}
	case fakeca.WrongRoute: // the CA's own route-not-found answer, in its error format
		if s.Bugs.RouteAsNotFound {
			return &model.Error{Kind: model.ErrNotFound, HTTPStatus: 404, Code: "not_found|route", Message: "Route not found"}
		}
		code, msg, kind := wire.EndpointNotFound("not_found|route", "Route not found")
		return &model.Error{Kind: kind, HTTPStatus: 404, Code: code, Message: msg}
	case fakeca.Slow:
		d := f.Delay
		if d <= 0 {
			d = 30 * time.Second
		}
		if !sleep(ctx, d) {
			return &model.Error{Kind: ctx.Err(), Err: ctx.Err()}
		}
		return nil
	case fakeca.Truncated:
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 200, Err: io.ErrUnexpectedEOF}
	case fakeca.Reset:
		return &model.Error{Kind: model.ErrUnavailable, Err: io.EOF}
	case fakeca.ForeignDocument:
		if s.Bugs.ForeignAsEmpty {
			return errForeignAsEmpty
		}
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 200, Code: "unexpected_document",
			Message: "the answer is not the document asked for; is BaseURL right?"}
	}
	return s.hostile(ctx, f)
}

// errForeignAsEmpty is what a foreign document becomes with Bugs.ForeignAsEmpty: the
// listing that receives it ends as if the account were empty.
var errForeignAsEmpty = &model.Error{Kind: model.ErrUnavailable, Code: "foreign-as-empty"}

// tainted is the error of an answer whose every string carries f.Message (a Taint
// fault): its date does not parse, and the error quotes it as the HTTP adapters do,
// redacted first (the key, key material), then made one printable line and cut
// (retry.Client.Line).
func (s *Server) tainted(f fakeca.Fault, key string) *model.Error {
	raw := "2024-01-01T00:00:00Z" + f.Message
	msg := "created: unrecognized time " + strconv.Quote(raw)
	switch {
	case s.Bugs.RawVendorText:
	case s.Bugs.CutBeforeRedact:
		msg = retry.RedactKey("created: unrecognized time "+strconv.Quote(wire.Line(raw, 40)), key)
	default:
		msg = retry.RedactKey(wire.Line(retry.RedactKey(msg, key), 1024), key)
	}
	return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 200, Code: "malformed_response", Message: msg}
}
