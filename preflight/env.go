package preflight

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/anyca/anyca/internal/files"
)

// The environment variables Redirect.FromEnv reads: the ones anyca sim prints (and writes
// with --env-file) and the CLI's challenges --check reads.
const (
	EnvDNSServer = "ANYCA_DNS_SERVER" // a DNS server (host:port) asked as authoritative for every name
	EnvHTTPHost  = "ANYCA_HTTP_HOST"  // where http:// file URLs are dialed (host:port)
	EnvHTTPSHost = "ANYCA_HTTPS_HOST" // where https:// file URLs are dialed (host:port)
	EnvTLSRoots  = "ANYCA_TLS_ROOTS"  // a PEM file of the roots https file hosts are verified against
)

// Redirect points preflight at servers other than the real ones: a simulator, a test
// DNS server, a staging file host. An empty field keeps the real one. It is the one
// documented way to check against anyca sim from code:
//
//	opt, err := preflight.RedirectFromEnv(os.Getenv).Options()
//	if err != nil { return err }
//	opt.CAAIdentities = anyca.CAAIdentities(p)
//	res := preflight.Check(ctx, ch, opt)
type Redirect struct {
	DNSServer string // asked as authoritative for every name (Options.Nameservers)
	HTTPHost  string // http:// file URLs are dialed here, whatever their host
	HTTPSHost string // https:// file URLs (port 443) are dialed here
	TLSRoots  string // PEM file: the roots https file hosts are verified against
}

// RedirectFromEnv reads a Redirect from ANYCA_DNS_SERVER, ANYCA_HTTP_HOST,
// ANYCA_HTTPS_HOST and ANYCA_TLS_ROOTS through getenv (nil means os.Getenv), values
// trimmed.
func RedirectFromEnv(getenv func(string) string) Redirect {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	return Redirect{DNSServer: get(EnvDNSServer), HTTPHost: get(EnvHTTPHost), HTTPSHost: get(EnvHTTPSHost), TLSRoots: get(EnvTLSRoots)}
}

// Options returns Options that look where r says, and at the real servers for what it
// leaves empty. An address that is not host:port, or a roots file that cannot be read or
// holds no PEM certificate, is an error naming the field and the value (never a
// panic); nothing is dialed.
func (r Redirect) Options() (Options, error) {
	var opt Options
	for _, f := range []struct{ name, v, example string }{
		{"DNS server", r.DNSServer, "127.0.0.1:5353"}, {"HTTP host", r.HTTPHost, "127.0.0.1:8080"}, {"HTTPS host", r.HTTPSHost, "127.0.0.1:8443"},
	} {
		if _, _, err := net.SplitHostPort(f.v); f.v != "" && err != nil {
			return opt, fmt.Errorf("%s %q: want host:port, such as %s", f.name, f.v, f.example)
		}
	}
	if r.DNSServer != "" {
		opt.Nameservers = []string{r.DNSServer}
	}
	if r.HTTPHost != "" || r.HTTPSHost != "" {
		opt.DialContext = DialFiles(r.HTTPHost, r.HTTPSHost)
	}
	if r.TLSRoots != "" {
		// A file checked first, opened without blocking and read with a cap: a FIFO or
		// /dev/zero named here ends with an error, never a hang or an exhausted memory.
		pem, _, err := files.Read(r.TLSRoots, maxRootsBytes)
		if err != nil {
			return opt, fmt.Errorf("TLS roots: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return opt, fmt.Errorf("TLS roots %s: no PEM certificate in it", r.TLSRoots)
		}
		opt.TLSConfig = &tls.Config{RootCAs: pool}
	}
	return opt, nil
}

// maxRootsBytes caps the TLS roots file: a PEM bundle of every public root is ~250 KiB.
const maxRootsBytes = 4 << 20

// DialFiles returns a dialer for file checks that sends connections to port 443 to
// httpsAddr and the others to httpAddr (host:port each); an empty address leaves those
// connections to the address asked. Set as Options.DialContext, it points the checks at
// a test server (the simulator's file hosts) whatever host the challenge's URL names.
func DialFiles(httpAddr, httpsAddr string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		switch {
		case port == "443" && httpsAddr != "":
			addr = httpsAddr
		case port != "443" && httpAddr != "":
			addr = httpAddr
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}
