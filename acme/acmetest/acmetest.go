// Package acmetest runs Let's Encrypt's ACME server, Pebble (v2.10.3, MPL-2.0), in the
// test process, with real domain validation: Pebble's validation authority asks a
// loopback authoritative DNS server (over TCP, as Pebble does) for TXT, A and AAAA
// records, and fetches http-01 files from a loopback HTTP host, both of which serve
// what the test publishes (Publish). Every name resolves to 127.0.0.1.
//
// It is its own module, so that the library's users never download Pebble. A Server is
// started with New and stopped with Close; its ACME directory is DirectoryURL, reached
// with Client (which trusts the server's TLS certificate), and issued chains verify
// against Roots.
//
// Pebble reads its knobs (nonce rejection, always-valid, authorization reuse, page
// size) from environment variables when it is built; New sets them under a lock for the
// time of the construction, so Servers with different Options can be started from
// parallel tests. Pebble's validation authority starts a goroutine that never stops:
// goroutine leak checks must ignore va.(*VAImpl).processTasks.
package acmetest

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Profile is an issuance profile the server offers.
type Profile struct {
	Description string
	Validity    time.Duration // 0: Pebble's default (about 5 years)
}

// DefaultProfiles are the profiles a zero Options.Profiles gives: "default" (the one
// an order without a profile gets), "shortlived" (6 days) and "tlsserver" (90 days).
func DefaultProfiles() map[string]Profile {
	return map[string]Profile{
		"default":    {Description: "the default profile (90 days)", Validity: 90 * 24 * time.Hour},
		"shortlived": {Description: "6 days", Validity: 6 * 24 * time.Hour},
		"tlsserver":  {Description: "90 days, server auth only", Validity: 90 * 24 * time.Hour},
	}
}

// Options configure a Server. The zero value is real validation, no nonce rejection, no
// EAB, DefaultProfiles, ARI on.
type Options struct {
	// NonceRejectPercent is the share of good nonces Pebble refuses with badNonce.
	NonceRejectPercent int
	// RequireEAB makes new accounts need an external account binding; EABKeyID and
	// EABHMACKey (base64url) are then accepted.
	RequireEAB bool
	// Profiles replaces DefaultProfiles; it must contain DefaultProfile.
	Profiles map[string]Profile
	// AlwaysValid makes Pebble accept every challenge without looking.
	AlwaysValid bool
	// AuthzReusePercent is how often Pebble reuses a valid authorization (default 0, so
	// that every order has its own challenges).
	AuthzReusePercent int
	// OrdersPerPage is the page size of the account's orders list (0: Pebble's 3).
	OrdersPerPage int
	// NoARI hides the renewalInfo endpoint from the directory.
	NoARI bool
	// NoOrdersList hides the account's orders URL (as Let's Encrypt has none).
	NoOrdersList bool
	// Wrap, when set, wraps the ACME handler (a fault injector, a request counter).
	Wrap func(http.Handler) http.Handler
	// DNSServer, when set, is the authoritative DNS server (host:port, answering over
	// TCP) Pebble's validation authority asks instead of the Server's own, which is then
	// not started: Publish's records are not seen (a simulator publishes into its own).
	DNSServer string
	// HTTP01Port, when set, is the loopback port Pebble fetches http-01 files from
	// instead of the Server's own HTTP-01 host, which is then not started.
	HTTP01Port int
}

// DefaultProfile is the profile an order without one gets.
const DefaultProfile = "default"

// The EAB credentials a Server with RequireEAB accepts.
const (
	EABKeyID   = "kid-anyca-test"
	EABHMACKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
)

// Server is a running Pebble with its DNS and HTTP-01 hosts.
type Server struct {
	// DirectoryURL is the ACME directory (https on 127.0.0.1).
	DirectoryURL string
	// Faults is the shared fault injector (providertest/fakeca) in front of Pebble: its
	// FailNext and SetChaos make the next or random requests misbehave, with 429 and 5xx
	// answers as ACME problem documents.
	Faults *fakeca.Injector
	// Roots holds the root issued chains verify against.
	Roots *x509.CertPool
	// RootPEM is that root, PEM (Pebble's management /roots/0).
	RootPEM []byte

	acme     *httptest.Server
	mgmt     *httptest.Server
	http01   *http.Server
	http01L  net.Listener
	dnsSrv   *dns.Server
	mu       sync.Mutex
	txt      map[string][]string // by FQDN, lower case, with the trailing dot
	files    map[string]string   // by path
	requests atomic.Int64
	closing  sync.Once
	placedMu sync.Mutex
	placed   map[string]int // orders Pebble made, by sorted names joined by ","
	orders   []string       // their URLs, oldest first

	store *db.MemoryStore // Pebble's store, for the package's own tests
}

