// Package exporter serves the inventory of many CA accounts as Prometheus metrics.
//
// Each account is refreshed in the background on its own interval, chosen so that
// refreshing takes a small share of the account's client-side rate limit. Scrapes read
// the last complete refresh from a snapshot swapped atomically; a scrape never causes a
// CA request and never sees a refresh half done.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// DefaultInterval is the shortest time between two refreshes of an account unless
// Options says otherwise.
const DefaultInterval = 5 * time.Minute

// rateShare is the share of an account's client-side rate limit refreshes may use on
// average; the rest is left to other users of the account's key.
const rateShare = 0.1

// defaultRequestsPerSecond is about the built-in adapters' default client-side limit
// (ZeroSSL 5/s; DigiCert's windows allow 5.56/s over a long run), used when an
// account's config sets no limit of its own or sets a Limiter whose rate only it knows.
const defaultRequestsPerSecond = 5

// Options tunes an Exporter.
type Options struct {
	// Interval is the shortest time between two refreshes of one account; 0 means
	// DefaultInterval. An account whose refresh needs many requests waits longer.
	Interval time.Duration
	// Logger receives one line per failed refresh; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RefreshTimeout bounds one refresh of one account, every request and wait of it
	// included; 0 means the account's interval (Interval, or longer for an account whose
	// refresh needs many requests), so a refresh ends before the next is due. A refresh
	// that runs out of time counts as failed (anyca_refresh_success 0) and keeps the
	// last complete listing.
	RefreshTimeout time.Duration
	// AfterCertificates, when set, is called during each refresh of an account between
	// listing its certificates and listing its domains. Tests use it to hold a refresh
	// mid-way.
	AfterCertificates func(account string)
}

// Exporter holds the accounts, their last refresh, and the metrics describing them.
// It is a prometheus.Collector over its snapshot.
type Exporter struct {
	opt      Options
	accounts []*account

	mu   sync.Mutex // serializes publishing; readers load snap without it
	snap atomic.Pointer[snapshot]
}

// account is one CA account the exporter refreshes.
type account struct {
	name, provider string
	fleet          *anyca.Fleet // of this account only
	counter        *requestCounter
	rps            float64 // client-side limit, requests per second; <= 0: none
	refreshing     sync.Mutex
}

// New builds a provider per account, each with an HTTP client whose transport counts
// the CA requests and 429 answers. No request is made until Refresh or Run. An account
// whose config anyca.New refuses is an *anyca.AccountError naming it (kind
// model.ErrInvalidArgument).
func New(ctx context.Context, accounts []anyca.Account, opt Options) (*Exporter, error) {
	if opt.Interval <= 0 {
		opt.Interval = DefaultInterval
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Exporter{opt: opt}
	e.snap.Store(&snapshot{accounts: map[string]*accountState{}})
	for _, acct := range accounts {
		c := &requestCounter{}
		cfg := acct.Config
		cfg.HTTPClient = countingClient(cfg.HTTPClient, c)
		p, err := anyca.New(ctx, cfg)
		if err != nil {
			return nil, &anyca.AccountError{Account: acct.Name, Provider: cfg.Provider, Err: err}
		}
		f, err := anyca.FleetOf(map[string]anyca.Provider{acct.Name: p}, anyca.FleetOptions{})
		if err != nil {
			return nil, err
		}
		rps := cfg.Retry.SustainedRate() // the account's own bucket or rolling windows
		if rps == 0 {
			rps = defaultRequestsPerSecond
		}
		e.accounts = append(e.accounts, &account{name: acct.Name, provider: p.Name(), fleet: f, counter: c, rps: rps})
	}
	if len(e.accounts) == 0 {
		return nil, model.NewError("anyca", "exporter", model.ErrInvalidArgument, "no accounts to export")
	}
	return e, nil
}

// Handler serves the metrics in the Prometheus exposition formats, from a registry of
// this exporter alone (no process or Go runtime metrics).
func (e *Exporter) Handler() (http.Handler, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(e); err != nil {
		return nil, fmt.Errorf("exporter: %w", err)
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}), nil
}

// Refresh refreshes every account once, concurrently, and returns when all are done.
// Each account's result is published as soon as it is complete.
func (e *Exporter) Refresh(ctx context.Context) {
	e.eachAccount(func(acct *account) { e.refresh(ctx, acct) })
}

// Run refreshes each account at once, then again after each account's interval, until
// ctx ends.
func (e *Exporter) Run(ctx context.Context) {
	e.eachAccount(func(acct *account) {
		for {
			e.refresh(ctx, acct)
			if retry.Sleep(ctx, e.interval(acct)) != nil {
				return
			}
		}
	})
}

// eachAccount runs do for every account, each in its own goroutine, and returns when
// all have returned.
func (e *Exporter) eachAccount(do func(*account)) {
	var wg sync.WaitGroup
	for _, acct := range e.accounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do(acct)
		}()
	}
	wg.Wait()
}

