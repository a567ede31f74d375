// Package memca is a tiny in-memory certificate authority and the anyca.Provider that
// talks to it, used to prove the conformance suite (providertest.Run) before, and
// independently of, the real adapters. A Server stands in for a CA account; a Provider
// built with New on a Config whose BaseURL is the server's URL reaches it.
//
// The provider behaves as the contract asks: the API key is checked on every request,
// listings are paged (one request per page) and lazy, faults injected with FailNext
// surface as the retry client would report them (429: ErrRateLimited with HTTPStatus
// and RetryAfter; 5xx and broken connections: ErrUnavailable), retries honour
// Config.Retry, and contexts are honoured everywhere.
//
// The CLI's tests (cmd/anyca) use it too, on the demo account with KeepIDs and
// NoLeaves, so that their golden files can name the account's own ids and fingerprints.
package memca

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/fakeca"
	"github.com/anyca/anyca/internal/secret"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Name is the provider name the tests register New under, and NameBasic the one they
// register NewBasic under.
const (
	Name      = "memory"
	NameBasic = "memory-basic"
)

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
	Faults             FaultBugs
}

// Server is an in-memory CA account. Its content is fixed when it is created.
type Server struct {
	// URL identifies the server; put it in anyca.Config.BaseURL.
	URL string
	// Name is the provider name the server's values and errors carry.
	Name string
	// APIKey is the only key the server accepts.
	APIKey string
	// Bugs is read by providers on every call; set it before using them.
	Bugs Bugs

	certs      []model.Certificate // sorted by ID
	certByID   map[string]int
	domains    []model.DomainValidation // sorted by Domain
	domainByN  map[string]int
	challenges map[string][]model.Challenge

	leaves   map[string]*fakeca.Leaf // issued certificates, for Download
	noLeaves bool                    // NoLeaves

	mu        sync.Mutex
	published map[string]bool // Publish
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

type options struct{ keepIDs, noLeaves bool }

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
		URL:        fmt.Sprintf("memory://ca-%d", n),
		Name:       name,
		APIKey:     fmt.Sprintf("memkey-%d-5f3c9a1e7b2d", n),
		certByID:   map[string]int{},
		domainByN:  map[string]int{},
		challenges: map[string][]model.Challenge{},
	}
	remap := map[string]string{}
	for i, c := range certs {
		id := fmt.Sprintf("mem-%04d", i+1)
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

// Certificates returns the seeded certificates as the provider reports them, by ID.
func (s *Server) Certificates() []model.Certificate {
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
	out := make(map[string][]model.Challenge, len(s.challenges))
	for id, chs := range s.challenges {
		out[id] = model.CloneChallenges(chs)
	}
	return out
}

// Provider is the anyca.Provider (and anyca.DomainLister) of a Server. It is not a
// BatchGetter: anyca.CertificatesByID falls back to concurrent lookups.
type Provider struct {
	name  string
	url   string
	key   secret.Key
	retry retry.Config
}

// String describes the provider without its key (unless Bugs.PrintsKey).
func (p *Provider) String() string {
	if p.bugs().PrintsKey {
		return p.name + " provider at " + p.url + " with key " + p.key.Reveal()
	}
	return p.name + " provider at " + p.url
}

// Format prints String under every verb.
func (p *Provider) Format(f fmt.State, verb rune) { secret.Write(f, verb, p.String()) }

// LogValue makes slog print String.
func (p *Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Defaults are the retry settings used for the zero fields of Config.Retry.
var Defaults = retry.Config{MaxAttempts: 3, MinWait: 100 * time.Millisecond, MaxWait: 2 * time.Second}

// New builds a Provider for the server at cfg.BaseURL; register it with
// anyca.Register(memca.Name, memca.New).
func New(_ context.Context, cfg anyca.Config) (anyca.Provider, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%s: no API key", Name)
	}
	v, ok := servers.Load(cfg.BaseURL)
	if !ok {
		return nil, fmt.Errorf("%s: no server at %q", Name, cfg.BaseURL)
	}
	r := cfg.Retry.WithDefaults(Defaults)
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	if r.MaxAttempts < 1 {
		r.MaxAttempts = 1
	}
	if r.MinWait > r.MaxWait {
		r.MinWait = r.MaxWait
	}
	return &Provider{name: v.(*Server).Name, url: cfg.BaseURL, key: secret.New(cfg.APIKey), retry: r}, nil
}

// NewBasic is New without the optional capabilities: the provider it returns is not an
// anyca.DomainLister, so anyca.Domains reports model.ErrUnsupported.
func NewBasic(ctx context.Context, cfg anyca.Config) (anyca.Provider, error) {
	p, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return basic{p.(*Provider)}, nil
}

// basic forwards the methods of anyca.Provider only.
type basic struct{ p *Provider }

func (b basic) Name() string { return b.p.Name() }
func (b basic) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	return b.p.Certificate(ctx, id)
}
func (b basic) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return b.p.Certificates(ctx, q)
}
func (b basic) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	return b.p.DomainValidation(ctx, domain)
}
func (b basic) Challenges(ctx context.Context, id string) ([]model.Challenge, error) {
	return b.p.Challenges(ctx, id)
}