// envMu serializes the environment Pebble's constructors read.
var envMu sync.Mutex

// New starts a Server. It fails only when a loopback port cannot be opened.
func New(opts Options) (*Server, error) {
	s := &Server{txt: map[string][]string{}, files: map[string]string{}, placed: map[string]int{}}
	// The HTTP-01 host: Pebble dials 127.0.0.1 on this port for every name.
	httpPort := opts.HTTP01Port
	if httpPort == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		s.http01L = l
		s.http01 = &http.Server{Handler: http.HandlerFunc(s.serveFile), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = s.http01.Serve(l) }()
		httpPort = l.Addr().(*net.TCPAddr).Port
	}
	// The authoritative DNS server, over TCP.
	dnsAddr := opts.DNSServer
	if dnsAddr == "" {
		dl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.Close()
			return nil, err
		}
		started := make(chan struct{})
		s.dnsSrv = &dns.Server{Listener: dl, Net: "tcp", Handler: dns.HandlerFunc(s.serveDNS), NotifyStartedFunc: func() { close(started) }}
		go func() { _ = s.dnsSrv.ActivateAndServe() }()
		<-started
		dnsAddr = dl.Addr().String()
	}

	profiles := opts.Profiles
	if profiles == nil {
		profiles = DefaultProfiles()
	}
	if _, ok := profiles[DefaultProfile]; !ok {
		s.Close()
		return nil, fmt.Errorf("acmetest: Options.Profiles must contain %q (Pebble panics on an order without a profile otherwise)", DefaultProfile)
	}
	pp := map[string]ca.Profile{}
	for name, p := range profiles {
		pp[name] = ca.Profile{Description: p.Description, ValidityPeriod: uint64(p.Validity / time.Second)}
	}
	logger := log.New(io.Discard, "", 0)

	envMu.Lock()
	restore := setEnv(map[string]string{
		"PEBBLE_VA_NOSLEEP":      "1",
		"PEBBLE_VA_ALWAYS_VALID": strconv.FormatBool(opts.AlwaysValid),
		"PEBBLE_WFE_NONCEREJECT": strconv.Itoa(opts.NonceRejectPercent),
		"PEBBLE_AUTHZREUSE":      strconv.Itoa(opts.AuthzReusePercent),
		"PEBBLE_WFE_ORDERS_PER_PAGE": func() string {
			if opts.OrdersPerPage > 0 {
				return strconv.Itoa(opts.OrdersPerPage)
			}
			return ""
		}(),
	})
	store := db.NewMemoryStore()
	s.store = store
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, pp)
	validator := va.New(logger, httpPort, 1, false, dnsAddr, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, opts.RequireEAB, 0, 0)
	restore()
	envMu.Unlock()
	if opts.RequireEAB {
		if err := store.AddExternalAccountKeyByID(EABKeyID, EABHMACKey); err != nil {
			s.Close()
			return nil, err
		}
	}

	var h http.Handler = &directoryRewrite{next: oneAtATime(front.Handler()), noARI: opts.NoARI, noOrders: opts.NoOrdersList}
	h = s.countOrders(h)
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s.Faults = fakeca.NewInjector(problemBody)
	// A fresh nonce is fetched before a call's request whenever the client has none (after
	// every injected fault, which carries no Replay-Nonce): faults are for the call's
	// request, not for newNonce.
	s.Faults.SetExempt(func(r *http.Request) bool { return r.URL.Path == "/nonce-plz" })
	// The account's orders list pages by path with Link rel="next": paging faults play on
	// its pages only, not on the order reads between them.
	s.Faults.DeclarePaging(fakeca.Paging{PagePath: "/page/", NextHeader: "Link",
		Pages: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/list-orderz/") }})
	h = problemType(s.Faults.Wrap(h))
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	})
	l, err := listenFresh(loopback)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.acme = httptest.NewUnstartedServer(counted)
	_ = s.acme.Listener.Close()
	s.acme.Listener = l
	s.acme.StartTLS()
	s.DirectoryURL = s.acme.URL + "/dir"
	s.mgmt = httptest.NewTLSServer(front.ManagementHandler())
	roots, rootPEM, err := s.fetchRoot()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Roots, s.RootPEM = roots, rootPEM
	return s, nil
}

