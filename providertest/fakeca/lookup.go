package fakeca

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

// Lookup is a fake CA's own look at the published world, the way a CA's validation
// system looks: a DNS query through a resolver for the TXT or CNAME record, an HTTP GET
// of the file URL with no redirect followed. It decides a fake's DCV check when set as
// the fake's WithPublished hook (Lookup.Published). It shares no code with package
// preflight or with the adapters, so a bug there cannot make a fake agree with it.
type Lookup struct {
	// DNS is the "host:port" of the DNS server every query is sent to (a simulator's
	// authoritative server, which then stands in for the whole DNS). Empty: DNS
	// challenges are never published.
	DNS string
	// Files is the "host:port" every http file URL's connection is dialed to, whatever
	// its host; the URL's host is still sent as the Host header. Empty: http-file
	// challenges are never published.
	Files string
	// FilesTLS is the "host:port" every https file URL's connection is dialed to; the
	// server's certificate must be valid for the URL's host under RootCAs. Empty:
	// https-file challenges are never published.
	FilesTLS string
	// RootCAs are the roots an https file host's certificate is verified against. Nil:
	// the system roots.
	RootCAs *x509.CertPool
	// Timeout bounds one challenge's look. Zero: 2 seconds.
	Timeout time.Duration
}

// maxFileBytes caps the validation file a Lookup reads; a CA reads a few bytes.
const maxFileBytes = 4 << 10

// Published reports whether ch is published as its CA requires: a TXT record at
// RecordName holding exactly RecordValue; a CNAME at RecordName whose target is
// RecordValue (case and trailing dot aside); a file at URL (http, or https with a
// certificate valid for its host) answering 200 with exactly Content, without a redirect. Anything else (email, unknown types, lookup errors,
// missing addresses) is not published. It is safe for concurrent use.
func (l *Lookup) Published(ch model.Challenge) bool {
	timeout := l.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	switch ch.Type {
	case model.ChallengeDNSTXT:
		return l.hasTXT(ctx, ch.RecordName, ch.RecordValue)
	case model.ChallengeDNSCNAME:
		return l.hasCNAME(ctx, ch.RecordName, ch.RecordValue)
	case model.ChallengeHTTPFile:
		return strings.HasPrefix(ch.URL, "http://") && l.hasFile(ctx, l.Files, ch.URL, ch.Content)
	case model.ChallengeHTTPSFile:
		return strings.HasPrefix(ch.URL, "https://") && l.hasFile(ctx, l.FilesTLS, ch.URL, ch.Content)
	}
	return false
}

// resolver sends every query to l.DNS, using Go's own DNS client.
func (l *Lookup) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, l.DNS)
	}}
}

// queryDNS asks l.DNS, through query (a net.Resolver method), about name, for a record
// that should hold want; false when there is no DNS server, nothing to ask or want, or
// the query failed.
func queryDNS[T any](ctx context.Context, l *Lookup, query func(*net.Resolver, context.Context, string) (T, error), name, want string) (T, bool) {
	var zero T
	if l.DNS == "" || name == "" || want == "" {
		return zero, false
	}
	got, err := query(l.resolver(), ctx, fqdn(name))
	if err != nil {
		return zero, false
	}
	return got, true
}

func (l *Lookup) hasTXT(ctx context.Context, name, want string) bool {
	txts, ok := queryDNS(ctx, l, (*net.Resolver).LookupTXT, name, want)
	return ok && slices.Contains(txts, want)
}

func (l *Lookup) hasCNAME(ctx context.Context, name, want string) bool {
	got, ok := queryDNS(ctx, l, (*net.Resolver).LookupCNAME, name, want)
	return ok && strings.EqualFold(fqdn(got), fqdn(want)) && !strings.EqualFold(fqdn(got), fqdn(name))
}

func (l *Lookup) hasFile(ctx context.Context, addr, url, want string) bool {
	if addr == "" {
		return false
	}
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true, TLSClientConfig: &tls.Config{RootCAs: l.RootCAs},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes+1))
	return err == nil && len(body) <= maxFileBytes && bytes.Equal(body, []byte(want))
}

// fqdn returns name with exactly one trailing dot.
func fqdn(name string) string {
	return strings.TrimSuffix(name, ".") + "."
}