// interval is how long acct waits before its next refresh.
func (e *Exporter) interval(acct *account) time.Duration {
	var requests uint64
	if st := e.snap.Load().accounts[acct.name]; st != nil {
		requests = st.lastRequests
	}
	return refreshInterval(e.opt.Interval, requests, acct.rps)
}

// refreshInterval is base, or longer when a refresh of requests requests would use
// more than rateShare of a limit of rps requests per second.
func refreshInterval(base time.Duration, requests uint64, rps float64) time.Duration {
	if rps <= 0 || requests == 0 {
		return base
	}
	need := time.Duration(math.Ceil(float64(requests)/(rps*rateShare))) * time.Second
	return max(base, need)
}

// refresh lists acct's certificates and domains, within RefreshTimeout, and publishes
// the result. A failure (a wedged CA that runs out the time included) keeps the
// previous listing and records the failure.
func (e *Exporter) refresh(ctx context.Context, acct *account) {
	acct.refreshing.Lock() // Refresh and Run may overlap; one refresh per account at a time
	defer acct.refreshing.Unlock()
	limit := e.opt.RefreshTimeout
	if limit <= 0 {
		limit = e.interval(acct)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := e.opt.Now()
	before := acct.counter.requests.Load()
	certs := acct.fleet.Certificates(ctx, model.CertificateQuery{})
	err := certs.Err()
	var doms *anyca.FleetResult[*model.DomainValidation]
	if err == nil {
		if e.opt.AfterCertificates != nil {
			e.opt.AfterCertificates(acct.name)
		}
		doms = acct.fleet.Domains(ctx, model.DomainQuery{})
		if derr := doms.Err(); derr != nil && !errors.Is(derr, model.ErrUnsupported) {
			err = derr
		}
	}
	var windows map[string]*model.RenewalWindow
	var renewed map[string]bool
	if err == nil {
		windows, renewed = e.renewals(ctx, acct, certs.Items)
	}
	end := e.opt.Now()

	e.mu.Lock()
	defer e.mu.Unlock()
	prev := e.snap.Load()
	st := &accountState{success: err == nil, finished: end, duration: end.Sub(start),
		lastRequests: acct.counter.requests.Load() - before}
	if old := prev.accounts[acct.name]; old != nil {
		st.certs, st.domains, st.listed, st.lastSuccess = old.certs, old.domains, old.listed, old.lastSuccess
		st.windows, st.renewed = old.windows, old.renewed
	}
	if err == nil {
		st.certs, st.domains, st.listed, st.lastSuccess = certs.Items, doms.Items, true, end
		st.windows, st.renewed = windows, renewed
	} else {
		e.opt.Logger.Warn("anyca exporter: refresh failed", "account", acct.name, "provider", acct.provider, "error", accountCause(err).Error())
	}
	e.snap.Store(prev.with(acct.name, st))
}

// accountCause is the provider's error inside a fleet's error about one account: the log
// line names the account and provider in fields of their own.
func accountCause(err error) error {
	var ae *anyca.AccountError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err
}

// renewals returns the renewal window of each issued certificate of certs
// (anyca.RenewalWindow: a request per certificate only for a CA that advises), and which
// issued certificates are renewed (see renewedIn). A window that cannot be read is left
// out, and logged.
func (e *Exporter) renewals(ctx context.Context, acct *account, certs []*model.Certificate) (map[string]*model.RenewalWindow, map[string]bool) {
	windows := map[string]*model.RenewalWindow{}
	p, ok := acct.fleet.Provider(acct.name)
	for _, c := range certs {
		if c.Status != model.StatusIssued || !ok {
			continue
		}
		w, err := anyca.RenewalWindow(ctx, p, c)
		if err != nil {
			e.opt.Logger.Warn("anyca exporter: no renewal window", "account", acct.name, "id", c.ID, "error", err.Error())
			continue
		}
		windows[c.ID] = w
	}
	return windows, renewedIn(certs)
}

// renewedIn returns the IDs of the issued certificates of certs that a renewal in certs
// takes over: a pending, draft or issued certificate that names it in ReplacesID, or
// that has exactly its names and was created after it (CAs such as DigiCert do not
// link an order to its renewal in their listings).
func renewedIn(certs []*model.Certificate) map[string]bool {
	live := func(c *model.Certificate) bool {
		return c.Status == model.StatusPending || c.Status == model.StatusDraft || c.Status == model.StatusIssued
	}
	renewed := map[string]bool{}
	byNames := map[string][]*model.Certificate{}
	for _, c := range certs {
		if live(c) && c.ReplacesID != "" {
			renewed[c.ReplacesID] = true
		}
		names := slices.Clone(c.DNSNames)
		slices.Sort(names)
		key := strings.Join(names, ",")
		byNames[key] = append(byNames[key], c)
	}
	for _, group := range byNames {
		for _, c := range group {
			if c.Status != model.StatusIssued {
				continue
			}
			for _, d := range group {
				if d != c && live(d) && d.CreatedAt.After(c.CreatedAt) {
					renewed[c.ID] = true
					break
				}
			}
		}
	}
	return renewed
}
