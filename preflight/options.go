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
	// DefaultTimeout bounds a whole Check: every query, the file fetch and CAA.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxQueries is how many DNS queries one Check may send.
	DefaultMaxQueries = 100
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

	// Timeout bounds the whole Check (the challenge, the CAA lookup, every query and
	// the file fetch): a Check that runs out is StatusError with ReasonTimeout. Zero:
	// DefaultTimeout (30 s).
	Timeout time.Duration
	// MaxQueries is how many DNS queries one Check may send; one more is StatusError
	// with ReasonLame. Zero: DefaultMaxQueries.
	MaxQueries int

	// AllowNonPublic lets the check reach non-public addresses (loopback, private,
	// link-local, unspecified) that DNS names: file hosts and nameservers found through
	// glue or the resolvers. Off, such an address is refused (ReasonNonPublic), so that
	// a CA's URL or a hostile zone cannot make the check fetch from the operator's own
	// network. Choosing where to dial counts as allowing it: DialContext or Transport
	// for files, NameserverAddrs or Nameservers for DNS.
	AllowNonPublic bool
}

func (o Options) timeout() time.Duration { return orDefault(o.Timeout, DefaultTimeout) }

func (o Options) maxQueries() int {
	if o.MaxQueries > 0 {
		return o.MaxQueries
	}
	return DefaultMaxQueries
}

// filesMayBeNonPublic reports whether the file check may connect to a non-public
// address: the caller allowed it or chose where to dial.
func (o Options) filesMayBeNonPublic() bool {
	return o.AllowNonPublic || o.DialContext != nil || o.Transport != nil
}

// nameserversMayBeNonPublic reports whether nameserver addresses found in DNS may be
// non-public: the caller allowed it or chose the nameservers' addresses.
func (o Options) nameserversMayBeNonPublic() bool {
	return o.AllowNonPublic || len(o.NameserverAddrs) > 0 || len(o.Nameservers) > 0
}

// nonPublic reports why ip may not be reached from a check ("" when it is public).
func nonPublic(ip net.IP) string {
	switch {
	case ip == nil:
		return ""
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		return "multicast"
	}
	return ""
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