var (
	_ anyca.Provider     = (*Provider)(nil)
	_ anyca.DomainLister = (*Provider)(nil)
)

func (p *Provider) bugs() Bugs {
	if v, ok := servers.Load(p.url); ok {
		return v.(*Server).Bugs
	}
	return Bugs{}
}

// Name returns the name of the provider's server.
func (p *Provider) Name() string { return p.name }

func (p *Provider) errorf(op string, kind error, format string, args ...any) *model.Error {
	return model.NewError(p.name, op, kind, format, args...)
}

// call makes one request to the server, with retries, and returns the server or the
// error of the last attempt.
func (p *Provider) call(ctx context.Context, op string) (*Server, error) {
	s, _, err := p.callCounted(ctx, op)
	return s, err
}

// callCounted is call that also returns how many attempts it made.
func (p *Provider) callCounted(ctx context.Context, op string) (*Server, int, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, attempt, &model.Error{Provider: p.name, Op: op, Kind: err, Err: err}
		}
		v, ok := servers.Load(p.url)
		if !ok {
			return nil, attempt, p.errorf(op, model.ErrUnavailable, "the server is closed")
		}
		s := v.(*Server)
		if err := p.wait(ctx, s, op); err != nil {
			return nil, attempt, err
		}
		e := s.serve(ctx, p.key.Reveal())
		if e == nil {
			return s, attempt, nil
		}
		if e == errForeignAsEmpty {
			return nil, attempt, e
		}
		e.Provider, e.Op = p.name, op
		// A foreign or broken document, a refused redirect and a body over the cap
		// are complete answers: never retried.
		final := e.Code == "unexpected_document" || e.Code == "invalid_document" || e.Code == "redirect_refused" || e.Code == "body_too_large"
		retryable := (e.Kind == model.ErrRateLimited || e.Kind == model.ErrUnavailable) && !final
		if !retryable || attempt >= p.retry.MaxAttempts {
			return nil, attempt, e
		}
		wait := p.retry.MinWait << (attempt - 1)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		wait = min(wait, p.retry.MaxWait)
		if !s.retryWait(ctx, wait) {
			return nil, attempt, &model.Error{Provider: p.name, Op: op, Kind: ctx.Err(), HTTPStatus: e.HTTPStatus, Err: ctx.Err()}
		}
	}
}

// wait waits on Config.Retry.Limiter before a request, reporting its errors as the
// retry client does.
func (p *Provider) wait(ctx context.Context, s *Server, op string) error {
	if p.retry.Limiter == nil || s.Bugs.IgnoreLimiter {
		return nil
	}
	waitCtx := ctx
	if s.Bugs.Faults.LimiterIgnoresCancel {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(context.Background(), 3*time.Second) // the bug
		defer cancel()
	}
	err := p.retry.Limiter.Wait(waitCtx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return &model.Error{Provider: p.name, Op: op, Kind: ctx.Err(), Err: ctx.Err()}
	case errors.Is(err, context.DeadlineExceeded):
		return &model.Error{Provider: p.name, Op: op, Kind: context.DeadlineExceeded, Err: err}
	}
	return &model.Error{Provider: p.name, Op: op, Kind: model.ErrUnavailable, Err: fmt.Errorf("%w: %w", retry.ErrLimiterFailed, err)}
}

// callFor makes the request op about the certificate with id and returns the server and
// the certificate's index, or ErrNotFound (HTTP 404) when the server has no such id.
func (p *Provider) callFor(ctx context.Context, op, id string) (*Server, int, error) {
	s, err := p.call(ctx, op)
	if err != nil {
		return nil, 0, err
	}
	i, ok := s.certByID[id]
	if !ok {
		e := p.errorf(op, model.ErrNotFound, "no certificate with this id")
		e.HTTPStatus = 404
		return nil, 0, e
	}
	return s, i, nil
}

// Certificate returns the certificate with id.
func (p *Provider) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	s, i, err := p.callFor(ctx, "Certificate", id)
	if err != nil {
		return nil, err
	}
	c := s.present(s.certs[i])
	return &c, nil
}

