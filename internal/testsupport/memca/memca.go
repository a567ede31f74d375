// Package memca is a tiny in-memory certificate authority and the anyca.Provider that
// talks to it, used to prove the conformance suite (providertest.Run) before, and
// independently of, the real adapters. A Server stands in for a CA account; a Provider
// built with New on a Config whose BaseURL is the server's URL reaches it.
//
// The provider behaves as the contract asks: the API key is checked on every request,
// listings are paged (one request per page) and lazy, with the guarantees of
// package pager against a server that pages wrongly (paging.go; the paging faults of
// fakeca are played on the page), faults injected with FailNext
// surface as the retry client would report them (429: ErrRateLimited with HTTPStatus
// and RetryAfter; 5xx and broken connections: ErrUnavailable), retries honour
// Config.Retry, and contexts are honoured everywhere.
//
// The CLI's tests (cmd/anyca) use it too, on the demo account with KeepIDs and
// NoLeaves, so that their golden files can name the account's own ids and fingerprints.
package memca

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Name is the provider name the tests register New under, and NameBasic the one they
// register NewBasic under.
const (
	Name      = "memory"
	NameBasic = "memory-basic"
)

// APIPath is the path of every Server's URL: a BaseURL that is only the origin
// ("memory://ca-1") is completed with it, as the HTTP adapters complete theirs.
const APIPath = "/v1"

// DefaultPageSize is the page size of a listing whose query sets none.
const DefaultPageSize = 100

// Bugs make a Server misbehave on purpose, to show that the suite's checks catch it.
type Bugs struct {
	DuplicateInListing bool // the first certificate of every page is sent twice
	PrefetchAfterBreak bool // a listing whose caller broke out of the loop still requests the next page
	WrongTimeZone      bool // certificate times are returned in a non-UTC zone
	KeyInErrors        bool // an unauthenticated error quotes the key it was sent
	NoNormalize        bool // DomainValidation sends the name as given, without checking it
	IgnoreStatusFilter bool // listings ignore CertificateQuery.Status
	Loop               LoopBugs
	IgnoreLimiter      bool // requests do not wait on Config.Retry.Limiter
	PrintsKey          bool // the Provider prints its key under fmt and slog
	ForeignAsEmpty     bool // a foreign document reads as an empty listing, not an error
	DomainIDNotID      bool // DomainValidation's ID differs from its DomainID
	// Foreign404AsNotFound: a 404 page that is not the CA's reads as "no such object"
	// (ErrNotFound) rather than a missing endpoint.
	Foreign404AsNotFound bool
	// RouteAsNotFound: the CA's own "no such route" answer (a wrong BaseURL path) reads
	// as "no such object" (ErrNotFound) rather than a missing endpoint.
	RouteAsNotFound    bool
	OriginNotCompleted bool // a BaseURL given as an origin is not completed with APIPath
	RawVendorText      bool // the CA's error text goes into the error as sent, control characters and all
	// CutBeforeRedact: a CA value quoted in an error is cut at 40 bytes before the key
	// is redacted, so a key behind other text is left partly visible.
	CutBeforeRedact bool
	ShapedIDs       bool // ids that are not all letters and digits are refused, though ids are opaque
	SendsPathIDs    bool // an id holding '/', ".." or a control character is sent to the CA
	// SendsForeignURLs: on a server with URLIDs, an id that is not a URL on the server's
	// origin is still sent (as a signed ACME request to another host would be).
	SendsForeignURLs bool
	Faults           FaultBugs
	Paging           PagingBugs
	Lifecycle        LifecycleBugs
}

