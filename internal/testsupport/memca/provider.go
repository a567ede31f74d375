package memca

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// The provider side: the anyca.Provider a Server answers through, every call going through
// the key check, the limiter, the fault injection and the request count of call.

// Provider is the anyca.Provider (and anyca.DomainLister) of a Server. It is not a
// BatchGetter: anyca.CertificatesByID falls back to concurrent lookups.
type Provider struct {
	name  string
	url   string
	key   secret.Key
	retry retry.Config
	// timeout is Config.HTTPClient's Timeout: how long a request waits for a stalled
	// answer (0: as long as its context lets it).
	timeout time.Duration
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
	base := strings.TrimSuffix(wire.WithDefaultPath(cfg.BaseURL, APIPath), "/")
	if v, ok := servers.Load(strings.TrimSuffix(cfg.BaseURL, "/") + APIPath); ok && v.(*Server).Bugs.OriginNotCompleted {
		base = cfg.BaseURL // the bug: the origin is taken as the whole address
	}
	v, ok := servers.Load(base)
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
	var timeout time.Duration
	if cfg.HTTPClient != nil {
		timeout = cfg.HTTPClient.Timeout
	}
	return &Provider{name: v.(*Server).Name, url: base, key: secret.New(cfg.APIKey), retry: r, timeout: timeout}, nil
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

// idOrigin is the origin of the ids of the provider's server when they are URLs, else nil.
func (p *Provider) idOrigin() *url.URL {
	v, ok := servers.Load(p.url)
	if !ok || v.(*Server).IDOrigin == "" {
		return nil
	}
	u, err := url.Parse(v.(*Server).IDOrigin)
	if err != nil {
		return nil
	}
	return u
}

// Name returns the name of the provider's server.
func (p *Provider) Name() string { return p.name }

func (p *Provider) errorf(op string, kind error, format string, args ...any) *model.Error {
	return model.NewError(p.name, op, kind, format, args...)
}

// call makes one request to the server, with retries, and returns the server or the
// error of the last attempt.
func (p *Provider) call(ctx context.Context, op string) (*Server, error) {
	a, err := p.callCounted(ctx, op)
	return a.server, err
}

// answer is what a request that succeeded got: the server, how many attempts it took,
// and the paging fault its last attempt met (Kind 0 when none), for a listing to play.
type answer struct {
	server   *Server
	attempts int
	page     fakeca.Fault
}

// callCounted is call that also returns how many attempts it made and the paging fault
// the answer carries.
func (p *Provider) callCounted(ctx context.Context, op string) (answer, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return answer{}, &model.Error{Provider: p.name, Op: op, Kind: err, Err: err}
		}
		v, ok := servers.Load(p.url)
		if !ok {
			return answer{}, p.errorf(op, model.ErrUnavailable, "the server is closed")
		}
		s := v.(*Server)
		if err := p.wait(ctx, s, op); err != nil {
			return answer{}, err
		}
		page, e := s.serve(ctx, p.key.Reveal())
		if e == nil {
			return answer{server: s, attempts: attempt, page: page}, nil
		}
		if e == errForeignAsEmpty {
			return answer{}, e
		}
		e.Provider, e.Op = p.name, op
		// A foreign or broken document, a refused redirect and a body over the cap
		// are complete answers: never retried.
		final := e.Code == "unexpected_document" || e.Code == "invalid_document" || e.Code == "redirect_refused" ||
			e.Code == "body_too_large" || e.Code == wire.NotVendor404Code
		retryable := (e.Kind == model.ErrRateLimited || e.Kind == model.ErrUnavailable) && !final
		if !retryable || attempt >= p.retry.MaxAttempts {
			return answer{}, e
		}
		wait := p.retry.MinWait << (attempt - 1)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		wait = min(wait, p.retry.MaxWait)
		if !s.retryWait(ctx, wait) {
			return answer{}, &model.Error{Provider: p.name, Op: op, Kind: ctx.Err(), HTTPStatus: e.HTTPStatus, Err: ctx.Err()}
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
// a copy of the certificate, or ErrNotFound (HTTP 404) when the server has no such id.
// An id that can never be an id (wire.CheckID; model.CheckURLID on a server with URL
// ids) is ErrInvalidArgument before any request, and on a server with URL ids one not
// on its origin is ErrNotFound before any request; any other is looked up as it is:
// ids are opaque.
func (p *Provider) callFor(ctx context.Context, op, id string) (*Server, model.Certificate, error) {
	bugs := p.bugs()
	if origin := p.idOrigin(); origin != nil {
		_, err := model.CheckURLID(id, origin)
		switch {
		case errors.Is(err, model.ErrBadID) && !bugs.SendsPathIDs:
			return nil, model.Certificate{}, p.errorf(op, model.ErrInvalidArgument, "certificate id: %v", err)
		case errors.Is(err, model.ErrForeignURL) && !bugs.SendsForeignURLs:
			return nil, model.Certificate{}, p.errorf(op, model.ErrNotFound, "certificate id: %v", err)
		}
	} else if err := wire.CheckID(id); err != nil && !bugs.SendsPathIDs {
		return nil, model.Certificate{}, p.errorf(op, model.ErrInvalidArgument, "certificate id: %v", err)
	}
	if bugs.ShapedIDs && !wire.AlnumID(id, 1, 64) {
		return nil, model.Certificate{}, p.errorf(op, model.ErrInvalidArgument, "certificate id: letters and digits only")
	}
	s, err := p.call(ctx, op)
	if err != nil {
		return nil, model.Certificate{}, err
	}
	c, ok := s.lookup(id)
	if !ok {
		e := p.errorf(op, model.ErrNotFound, "no certificate with this id")
		e.HTTPStatus = 404
		return nil, model.Certificate{}, e
	}
	return s, c, nil
}

// Certificate returns the certificate with id.
func (p *Provider) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	s, c, err := p.callFor(ctx, "Certificate", id)
	if err != nil {
		return nil, err
	}
	c = s.present(c)
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
