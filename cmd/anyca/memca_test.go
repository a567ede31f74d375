package main

import (
	"context"
	"iter"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
)

// testNow is the fixed clock of the golden tests.
var testNow = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// The keys the in-memory test provider knows.
const (
	memKey        = "memca-good-key-123456"
	memKeyBad     = "memca-bad-key-654321"
	memKeyLimited = "memca-limited-key"
)

// memca is an in-memory Provider and DomainLister over the DigiCert demo account,
// registered as "memca": the CLI is tested through anyca.New like any adapter.
type memca struct {
	key   string
	acct  demo.Account
	certs map[string]model.Certificate
}

func init() {
	anyca.Register("memca", func(_ context.Context, cfg anyca.Config) (anyca.Provider, error) {
		acct := demo.DigiCert(demo.DefaultSeed, testNow)
		m := &memca{key: cfg.APIKey, acct: acct, certs: map[string]model.Certificate{}}
		for _, c := range acct.Certificates {
			c.Provider = "memca"
			m.certs[c.ID] = c
		}
		return m, nil
	})
}

func (m *memca) Name() string { return "memca" }

func (m *memca) check(op string) error {
	switch m.key {
	case memKey:
		return nil
	case memKeyLimited:
		return &model.Error{Provider: "memca", Op: op, Kind: model.ErrRateLimited, HTTPStatus: 429, RetryAfter: time.Minute}
	}
	return &model.Error{Provider: "memca", Op: op, Kind: model.ErrUnauthenticated, HTTPStatus: 401, Message: "bad key"}
}

func (m *memca) Certificate(_ context.Context, id string) (*model.Certificate, error) {
	if err := m.check("Certificate"); err != nil {
		return nil, err
	}
	c, ok := m.certs[id]
	if !ok {
		return nil, &model.Error{Provider: "memca", Op: "Certificate", Kind: model.ErrNotFound, HTTPStatus: 404, Message: "no certificate " + id}
	}
	return &c, nil
}

func (m *memca) Certificates(_ context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		if err := m.check("Certificates"); err != nil {
			yield(nil, err)
			return
		}
		for _, c := range m.acct.Certificates {
			c.Provider = "memca"
			if len(q.Status) > 0 && !containsStatus(q.Status, c.Status) {
				continue
			}
			if q.Search != "" && !strings.Contains(strings.Join(c.DNSNames, " "), q.Search) {
				continue
			}
			if !yield(&c, nil) {
				return
			}
		}
	}
}

func containsStatus(ss []model.CertificateStatus, s model.CertificateStatus) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}

func (m *memca) DomainValidation(_ context.Context, domain string) (*model.DomainValidation, error) {
	if err := m.check("DomainValidation"); err != nil {
		return nil, err
	}
	for _, d := range m.acct.Domains {
		if d.Domain == domain {
			d.Provider = "memca"
			return &d, nil
		}
	}
	return nil, &model.Error{Provider: "memca", Op: "DomainValidation", Kind: model.ErrNotFound, HTTPStatus: 404}
}

func (m *memca) Domains(_ context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	return func(yield func(*model.DomainValidation, error) bool) {
		if err := m.check("Domains"); err != nil {
			yield(nil, err)
			return
		}
		// Reverse order, to prove the CLI sorts.
		for i := len(m.acct.Domains) - 1; i >= 0; i-- {
			d := m.acct.Domains[i]
			d.Provider = "memca"
			if q.Search != "" && !strings.Contains(d.Domain, q.Search) {
				continue
			}
			if !yield(&d, nil) {
				return
			}
		}
	}
}

func (m *memca) Challenges(ctx context.Context, id string) ([]model.Challenge, error) {
	c, err := m.Certificate(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []model.Challenge
	seen := map[string]bool{}
	for _, name := range c.DNSNames {
		for _, d := range m.acct.Domains {
			if (name == d.Domain || strings.HasSuffix(name, "."+d.Domain)) && !seen[d.Domain] {
				seen[d.Domain] = true
				out = append(out, d.Challenges...)
			}
		}
	}
	return out, nil
}