// Server is an in-memory CA account, seeded when it is created; orders, revocations
// and cancellations (lifecycle.go) change it.
type Server struct {
	// URL identifies the server; put it in anyca.Config.BaseURL.
	URL string
	// Name is the provider name the server's values and errors carry.
	Name string
	// APIKey is the only key the server accepts.
	APIKey string
	// Bugs is read by providers on every call; set it before using them.
	Bugs Bugs
	// FinalRefusal makes a refused DCV check final, as in ACME: Verify leaves a failed
	// challenge failed, with its Problem, even once its domain is published. Set it
	// before using the server.
	FinalRefusal bool
	// IDOrigin is the origin of the certificate ids of a server made with URLIDs, "" for
	// opaque ids.
	IDOrigin string

	certs      []model.Certificate // sorted by ID; guarded by mu once the server is running
	certByID   map[string]int
	domains    []model.DomainValidation // sorted by Domain
	domainByN  map[string]int
	challenges map[string][]model.Challenge

	leaves   map[string]*fakeca.Leaf // issued certificates, for Download
	noLeaves bool                    // NoLeaves

	mu        sync.Mutex        // guards certs, certByID, challenges, leaves, orders and what follows
	orders    map[string]*order // certificates made by Order, by ID
	placed    map[string]int    // orders made, by sorted names joined by ","
	published map[string]bool   // Publish
	queue     []fakeca.Fault
	requests  atomic.Int64
	chaos     chaos
}

var (
	servers sync.Map // URL -> *Server
	seq     atomic.Int64
)

// Option changes how NewServer seeds a server.
type Option func(*options)

type options struct{ keepIDs, noLeaves, urlIDs bool }

// URLIDs makes the server's certificate ids URLs on its own origin (IDOrigin), as ACME
// names an order by its URL: "https://ca-1.memory.invalid/order/mem-0001".
func URLIDs() Option { return func(o *options) { o.urlIDs = true } }

// KeepIDs keeps the ids the seeded certificates carry (those without one still get
// "mem-0001"...), for tests whose expected output names an account's own ids. The ids
// must be unique.
func KeepIDs() Option { return func(o *options) { o.keepIDs = true } }

// NoLeaves issues no leaf for the seeded certificates, so their serials and
// fingerprints stay as seeded (a leaf's fingerprint differs from run to run), for tests
// whose expected output shows them; Download then fails with ErrUnavailable.
func NoLeaves() Option { return func(o *options) { o.noLeaves = true } }