// usedPorts are the loopback ports the ACME servers of this process have listened on.
var usedPorts = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// listenFresh returns a listener from listen on a port no earlier Server of this process
// listened on, so that every Server has its own origin: acmez keeps each directory it
// reads for 12 hours in a cache of the process keyed by its URL, and a Server on the
// port of a closed one would be taken for it (its EAB requirement, its missing
// renewalInfo or orders list). The listeners on used ports are closed once a fresh one
// is found.
func listenFresh(listen func() (net.Listener, error)) (net.Listener, error) {
	usedPorts.Lock()
	defer usedPorts.Unlock()
	var used []net.Listener
	defer func() {
		for _, l := range used {
			_ = l.Close()
		}
	}()
	for len(used) < 1000 {
		l, err := listen()
		if err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		if !usedPorts.ports[port] {
			usedPorts.ports[port] = true
			return l, nil
		}
		used = append(used, l)
	}
	return nil, errors.New("acmetest: every loopback port offered was used before by this process")
}

// loopback listens on a loopback port the system picks.
func loopback() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// setEnv sets vars ("" unsets) and returns the function that puts the old values back.
func setEnv(vars map[string]string) func() {
	old := map[string]*string{}
	for k, v := range vars {
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		if v == "" {
			_ = os.Unsetenv(k)
		} else {
			_ = os.Setenv(k, v)
		}
	}
	return func() {
		for k, v := range old {
			if v == nil {
				_ = os.Unsetenv(k)
			} else {
				_ = os.Setenv(k, *v)
			}
		}
	}
}

func (s *Server) fetchRoot() (*x509.CertPool, []byte, error) {
	resp, err := s.mgmt.Client().Get(s.mgmt.URL + "/roots/0")
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, nil, errors.New("acmetest: Pebble's root is not PEM")
	}
	return pool, data, nil
}

// Client returns an http.Client that trusts the server's TLS certificate, for
// acme.Config.HTTPClient or anyca.Config.HTTPClient.
func (s *Server) Client() *http.Client { return s.acme.Client() }

// URL is the origin of the ACME server (https://127.0.0.1:port).
func (s *Server) URL() string { return s.acme.URL }

// TLSCertificatePEM is the ACME server's own TLS certificate, PEM: self-signed, it is
// the root a client outside the process (a CLI) must trust to reach DirectoryURL.
func (s *Server) TLSCertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.acme.Certificate().Raw})
}

// Requests returns how many requests the ACME server received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Close stops every listener. Pebble's validation goroutine stays (it never stops).
func (s *Server) Close() {
	s.closing.Do(func() {
		if s.acme != nil {
			s.acme.Close()
		}
		if s.mgmt != nil {
			s.mgmt.Close()
		}
		if s.http01 != nil {
			_ = s.http01.Close()
		}
		if s.dnsSrv != nil {
			_ = s.dnsSrv.Shutdown()
		}
	})
}

// Publish makes a challenge answerable: a dns-txt (or dns-account, dns-persist) record
// is added to the DNS server, an http-file is served by the HTTP-01 host. Other types
// are an error.
func (s *Server) Publish(ch model.Challenge) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ch.Type {
	case model.ChallengeDNSTXT, model.ChallengeDNSAccount, model.ChallengeDNSPersist:
		name := dns.Fqdn(strings.ToLower(ch.RecordName))
		s.txt[name] = append(s.txt[name], ch.RecordValue)
	case model.ChallengeHTTPFile:
		i := strings.Index(ch.URL, "/.well-known/")
		if i < 0 {
			return fmt.Errorf("acmetest: %q is not an http-01 URL", ch.URL)
		}
		s.files[ch.URL[i:]] = ch.Content
	default:
		return fmt.Errorf("acmetest: cannot publish a %s challenge", ch.Type)
	}
	return nil
}

// Unpublish removes every record and file.
func (s *Server) Unpublish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.txt)
	clear(s.files)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body, ok := s.files[r.URL.Path]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = io.WriteString(w, body)
}

func (s *Server) serveDNS(w dns.ResponseWriter, q *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(q)
	m.Authoritative = true
	for _, question := range q.Question {
		name := strings.ToLower(question.Name)
		switch question.Qtype {
		case dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0}, A: net.IPv4(127, 0, 0, 1)})
		case dns.TypeTXT:
			s.mu.Lock()
			for _, v := range s.txt[name] {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 0}, Txt: []string{v}})
			}
			s.mu.Unlock()
		}
	}
	_ = w.WriteMsg(m)
}