// present returns what the server sends for c.
func (s *Server) present(c model.Certificate) model.Certificate {
	c = c.Clone()
	if s.takeCorrupt() {
		c.CommonName = "corrupt." + c.CommonName // the bug: a wrong-typed field read as another value
	}
	if s.Bugs.WrongTimeZone {
		z := time.FixedZone("X", 3600)
		c.CreatedAt, c.NotBefore, c.NotAfter = c.CreatedAt.In(z), c.NotBefore.In(z), c.NotAfter.In(z)
	}
	return c
}

func pageSize(n int) int {
	if n <= 0 {
		return DefaultPageSize
	}
	return min(n, 1000)
}

// Certificates lists the certificates matching q, one request per page.
func (p *Provider) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		for _, st := range q.Status {
			if !st.Valid() {
				yield(nil, p.errorf("Certificates", model.ErrInvalidArgument, "unknown status %q", st))
				return
			}
		}
		search := strings.ToLower(strings.TrimSpace(q.Search))
		size := pageSize(q.PageSize)
		for page := 0; ; page++ {
			s, attempts, err := p.callCounted(ctx, "Certificates")
			if err == error(errForeignAsEmpty) {
				return // the bug: a foreign document reads as the end of the listing
			}
			if err != nil {
				yield(nil, err)
				return
			}
			items, more := s.certPage(q.Status, search, page, size)
			if s.Bugs.Faults.ReplayAfterRetry && attempts > 1 && page > 0 {
				prev, _ := s.certPage(q.Status, search, page-1, size)
				items = append(prev[len(prev)-1:], items...) // the bug: a retried page starts one item early
			}
			stop := false
			for _, c := range items {
				if !yield(&c, nil) {
					stop = true
					break
				}
			}
			if stop && s.Bugs.Faults.LeakOnBreak {
				go func() { time.Sleep(time.Minute) }() // the bug: a prefetcher nobody stops
			}
			if stop && more && s.Bugs.PrefetchAfterBreak {
				_, _ = p.call(ctx, "Certificates") // the bug: fetch ahead even though the caller is gone
			}
			if stop || !more {
				return
			}
		}
	}
}

func (s *Server) certPage(statuses []model.CertificateStatus, search string, page, size int) ([]model.Certificate, bool) {
	var match []model.Certificate
	for _, c := range s.certs {
		if len(statuses) > 0 && !slices.Contains(statuses, c.Status) && !s.Bugs.IgnoreStatusFilter {
			continue
		}
		if search != "" && !slices.ContainsFunc(c.DNSNames, func(n string) bool { return strings.Contains(n, search) }) {
			continue
		}
		match = append(match, c)
	}
	start := min(page*size, len(match))
	end := min(start+size, len(match))
	var out []model.Certificate
	for _, c := range match[start:end] {
		out = append(out, s.present(c))
	}
	if s.Bugs.DuplicateInListing && len(out) > 0 {
		out = append(out, out[0])
	}
	return out, end < len(match)
}

// DomainValidation returns the validation of domain, normalized first.
func (p *Provider) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	name, err := model.NormalizeDomain(domain)
	if p.bugs().NoNormalize {
		name, err = domain, nil
	}
	if err != nil {
		e := p.errorf("DomainValidation", model.ErrInvalidArgument, "%s", strings.TrimPrefix(err.Error(), model.ErrInvalidArgument.Error()+": "))
		return nil, e
	}
	s, err := p.call(ctx, "DomainValidation")
	if err != nil {
		return nil, err
	}
	i, ok := s.domainByN[name]
	if !ok {
		e := p.errorf("DomainValidation", model.ErrNotFound, "no domain %q in the account", name)
		e.HTTPStatus = 404
		return nil, e
	}
	d := s.domains[i].Clone()
	if s.Bugs.DomainIDNotID {
		d.DomainID = "record-" + d.ID
	}
	return &d, nil
}

// Challenges returns what to publish for the certificate with id.
func (p *Provider) Challenges(ctx context.Context, certificateID string) ([]model.Challenge, error) {
	s, _, err := p.callFor(ctx, "Challenges", certificateID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return model.CloneChallenges(s.challenges[certificateID]), nil
}

// Domains lists the account's domains matching q, one request per page.
func (p *Provider) Domains(ctx context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	return func(yield func(*model.DomainValidation, error) bool) {
		search := strings.ToLower(strings.TrimSpace(q.Search))
		size := pageSize(q.PageSize)
		for page := 0; ; page++ {
			s, err := p.call(ctx, "Domains")
			if err != nil {
				yield(nil, err)
				return
			}
			var match []model.DomainValidation
			for _, d := range s.domains {
				if search == "" || strings.Contains(d.Domain, search) {
					match = append(match, d)
				}
			}
			start := min(page*size, len(match))
			end := min(start+size, len(match))
			for _, d := range match[start:end] {
				d = d.Clone()
				if !yield(&d, nil) {
					return
				}
			}
			if end >= len(match) {
				return
			}
		}
	}
}
