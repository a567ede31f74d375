package main

import (
	"context"
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/internal/testsupport/memca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// testNow is the fixed clock of the golden tests.
var testNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// The keys the in-memory test provider knows.
const (
	memKey        = "memca-good-key-123456"
	memKeyBad     = "memca-bad-key-654321"
	memKeyLimited = "memca-limited-key"
)

// memAccount is the shared in-memory CA (internal/testsupport/memca) seeded with the DigiCert demo
// account, its ids, serials and fingerprints kept (the golden files show them),
// accepting memKey.
var memAccount = sync.OnceValue(func() *memca.Server { return newMemAccount(memKey) })

// newMemAccount seeds a memory CA accepting key with the demo account. A certificate's
// challenges are those of the domain records covering its names, as DigiCert reports
// an order's DCV by domain.
func newMemAccount(key string) *memca.Server {
	acct := demo.DigiCert(demo.DefaultSeed, testNow)
	challenges := map[string][]model.Challenge{}
	for _, c := range acct.Certificates {
		seen := map[string]bool{}
		for _, name := range c.DNSNames {
			for _, d := range acct.Domains {
				if (name == d.Domain || strings.HasSuffix(name, "."+d.Domain)) && !seen[d.Domain] {
					seen[d.Domain] = true
					challenges[c.ID] = append(challenges[c.ID], d.Challenges...)
				}
			}
		}
	}
	s := memca.NewServer("memca", acct.Certificates, acct.Domains, challenges, memca.KeepIDs(), memca.NoLeaves())
	s.APIKey = key
	return s
}

// The CLI is tested through anyca.New like any adapter: "memca" is the shared memory
// CA on the demo account, its domains listed in reverse. With memKeyLimited every request is answered 429 with
// Retry-After 60 and the provider makes one attempt, so the command reports the rate
// limit at once.
func init() {
	anyca.Register("memca", func(ctx context.Context, cfg anyca.Config) (anyca.Provider, error) {
		s := memAccount()
		if cfg.APIKey == memKeyLimited {
			s = newMemAccount(memKeyLimited)
			s.FailNext(1000, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "60"})
			cfg.Retry.MaxAttempts = 1
		}
		cfg.BaseURL = s.URL
		p, err := memca.New(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return reversedDomains{p, p.(anyca.DomainLister)}, nil
	})
}

// reversedDomains lists the memory CA's domains in reverse order (it lists them sorted),
// to prove the CLI sorts them itself.
type reversedDomains struct {
	anyca.Provider
	lister anyca.DomainLister
}

// Domains lists every domain of the query, last first.
func (r reversedDomains) Domains(ctx context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	return func(yield func(*model.DomainValidation, error) bool) {
		var all []*model.DomainValidation
		for d, err := range r.lister.Domains(ctx, q) {
			if err != nil {
				yield(nil, err)
				return
			}
			all = append(all, d)
		}
		for i := len(all) - 1; i >= 0; i-- {
			if !yield(all[i], nil) {
				return
			}
		}
	}
}
