package anyca

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"strings"
	"sync"

	"github.com/anyca/anyca/model"
)

// DefaultFleetConcurrency bounds how many accounts a Fleet asks at once unless
// FleetOptions says otherwise.
const DefaultFleetConcurrency = 4

// FleetOptions tunes a Fleet.
type FleetOptions struct {
	// Concurrency is the most accounts asked at once; 0 means DefaultFleetConcurrency.
	Concurrency int
	// OnItem, when set, is called with the account's name for each certificate or
	// domain listed, as it arrives (progress displays). It is called from the listing
	// goroutines, so it must be safe for concurrent use.
	OnItem func(account string)
}

// Fleet asks many named CA accounts the same question and merges the answers. Each
// account is its own Provider, with its own HTTP client and rate limiter, so a slow or
// throttled account never uses another's budget. A Fleet is safe for concurrent use.
//
// An account that fails is reported by name in the result, never dropped silently, and
// does not stop the others: see FleetResult.
type Fleet struct {
	members []fleetMember // sorted by name
	limit   int
	onItem  func(account string)
}

type fleetMember struct {
	name string
	p    Provider
}

// NewFleet builds one Provider per account with New. A config that New refuses, an
// empty list or a duplicate name (case-insensitive) is an error of kind
// model.ErrInvalidArgument naming the account; no request is made.
func NewFleet(ctx context.Context, accounts []Account, opt FleetOptions) (*Fleet, error) {
	providers := make(map[string]Provider, len(accounts))
	for _, acct := range accounts {
		if err := checkAccountName(acct.Name); err != nil {
			return nil, configError("config", "fleet: %v", err)
		}
		if _, dup := providers[acct.Name]; dup {
			return nil, configError("config", "fleet: account name %q is used twice", acct.Name)
		}
		p, err := New(ctx, acct.Config)
		if err != nil {
			if model.KindOf(err) == nil {
				return nil, configError("config", "fleet: account %q: %v", acct.Name, err)
			}
			return nil, fmt.Errorf("fleet: account %q: %w", acct.Name, err)
		}
		providers[acct.Name] = p
	}
	return FleetOf(providers, opt)
}

// FleetOf makes a fleet of providers already built, keyed by account name (tests, or
// providers New does not know). Errors are of kind model.ErrInvalidArgument.
func FleetOf(providers map[string]Provider, opt FleetOptions) (*Fleet, error) {
	if len(providers) == 0 {
		return nil, configError("config", "fleet: no accounts")
	}
	f := &Fleet{limit: opt.Concurrency, onItem: opt.OnItem}
	if f.limit <= 0 {
		f.limit = DefaultFleetConcurrency
	}
	lower := map[string]string{}
	for name, p := range providers {
		if err := checkAccountName(name); err != nil {
			return nil, configError("config", "fleet: %v", err)
		}
		if p == nil {
			return nil, configError("config", "fleet: account %q has no provider", name)
		}
		if other, dup := lower[strings.ToLower(name)]; dup {
			return nil, configError("config", "fleet: account names %q and %q differ only in case", other, name)
		}
		lower[strings.ToLower(name)] = name
		f.members = append(f.members, fleetMember{name: name, p: p})
	}
	sort.Slice(f.members, func(i, j int) bool { return f.members[i].name < f.members[j].name })
	return f, nil
}

// Accounts returns the account names, sorted.
func (f *Fleet) Accounts() []string {
	names := make([]string, len(f.members))
	for i, m := range f.members {
		names[i] = m.name
	}
	return names
}

// Provider returns the named account's provider.
func (f *Fleet) Provider(account string) (Provider, bool) {
	for _, m := range f.members {
		if m.name == account {
			return m.p, true
		}
	}
	return nil, false
}

// Only returns a fleet of the named accounts of f, sharing their providers. An unknown
// name is an error of kind model.ErrInvalidArgument that lists the known ones.
func (f *Fleet) Only(accounts ...string) (*Fleet, error) {
	sub := &Fleet{limit: f.limit, onItem: f.onItem}
	for _, name := range accounts {
		p, ok := f.Provider(name)
		if !ok {
			return nil, configError("config", "fleet: no account named %q (configured: %s)", name, strings.Join(f.Accounts(), ", "))
		}
		if _, dup := sub.Provider(name); !dup {
			sub.members = append(sub.members, fleetMember{name: name, p: p})
		}
	}
	if len(sub.members) == 0 {
		return nil, configError("config", "fleet: Only was given no account name")
	}
	sort.Slice(sub.members, func(i, j int) bool { return sub.members[i].name < sub.members[j].name })
	return sub, nil
}

// FleetResult is the merged answer of a fleet's accounts.
type FleetResult[T any] struct {
	// Items holds the answers of the accounts that answered completely, account after
	// account in name order, each in the order its CA gave, and each tagged with its
	// account. An account that failed contributes nothing, not even the pages it listed
	// before failing: every account here is complete.
	Items []T
	// Failed maps each account that failed to its error, an *AccountError. Nil when every
	// account answered.
	Failed map[string]error
	// NotFound lists, sorted, the accounts that answered "not found" (DomainValidation
	// only): a complete answer, not a failure.
	NotFound []string
}

// Partial reports whether some account failed, so Items lacks its answers.
func (r *FleetResult[T]) Partial() bool { return len(r.Failed) > 0 }

// Err returns nil when every account answered, else a *PartialError listing the failed
// accounts; it unwraps to each account's error.
func (r *FleetResult[T]) Err() error {
	if len(r.Failed) == 0 {
		return nil
	}
	return &PartialError{Failed: r.Failed}
}