// directoryRewrite serves the directory also at /directory (the adapter's default path
// for a BaseURL given as an origin) and hides what Options hide.
type directoryRewrite struct {
	next            http.Handler
	noARI, noOrders bool
}

func (d *directoryRewrite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/directory" {
		r.URL.Path = "/dir"
	}
	if (r.URL.Path == "/dir" && d.noARI) || d.noOrders {
		rec := httptest.NewRecorder()
		d.next.ServeHTTP(rec, r)
		body := rec.Body.String()
		if r.URL.Path == "/dir" && d.noARI {
			body = removeMember(body, "renewalInfo")
		}
		if d.noOrders && (strings.HasPrefix(r.URL.Path, "/sign-me-up") || strings.HasPrefix(r.URL.Path, "/my-account/")) {
			body = removeMember(body, "orders")
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = io.WriteString(w, body)
		return
	}
	d.next.ServeHTTP(w, r)
}

// removeMember drops a top-level string member "name": "..." from a JSON object.
func removeMember(body, name string) string {
	i := strings.Index(body, `"`+name+`"`)
	if i < 0 {
		return body
	}
	j := strings.Index(body[i:], ",")
	k := strings.Index(body[i:], "\n}")
	switch {
	case j >= 0 && (k < 0 || j < k):
		return body[:i] + body[i+j+1:]
	case k >= 0:
		// the last member: drop it and the comma before it
		pre := strings.TrimRight(body[:i], " \n\t")
		pre = strings.TrimSuffix(pre, ",")
		return pre + body[i+k:]
	}
	return body
}

// oneAtATime serves one request at a time. Pebble v2.10.3's memory store is not safe
// for concurrent requests: GetOrdersByAccountID sets each order's status under that
// order's lock and holds every lock until it returns, while ListOrders reads the status
// without one (a data race), and an authorization read at the same time can deadlock
// with it. The fault injector stays in front, so a stalled answer holds no lock.
func oneAtATime(next http.Handler) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// problemType marks the injector's JSON error answers as ACME problem documents, as a
// real ACME server sends them.
func problemType(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&problemWriter{ResponseWriter: w}, r)
	})
}

type problemWriter struct{ http.ResponseWriter }

func (p *problemWriter) WriteHeader(code int) {
	ct := p.Header().Get("Content-Type")
	if code >= 400 && (ct == "" || strings.HasPrefix(ct, "application/json")) {
		p.Header().Set("Content-Type", "application/problem+json")
	}
	p.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (the Reset fault hijacks it).
func (p *problemWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// problemBody renders an injected 429 or 5xx as an ACME problem document.
func problemBody(status int, message string) []byte {
	typ := "serverInternal"
	if status == http.StatusTooManyRequests {
		typ = "rateLimited"
	}
	if message == "" {
		message = "injected fault"
	}
	b, _ := json.Marshal(map[string]any{"type": "urn:ietf:params:acme:error:" + typ, "detail": message, "status": status})
	return b
}

// DecodeEABKey returns EABHMACKey's bytes (for tests that sign an EAB themselves).
func DecodeEABKey() []byte {
	b, _ := base64.RawURLEncoding.DecodeString(EABHMACKey)
	return b
}

// countOrders notes every order Pebble makes (a 201 answer to newOrder), behind the
// fault injector: an order whose answer the injector then loses is counted too.
func (s *Server) countOrders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/order-plz" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if rec.Code == http.StatusCreated {
			var o struct {
				Identifiers []struct {
					Value string `json:"value"`
				} `json:"identifiers"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &o) == nil {
				names := make([]string, 0, len(o.Identifiers))
				for _, id := range o.Identifiers {
					names = append(names, strings.ToLower(id.Value))
				}
				sort.Strings(names)
				s.placedMu.Lock()
				s.placed[strings.Join(names, ",")]++
				s.orders = append(s.orders, rec.Header().Get("Location"))
				s.placedMu.Unlock()
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// OrdersPlaced returns how many orders Pebble made for each set of names (lower case,
// sorted, joined by ","), whatever happened to their answers afterwards.
func (s *Server) OrdersPlaced() map[string]int {
	s.placedMu.Lock()
	defer s.placedMu.Unlock()
	out := make(map[string]int, len(s.placed))
	for k, v := range s.placed {
		out[k] = v
	}
	return out
}
