package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
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

// simWorld is what the simulator has published: the DNS records of its zones, served by
// its authoritative DNS server (simdns.go), and validation files, served by its file host
// (simfiles.go). The simulated CAs decide their DCV checks by looking at both with their
// own lookup (fakeca.Lookup), so a challenge passes exactly when what is served is right.
type simWorld struct {
	zones []string // FQDNs, lower case, longest first

	mu    sync.Mutex
	rrs   map[string][]dns.RR // by canonical owner name
	files map[string]simFile  // by scheme://host/path, host in lower case

	look     atomic.Pointer[fakeca.Lookup] // set once the servers listen
	dnsAddr  string
	fileAddr string // plain HTTP
	tlsAddr  string // HTTPS, with certificates from the fakes' test PKI

	certMu sync.Mutex
	certs  map[string]*tls.Certificate // by server name
}

// simFile is one file the file host serves: a body, or a redirect to Location.
type simFile struct {
	body     string
	location string
}

func newSimWorld(zones []string) *simWorld {
	w := &simWorld{rrs: map[string][]dns.RR{}, files: map[string]simFile{}}
	for _, z := range zones {
		w.zones = append(w.zones, dns.CanonicalName(z))
	}
	sort.Slice(w.zones, func(i, j int) bool { return len(w.zones[i]) > len(w.zones[j]) })
	return w
}

// published is the fakes' WithPublished hook: the fake CA's own look at what is served.
// Before start, nothing is published.
func (w *simWorld) published(ch model.Challenge) bool {
	l := w.look.Load()
	return l != nil && l.Published(ch)
}

// start serves the world's DNS (UDP and TCP on one loopback port) and file host (HTTP on
// another) until stop is called.
func (w *simWorld) start(ctx context.Context) (stop func(), err error) {
	dnsServers, dnsAddr, err := w.listenDNS(ctx)
	if err != nil {
		return nil, fmt.Errorf("sim DNS: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	var tlsLn net.Listener
	if err == nil {
		if tlsLn, err = lc.Listen(ctx, "tcp", "127.0.0.1:0"); err != nil {
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
func (w *simWorld) certificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
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

// preflightOptions point preflight at the world's DNS server and file host (after start).
func (w *simWorld) preflightOptions() preflight.Options {
	return preflight.Options{Nameservers: []string{w.dnsAddr}, DialContext: dialFiles(w.fileAddr, w.tlsAddr),
		TLSConfig: &tls.Config{RootCAs: fakeca.TestPKI().RootPool()}, DNSTimeout: 2 * time.Second}
}

// zoneOf returns the simulated zone name (FQDN) falls under, "" when none.
func (w *simWorld) zoneOf(name string) string {
	for _, z := range w.zones {
		if name == z || strings.HasSuffix(name, "."+z) {
			return z
		}
	}
	return ""
}

// printSimWorld writes the test root to dir (for https file checks) and prints the export
// lines that point challenges --check and sim publish at the world.
func (a *app) printSimWorld(w *simWorld, root, dir string) error {
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, fakeca.TestPKI().RootPEM(), 0o644); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	fmt.Fprintf(a.stdout, "\n# the simulated zones' DNS server and file hosts (http, https), where the simulated CAs look:\n")
	fmt.Fprintf(a.stdout, "export %s=%s %s=%s %s=%s %s=%s %s=%s\n", envSim, root, envDNSServer, w.dnsAddr,
		envHTTPHost, w.fileAddr, envHTTPSHost, w.tlsAddr, envTLSRoots, roots)
	fmt.Fprintln(a.stdout, "# walk the loop: anyca challenges ID --check; anyca sim publish ID; anyca challenges ID --check; anyca verify ID; anyca download ID")
	return nil
}