// NewServer creates a server for the provider called name, seeded with certs, domains
// and the challenges of certs (keyed by the ids in certs). Certificates get ids "mem-0001"... in the given order,
// (unless KeepIDs is given), and ReplacesID and challenge keys that name a seeded
// certificate's id are remapped.
// Names are normalized, Provider is set, and an empty VendorStatus becomes the status
// word. Close removes the server.
func NewServer(name string, certs []model.Certificate, domains []model.DomainValidation, challenges map[string][]model.Challenge, opts ...Option) *Server {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	n := seq.Add(1)
	s := &Server{
		URL:        fmt.Sprintf("memory://ca-%d%s", n, APIPath),
		Name:       name,
		APIKey:     fmt.Sprintf("memkey-%d-5f3c9a1e7b2d", n),
		certByID:   map[string]int{},
		domainByN:  map[string]int{},
		challenges: map[string][]model.Challenge{},
	}
	if o.urlIDs {
		s.IDOrigin = fmt.Sprintf("https://ca-%d.memory.invalid", n)
	}
	remap := map[string]string{}
	for i, c := range certs {
		id := s.certID(i + 1)
		if o.keepIDs && c.ID != "" {
			id = c.ID
		}
		if c.ID != "" {
			remap[c.ID] = id
		}
		c.ID, c.Provider = id, name
		if cn, err := model.NormalizeDomain(c.CommonName); err == nil {
			c.CommonName = cn
		}
		c.DNSNames = model.NormalizeDomains(append([]string{c.CommonName}, c.DNSNames...))
		if c.VendorStatus == "" {
			c.VendorStatus = string(c.Status)
		}
		c.SerialNumber, c.FingerprintSHA1 = model.NormalizeHex(c.SerialNumber), model.NormalizeHex(c.FingerprintSHA1)
		s.certs = append(s.certs, c)
	}
	for i := range s.certs {
		if r, ok := remap[s.certs[i].ReplacesID]; ok {
			s.certs[i].ReplacesID = r
		}
	}
	sort.Slice(s.certs, func(i, j int) bool { return s.certs[i].ID < s.certs[j].ID })
	for i, c := range s.certs {
		s.certByID[c.ID] = i
		s.challenges[c.ID] = nil
	}
	for id, chs := range challenges {
		if r, ok := remap[id]; ok {
			id = r
		}
		if _, ok := s.certByID[id]; !ok {
			continue
		}
		s.challenges[id] = normalizeChallenges(chs)
	}
	for i, d := range domains {
		dn, err := model.NormalizeDomain(d.Domain)
		if err != nil {
			continue
		}
		if _, dup := s.domainByN[dn]; dup {
			continue
		}
		d.Domain, d.Provider = dn, name
		if d.ID == "" {
			d.ID = fmt.Sprintf("dom-%04d", i+1)
		}
		if d.DomainID == "" && d.CertificateID == "" {
			d.DomainID = d.ID // the memory CA keeps a record per domain
		}
		d.Challenges = normalizeChallenges(d.Challenges)
		for j := range d.Challenges {
			d.Challenges[j].Domain = dn
		}
		s.domainByN[dn] = len(s.domains)
		s.domains = append(s.domains, d)
	}
	sort.Slice(s.domains, func(i, j int) bool { return s.domains[i].Domain < s.domains[j].Domain })
	for i, d := range s.domains {
		s.domainByN[d.Domain] = i
	}
	s.noLeaves = o.noLeaves
	if !s.noLeaves {
		s.issueLeaves()
	}
	servers.Store(s.URL, s)
	return s
}

func normalizeChallenges(chs []model.Challenge) []model.Challenge {
	var out []model.Challenge
	for _, ch := range chs {
		if d, err := model.NormalizeDomain(ch.Domain); err == nil {
			ch.Domain = d
		}
		out = append(out, ch.Clone())
	}
	return out
}

// Close removes the server: providers built on it fail with ErrUnavailable from then on.
func (s *Server) Close() { servers.Delete(s.URL) }

// FailNext makes the next n requests misbehave with f.
func (s *Server) FailNext(n int, f fakeca.Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.queue = append(s.queue, f)
	}
}

// Requests returns how many requests the server received, faulty ones included.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Certificates returns the server's certificates as the provider reports them, by ID:
// the seeded ones, and those ordered since.
func (s *Server) Certificates() []model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]model.Certificate, len(s.certs))
	for i, c := range s.certs {
		out[i] = c.Clone()
	}
	return out
}

// Domains returns the seeded domains as the provider reports them, by name.
func (s *Server) Domains() []model.DomainValidation {
	out := make([]model.DomainValidation, len(s.domains))
	for i, d := range s.domains {
		out[i] = d.Clone()
	}
	return out
}

// Challenges returns, for every certificate id, what Provider.Challenges reports.
func (s *Server) Challenges() map[string][]model.Challenge {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]model.Challenge, len(s.challenges))
	for id, chs := range s.challenges {
		out[id] = model.CloneChallenges(chs)
	}
	return out
}

// lookup returns a copy of the certificate with id.
// certID is the id of the server's n-th certificate: "mem-0001", or on a server with
// URLIDs that name as an order URL on IDOrigin.
func (s *Server) certID(n int) string {
	if s.IDOrigin != "" {
		return fmt.Sprintf("%s/order/mem-%04d", s.IDOrigin, n)
	}
	return fmt.Sprintf("mem-%04d", n)
}

func (s *Server) lookup(id string) (model.Certificate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.certByID[id]
	if !ok {
		return model.Certificate{}, false
	}
	return s.certs[i].Clone(), true
}
