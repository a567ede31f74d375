package sim

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/miekg/dns"
)

// World is what the simulator has published: the DNS records of its zones, served by
// its authoritative DNS server (dns.go), and validation files, served by its file host
// (files.go). The simulated CAs decide their DCV checks by looking at both with their
// own lookup (fakeca.Lookup), so a challenge passes exactly when what is served is right.
type World struct {
	zones []string // FQDNs, lower case, longest first

	mu    sync.Mutex
	rrs   map[string][]dns.RR // by canonical owner name
	files map[string]file     // by scheme://host/path, host in lower case

	look     atomic.Pointer[fakeca.Lookup] // set once the servers listen
	dnsAddr  string
	fileAddr string // plain HTTP
	tlsAddr  string // HTTPS, with certificates from the fakes' test PKI

	certMu sync.Mutex
	certs  map[string]*tls.Certificate // by server name
}

// file is one file the file host serves: a body, or a redirect to Location.
type file struct {
	body     string
	location string
}

func newWorld(zones []string) *World {
	w := &World{rrs: map[string][]dns.RR{}, files: map[string]file{}}
	for _, z := range zones {
		w.zones = append(w.zones, dns.CanonicalName(z))
	}
	sort.Slice(w.zones, func(i, j int) bool { return len(w.zones[i]) > len(w.zones[j]) })
	return w
}

// published is the fakes' WithPublished hook: the fake CA's own look at what is served.
// Before start, nothing is published.
func (w *World) published(ch model.Challenge) bool {
	l := w.look.Load()
	return l != nil && l.Published(ch)
}

// Start serves the world's DNS (UDP and TCP on one loopback port) and file hosts (HTTP
// and HTTPS, each on another) on free ports until stop is called.
func (w *World) Start(ctx context.Context) (stop func(), err error) {
	return w.StartOn(ctx, Addrs{})
}

// Addrs are the loopback addresses (host:port) the world serves on; an empty one picks a
// free port on 127.0.0.1. The caller checks that they are loopback.
type Addrs struct {
	DNS, HTTP, HTTPS string
}

// StartOn is Start on the addresses of at: fixed ports, so that what points at the world
// (ANYCA_DNS_SERVER, ANYCA_HTTP_HOST, ANYCA_HTTPS_HOST) stays the same across restarts.
func (w *World) StartOn(ctx context.Context, at Addrs) (stop func(), err error) {
	or := func(addr string) string {
		if addr == "" {
			return "127.0.0.1:0"
		}
		return addr
	}
	dnsServers, dnsAddr, err := w.listenDNS(ctx, or(at.DNS))
	if err != nil {
		return nil, fmt.Errorf("sim DNS: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", or(at.HTTP))
	var tlsLn net.Listener
	if err == nil {
		if tlsLn, err = lc.Listen(ctx, "tcp", or(at.HTTPS)); err != nil {
			ln.Close()
		}
	}
	if err != nil {
		for _, s := range dnsServers {
			_ = s.Shutdown()
		}
		return nil, fmt.Errorf("sim file host: %w", err)
	}
	files := &http.Server{Handler: w.fileHandler(), ReadHeaderTimeout: 10 * time.Second}
	tlsFiles := &http.Server{Handler: w.fileHandler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)} // failed handshakes are the client's business
	go func() { _ = files.Serve(ln) }()
	go func() { _ = tlsFiles.Serve(tls.NewListener(tlsLn, &tls.Config{GetCertificate: w.certificate})) }()
	w.dnsAddr, w.fileAddr, w.tlsAddr = dnsAddr, ln.Addr().String(), tlsLn.Addr().String()
	w.look.Store(&fakeca.Lookup{DNS: w.dnsAddr, Files: w.fileAddr, FilesTLS: w.tlsAddr, RootCAs: fakeca.TestPKI().RootPool(), Timeout: 2 * time.Second})
	return func() {
		w.look.Store(nil)
		_ = files.Close()
		_ = tlsFiles.Close()
		for _, s := range dnsServers {
			_ = s.Shutdown()
		}
	}, nil
}

// maxSimCerts bounds the HTTPS file host's certificate cache.
const maxSimCerts = 1024

// certificate gives the HTTPS file host a certificate for the name asked (SNI), issued
// by the fakes' test PKI, for names under the simulated zones only.
func (w *World) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if name == "" || w.zoneOf(dns.CanonicalName(name)) == "" {
		return nil, fmt.Errorf("sim: no certificate for %q, which is not under a simulated zone", hello.ServerName)
	}
	w.certMu.Lock()
	defer w.certMu.Unlock()
	if c := w.certs[name]; c != nil {
		return c, nil
	}
	c, err := fakeca.TestPKI().ServerCertificate(fakeca.LeafSpec{Seed: "sim-file-host|" + name, Names: []string{name}})
	if err != nil {
		return nil, err
	}
	if w.certs == nil {
		w.certs = map[string]*tls.Certificate{}
	}
	if len(w.certs) < maxSimCerts { // beyond, issued per handshake: memory stays bounded
		w.certs[name] = c
	}
	return c, nil
}

// PreflightOptions point preflight at the world's DNS server and file host (after Start).
func (w *World) PreflightOptions() preflight.Options {
	return preflight.Options{Nameservers: []string{w.dnsAddr}, DialContext: preflight.DialFiles(w.fileAddr, w.tlsAddr),
		TLSConfig: &tls.Config{RootCAs: fakeca.TestPKI().RootPool()}, DNSTimeout: 2 * time.Second}
}

// zoneOf returns the simulated zone name (FQDN) falls under, "" when none.
func (w *World) zoneOf(name string) string {
	for _, z := range w.zones {
		if name == z || strings.HasSuffix(name, "."+z) {
			return z
		}
	}
	return ""
}

// DNSAddr is the address (host:port, UDP and TCP) of the world's DNS server, after Start.
func (w *World) DNSAddr() string { return w.dnsAddr }

// FileAddr is the address of the world's plain HTTP file host, after Start.
func (w *World) FileAddr() string { return w.fileAddr }

// TLSAddr is the address of the world's HTTPS file host, after Start.
func (w *World) TLSAddr() string { return w.tlsAddr }

// RootPEM is the root, PEM, that the HTTPS file host's certificates (and the fakes'
// chains) verify against: the fakes' test PKI.
func RootPEM() []byte { return fakeca.TestPKI().RootPEM() }
