package main

import (
	"context"
	"crypto/tls"
	"errors"
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

	"github.com/anyca/anyca/internal/fakeca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
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

// wrongKind is a wrong value the simulator can publish instead of the right one, so that
// preflight has something real to report.
type wrongKind string

// The wrong values anyca sim publish --wrong accepts.
const (
	wrongNone     wrongKind = ""
	wrongCNAME    wrongKind = "cname"    // the CNAME points at an old target
	wrongTXT      wrongKind = "txt"      // the TXT value has two letters swapped
	wrongRedirect wrongKind = "redirect" // the file URL redirects to https
	wrongCAA      wrongKind = "caa"      // right records, and a CAA record allowing only another CA
)

// wrongKinds lists the kinds --wrong accepts, for help and errors.
var wrongKinds = []wrongKind{wrongCNAME, wrongTXT, wrongRedirect, wrongCAA}

// forbiddingIssuer is the only CA the CAA record of --wrong caa allows.
const forbiddingIssuer = "letsencrypt.org"

func parseWrong(s string) (wrongKind, error) {
	if s == "" {
		return wrongNone, nil
	}
	for _, k := range wrongKinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(wrongKinds))
	for i, k := range wrongKinds {
		names[i] = string(k)
	}
	return "", usagef("--wrong %q: want one of %s", s, strings.Join(names, ", "))
}

// affects reports whether publishing ch with kind k publishes something wrong for ch.
func (k wrongKind) affects(ch model.Challenge) bool {
	switch k {
	case wrongCNAME:
		return ch.Type == model.ChallengeDNSCNAME
	case wrongTXT:
		return ch.Type == model.ChallengeDNSTXT
	case wrongRedirect:
		return ch.Type == model.ChallengeHTTPFile
	case wrongCAA:
		return ch.Type != model.ChallengeEmail
	}
	return false
}

// errNotPublishable is returned for a challenge the simulator cannot publish (email).
var errNotPublishable = errors.New("not publishable")

// publish puts ch's record or file into the world, right or with the wrong value k, and
// returns what it published, one line per record, as a zone file or URL line.
func (w *simWorld) publish(ch model.Challenge, k wrongKind) ([]string, error) {
	if !k.affects(ch) {
		k = wrongNone
	}
	var out []string
	switch ch.Type {
	case model.ChallengeDNSTXT, model.ChallengeDNSCNAME:
		name := dns.CanonicalName(ch.RecordName)
		if _, ok := dns.IsDomainName(name); !ok || ch.RecordName == "" || w.zoneOf(name) == "" {
			return nil, fmt.Errorf("record name %q is not under a simulated zone", ch.RecordName)
		}
		var rr dns.RR
		hdr := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: 300}
		if ch.Type == model.ChallengeDNSTXT {
			hdr.Rrtype = dns.TypeTXT
			value := ch.RecordValue
			if k == wrongTXT {
				value = typo(value)
			}
			rr = &dns.TXT{Hdr: hdr, Txt: []string{value}}
		} else {
			hdr.Rrtype = dns.TypeCNAME
			target := ch.RecordValue
			if k == wrongCNAME {
				target = oldTarget(target)
			}
			rr = &dns.CNAME{Hdr: hdr, Target: dns.Fqdn(target)}
		}
		w.mu.Lock()
		w.rrs[name] = append(keepOthers(w.rrs[name], rr), rr)
		w.mu.Unlock()
		out = append(out, rrLine(rr))
	case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
		scheme, host, path, ok := fileKey(ch.URL)
		if !ok {
			return nil, fmt.Errorf("file URL %q is not an http(s) URL with a host", ch.URL)
		}
		f := simFile{body: ch.Content}
		line := fmt.Sprintf("%s  (file, %d bytes)", ch.URL, len(ch.Content))
		if k == wrongRedirect {
			f = simFile{location: "https://" + host + path}
			line = fmt.Sprintf("%s  (redirects to %s)", ch.URL, f.location)
		}
		w.mu.Lock()
		w.files[scheme+"://"+host+path] = f
		w.mu.Unlock()
		out = append(out, line)
	default:
		return nil, errNotPublishable
	}
	domain := dns.CanonicalName(ch.Domain)
	w.mu.Lock()
	defer w.mu.Unlock()
	if k == wrongCAA {
		caa := &dns.CAA{Hdr: dns.RR_Header{Name: domain, Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 300}, Tag: "issue", Value: forbiddingIssuer}
		w.rrs[domain] = append(keepOthers(w.rrs[domain], caa), caa)
		out = append(out, rrLine(caa))
	} else {
		w.rrs[domain] = dropType(w.rrs[domain], dns.TypeCAA)
	}
	return out, nil
}

// keepOthers returns the records of rrs that a new record rr does not replace: a CNAME
// replaces everything at its name (and is replaced by anything), other types replace
// their own type.
func keepOthers(rrs []dns.RR, rr dns.RR) []dns.RR {
	t := rr.Header().Rrtype
	var out []dns.RR
	for _, old := range rrs {
		ot := old.Header().Rrtype
		if ot == t || t == dns.TypeCNAME || ot == dns.TypeCNAME {
			continue
		}
		out = append(out, old)
	}
	return out
}

// rrLine is a record as one zone-file line, fields separated by single spaces.
func rrLine(rr dns.RR) string {
	return strings.ReplaceAll(rr.String(), "\t", " ")
}

// dropType returns rrs without the records of type t.
func dropType(rrs []dns.RR, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype != t {
			out = append(out, rr)
		}
	}
	return out
}

// typo swaps two different adjacent characters near the middle of s (or changes one).
func typo(s string) string {
	b := []byte(s)
	for i := len(b) / 2; i+1 < len(b); i++ {
		if b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
	}
	if len(b) == 0 {
		return "x"
	}
	b[len(b)-1] ^= 1
	return string(b)
}

// oldTarget is a CNAME target left from an earlier validation: the first label replaced.
func oldTarget(target string) string {
	if i := strings.Index(target, "."); i > 0 {
		return "old" + target[i:]
	}
	return "old." + target
}

// fileKey splits an http or https file URL into the scheme, the lower-case host and the
// path the file host keys on.
func fileKey(raw string) (scheme, host, path string, ok bool) {
	scheme = "http"
	rest, found := strings.CutPrefix(raw, "http://")
	if !found {
		if rest, found = strings.CutPrefix(raw, "https://"); !found {
			return "", "", "", false
		}
		scheme = "https"
	}
	host, path, _ = strings.Cut(rest, "/")
	host = strings.ToLower(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(host, "?#@") {
		return "", "", "", false
	}
	return scheme, host, "/" + path, true
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
