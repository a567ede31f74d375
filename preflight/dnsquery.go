package preflight

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// queryError is a DNS failure with the Reason it is reported under.
type queryError struct {
	reason Reason
	server string // the address asked, "" when none
	msg    string
	err    error
}

func (e *queryError) Error() string {
	s := e.msg
	if e.server != "" {
		s += " (server " + e.server + ")"
	}
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *queryError) Unwrap() error { return e.err }

// reasonOf is the Reason an error is reported under.
func reasonOf(err error) Reason {
	var qe *queryError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return ReasonCanceled
	case errors.As(err, &qe):
		return qe.reason
	}
	return ReasonNetwork
}

// exchange sends one query for name and qtype to server, over UDP and, when the answer
// is truncated, again over TCP. recursive sets the RD bit (resolvers only). The answer
// is returned whatever its rcode; err is a *queryError or ctx's error.
func (r *lookup) exchange(ctx context.Context, server, name string, qtype uint16, recursive bool) (*dns.Msg, error) {
	if max := r.opt.maxQueries(); r.queries >= max {
		return nil, &queryError{reason: ReasonLame, msg: fmt.Sprintf("more than %d DNS queries for one check (Options.MaxQueries)", max)}
	}
	r.queries++
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = recursive
	if size := r.opt.udpSize(); size > 0 {
		m.SetEdns0(uint16(size), false)
	}
	resp, err := r.exchangeOver(ctx, "udp", server, m)
	if resp != nil && resp.Truncated {
		r.note(fmt.Sprintf("UDP answer from %s for %s %s was truncated; retried over TCP", server, trimDot(name), dns.TypeToString[qtype]))
		resp, err = r.exchangeOver(ctx, "tcp", server, m)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &queryError{reason: ReasonTruncated, server: server, msg: "UDP answer truncated and the TCP retry failed", err: err}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, &queryError{reason: ReasonTimeout, server: server, msg: fmt.Sprintf("no DNS answer within %s", r.opt.dnsTimeout()), err: err}
		}
		return nil, &queryError{reason: ReasonNetwork, server: server, msg: "DNS query failed", err: err}
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, m.Question[0].Name) {
		return nil, &queryError{reason: ReasonLame, server: server, msg: "DNS answer is for another question"}
	}
	return resp, nil
}

// exchangeOver sends m to server over network ("udp" or "tcp"). A ctx that ends closes
// the connection, so a cancelled check does not wait for the query timeout.
func (r *lookup) exchangeOver(ctx context.Context, network, server string, m *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: r.opt.dnsTimeout()}
	dctx, cancel := context.WithTimeout(ctx, r.opt.dnsTimeout())
	defer cancel()
	conn, err := c.DialContext(dctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(dctx, func() { _ = conn.Close() })
	defer stop()
	resp, _, err := c.ExchangeWithConnContext(dctx, m, conn)
	if err != nil && resp != nil && resp.Truncated {
		return resp, nil // a truncated answer may not unpack whole; only its TC bit matters
	}
	if err != nil && dctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		return nil, timeoutError{err}
	}
	return resp, err
}

// timeoutError marks an exchange cut short by the per-query timeout.
type timeoutError struct{ err error }

func (e timeoutError) Error() string   { return "i/o timeout: " + e.err.Error() }
func (e timeoutError) Unwrap() error   { return e.err }
func (e timeoutError) Timeout() bool   { return true }
func (e timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

// rcodeError is the error for an answer whose rcode is neither NOERROR nor NXDOMAIN.
func rcodeError(server string, resp *dns.Msg) *queryError {
	name := dns.RcodeToString[resp.Rcode]
	if name == "" {
		name = fmt.Sprintf("RCODE%d", resp.Rcode)
	}
	reason := ReasonRefused
	if resp.Rcode == dns.RcodeServerFailure {
		reason = ReasonServFail
	}
	return &queryError{reason: reason, server: server, msg: "nameserver answered " + name}
}