// AccountError is the failure of one account of a fleet. It unwraps to the provider's
// error, so errors.Is(err, model.ErrUnauthenticated) and model.KindOf work on it.
type AccountError struct {
	Account  string // the account's name
	Provider string // its adapter name
	Err      error
}

// Error returns "account NAME (provider): cause".
func (e *AccountError) Error() string {
	return fmt.Sprintf("account %s (%s): %v", e.Account, e.Provider, e.Err)
}

// Unwrap returns the provider's error.
func (e *AccountError) Unwrap() error { return e.Err }

// PartialError says that some accounts of a fleet failed; the others' answers are in
// the result.
type PartialError struct {
	Failed map[string]error // account name -> *AccountError
}

// Error lists the failed accounts in name order.
func (e *PartialError) Error() string {
	errs := e.Unwrap()
	parts := make([]string, len(errs))
	for i, err := range errs {
		parts[i] = err.Error()
	}
	return fmt.Sprintf("anyca: %d account(s) failed: %s", len(errs), strings.Join(parts, "; "))
}

// Unwrap returns each account's error in account-name order.
func (e *PartialError) Unwrap() []error {
	names := make([]string, 0, len(e.Failed))
	for n := range e.Failed {
		names = append(names, n)
	}
	sort.Strings(names)
	errs := make([]error, len(names))
	for i, n := range names {
		errs[i] = e.Failed[n]
	}
	return errs
}

// Certificates lists the certificates matching q on every account, at most the
// fleet's concurrency at once, each tagged with its account.
func (f *Fleet) Certificates(ctx context.Context, q model.CertificateQuery) *FleetResult[*model.Certificate] {
	return gatherListing(ctx, f, "Certificates", "certificate",
		func(ctx context.Context, p Provider) iter.Seq2[*model.Certificate, error] {
			return p.Certificates(ctx, q)
		},
		func(c *model.Certificate, account string) { c.Account = account })
}

// Domains lists the domains matching q on every account (see DomainLister), tagged
// with their account. An account whose provider cannot list domains fails with an
// error of kind model.ErrUnsupported.
func (f *Fleet) Domains(ctx context.Context, q model.DomainQuery) *FleetResult[*model.DomainValidation] {
	return gatherListing(ctx, f, "Domains", "domain",
		func(ctx context.Context, p Provider) iter.Seq2[*model.DomainValidation, error] {
			return Domains(ctx, p, q)
		},
		func(d *model.DomainValidation, account string) { d.Account = account })
}

// gatherListing drains list on every member (see gather), tags each item with its
// account through setAccount and reports it to OnItem. A member's listing fails at its
// first error, or with model.ErrUnavailable when it yields a nil item (noun names it in
// the message).
func gatherListing[E any](ctx context.Context, f *Fleet, op, noun string,
	list func(context.Context, Provider) iter.Seq2[*E, error], setAccount func(*E, string)) *FleetResult[*E] {
	return gather(ctx, f, op, func(ctx context.Context, m fleetMember) ([]*E, error) {
		var out []*E
		for item, err := range list(ctx, m.p) {
			if err != nil {
				return nil, err
			}
			if item == nil {
				return nil, model.NewError(m.p.Name(), op, model.ErrUnavailable, "the provider yielded no %s and no error", noun)
			}
			setAccount(item, m.name)
			out = append(out, item)
			f.counted(m.name)
		}
		return out, nil
	})
}

// DomainValidation asks every account about domain. Accounts that do not know it are
// listed in NotFound; the others' answers are in Items, tagged with their account.
// A malformed name is refused before any request, as a single failure of each account.
func (f *Fleet) DomainValidation(ctx context.Context, domain string) *FleetResult[*model.DomainValidation] {
	var mu sync.Mutex
	var notFound []string
	r := gather(ctx, f, "DomainValidation", func(ctx context.Context, m fleetMember) ([]*model.DomainValidation, error) {
		d, err := m.p.DomainValidation(ctx, domain)
		if errors.Is(err, model.ErrNotFound) {
			mu.Lock()
			notFound = append(notFound, m.name)
			mu.Unlock()
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if d == nil {
			return nil, model.NewError(m.p.Name(), "DomainValidation", model.ErrUnavailable, "the provider returned no validation and no error")
		}
		d.Account = m.name
		return []*model.DomainValidation{d}, nil
	})
	sort.Strings(notFound)
	r.NotFound = notFound
	return r
}

// counted reports one listed item to OnItem.
func (f *Fleet) counted(account string) {
	if f.onItem != nil {
		f.onItem(account)
	}
}

// gather runs list on every member with at most f.limit in flight and merges the
// answers in member order. It returns only when every call has returned.
func gather[T any](ctx context.Context, f *Fleet, op string, list func(context.Context, fleetMember) ([]T, error)) *FleetResult[T] {
	type answer struct {
		items []T
		err   error
	}
	answers := make([]answer, len(f.members))
	sem := make(chan struct{}, f.limit)
	var wg sync.WaitGroup
	for i, m := range f.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				answers[i].err = model.NewError(m.p.Name(), op, ctx.Err(), "the account was not asked before the context ended")
				return
			}
			defer func() { <-sem }()
			if err := ctx.Err(); err != nil {
				answers[i].err = model.NewError(m.p.Name(), op, err, "the account was not asked before the context ended")
				return
			}
			answers[i].items, answers[i].err = list(ctx, m)
		}()
	}
	wg.Wait()
	r := &FleetResult[T]{}
	for i, a := range answers {
		if a.err != nil {
			if r.Failed == nil {
				r.Failed = map[string]error{}
			}
			m := f.members[i]
			r.Failed[m.name] = &AccountError{Account: m.name, Provider: m.p.Name(), Err: a.err}
			continue
		}
		r.Items = append(r.Items, a.items...)
	}
	return r
}
