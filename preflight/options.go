package preflight

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"time"
)

// Defaults applied to zero Options fields.
const (
	DefaultDNSTimeout     = 3 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	DefaultReadTimeout    = 10 * time.Second
	DefaultMaxBodyBytes   = 64 << 10
	DefaultUDPSize        = 1232 // the EDNS0 buffer size of DNS flag day 2020
	DefaultNameserverPort = "53"
	// ResolvConf is where the resolvers are read from when Options.Resolvers is empty.
	ResolvConf = "/etc/resolv.conf"
)

// Options tell Check where to look and how long to wait. The zero value uses the
// resolvers of /etc/resolv.conf, the real authoritative nameservers on port 53, the
// default timeouts and caps, and checks no CAA.
type Options struct {
	// Resolvers are recursive resolvers ("host:port", or an IP meaning port 53) used only
	// to find a zone's nameservers and their addresses, never for the record itself.
	// Empty: the nameservers of /etc/resolv.conf.
	Resolvers []string
	// Nameservers, when set, are asked directly as authoritative for every name
	// ("host:port"), and no NS walk is done: for a simulator serving all its zones itself.
	Nameservers []string
	// NameserverAddrs maps a nameserver's host name (lower case, no trailing dot) to the
	// addresses ("host:port") to ask it at, instead of glue or the resolvers' A/AAAA
	// answers: for tests and simulators whose nameservers listen on loopback ports.
	NameserverAddrs map[string][]string
	// NameserverPort is the port authoritative nameservers found by the walk are asked
	// on; empty means "53".
	NameserverPort string
	// DNSTimeout bounds each DNS query (one server, one transport). Zero: DefaultDNSTimeout.
	DNSTimeout time.Duration
	// UDPSize is the EDNS0 buffer size advertised on UDP queries. Zero: DefaultUDPSize;
	// negative: no EDNS0 (512-byte answers).
	UDPSize int

	// CAAIdentities are the CA's issuer domain names, as they appear in CAA issue values
	// (anyca.CAAIdentities(p) gives a provider's). Empty: CAA is not checked.
	CAAIdentities []string

	// Transport sends the file check's request. Nil: a transport built from DialContext,
	// TLSConfig and ConnectTimeout, with no proxy. Redirects are never followed, whatever
	// the transport.
	Transport http.RoundTripper
	// DialContext dials the file check's connections (e.g. to send every host to a
	// loopback file server). Nil: a net.Dialer.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is used for https file URLs by the built-in transport (e.g. RootCAs of a
	// simulator). Nil: the system roots.
	TLSConfig *tls.Config
	// ConnectTimeout bounds connecting (and the TLS handshake). Zero: DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// ReadTimeout bounds the time from the connection being ready (request sent, headers
	// and the whole body read). Zero: DefaultReadTimeout.
	ReadTimeout time.Duration
	// MaxBodyBytes caps the file body read; a larger body is ReasonTooLarge. Zero:
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// orDefault returns v when it is set (positive), else def.
func orDefault[T ~int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

func (o Options) dnsTimeout() time.Duration { return orDefault(o.DNSTimeout, DefaultDNSTimeout) }

func (o Options) udpSize() int {
	switch {
	case o.UDPSize < 0:
		return 0
	case o.UDPSize == 0:
		return DefaultUDPSize
	}
	return o.UDPSize
}

func (o Options) nameserverPort() string {
	if o.NameserverPort != "" {
		return o.NameserverPort
	}
	return DefaultNameserverPort
}

func (o Options) connectTimeout() time.Duration {
	return orDefault(o.ConnectTimeout, DefaultConnectTimeout)
}

func (o Options) readTimeout() time.Duration { return orDefault(o.ReadTimeout, DefaultReadTimeout) }

func (o Options) maxBodyBytes() int64 { return orDefault(o.MaxBodyBytes, DefaultMaxBodyBytes) }

// withPort returns addr with port added when it has none (an IPv6 literal may be bare
// or bracketed).
func withPort(addr, port string) string {
	if _, _, err := net.SplitHostPort(addr); err == nil {
		return addr
	}
	return net.JoinHostPort(strings.Trim(addr, "[]"), port)
}
