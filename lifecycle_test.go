package anyca_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"iter"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// listOnly is a Provider whose only answers are a fixed listing; it counts its calls.
type listOnly struct {
	certs  []*model.Certificate
	orders int
	advice func() (*model.RenewalWindow, error)
}

func (p *listOnly) Name() string { return "listonly" }
func (p *listOnly) Certificate(context.Context, string) (*model.Certificate, error) {
	return nil, model.NewError("listonly", "Certificate", model.ErrNotFound, "no")
}
func (p *listOnly) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		for _, c := range p.certs {
			if !yield(c, nil) {
				return
			}
		}
	}
}
func (p *listOnly) DomainValidation(context.Context, string) (*model.DomainValidation, error) {
	return nil, nil
}
func (p *listOnly) Challenges(context.Context, string) ([]model.Challenge, error) { return nil, nil }

type orderingProvider struct{ listOnly }

func (p *orderingProvider) Order(_ context.Context, req model.OrderRequest) (*model.Certificate, error) {
	p.orders++
	return &model.Certificate{ID: "1", DNSNames: req.Names}, nil
}

type advisingProvider struct{ listOnly }

func (p *advisingProvider) RenewalInfo(context.Context, string) (*model.RenewalWindow, error) {
	return p.advice()
}

func TestFindOrderMatchesNamesAndTime(t *testing.T) {
	since := time.Date(2026, 12, 7, 10, 0, 0, 500_000_000, time.UTC)
	p := &listOnly{certs: []*model.Certificate{
		{ID: "old", CommonName: "a.example", DNSNames: []string{"a.example", "b.example"}, CreatedAt: since.Add(-time.Hour)},
		{ID: "subset", CommonName: "a.example", DNSNames: []string{"a.example"}, CreatedAt: since},
		{ID: "superset", CommonName: "a.example", DNSNames: []string{"a.example", "b.example", "c.example"}, CreatedAt: since},
		{ID: "slack", CommonName: "a.example", DNSNames: []string{"b.example", "a.example"}, CreatedAt: since.Truncate(time.Second)},
		{ID: "newest", CommonName: "A.example", DNSNames: []string{"b.example"}, CreatedAt: since.Add(time.Minute)},
	}}
	got, err := anyca.FindOrder(context.Background(), p, model.OrderRequest{Names: []string{"a.example", "B.EXAMPLE."}}, since)
	if err != nil || got.ID != "newest" {
		t.Fatalf("FindOrder = %v, %v; want the newest order for exactly those names", got, err)
	}
	p.certs = p.certs[:4]
	got, err = anyca.FindOrder(context.Background(), p, model.OrderRequest{Names: []string{"a.example", "b.example"}}, since)
	if err != nil || got.ID != "slack" {
		t.Fatalf("FindOrder = %v, %v; want the order created within a second before since", got, err)
	}
	p.certs = p.certs[:3]
	_, err = anyca.FindOrder(context.Background(), p, model.OrderRequest{Names: []string{"a.example", "b.example"}}, since)
	if !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("FindOrder with no match = %v, want ErrNotFound", err)
	}
}

func TestOrderChecksBeforeAnyRequest(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.example"}}, key)
	p := &orderingProvider{}
	if _, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"b.example"}, CSR: csr}); !errors.Is(err, model.ErrInvalidArgument) {
		t.Fatalf("mismatched CSR: %v, want ErrInvalidArgument", err)
	}
	if p.orders != 0 {
		t.Fatal("a refused request reached the provider")
	}
	c, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"A.example."}, CSR: csr})
	if err != nil || p.orders != 1 || c.DNSNames[0] != "a.example" {
		t.Fatalf("Order = %v, %v after %d calls; want one call with normalized names", c, err, p.orders)
	}
	if _, err := anyca.Order(context.Background(), &p.listOnly, model.OrderRequest{Names: []string{"a.example"}, CSR: csr}); !errors.Is(err, model.ErrUnsupported) {
		t.Fatalf("Order on a non-Orderer = %v, want ErrUnsupported", err)
	}
	for _, err := range []error{
		anyca.Revoke(context.Background(), p, "1", model.ReasonUnspecified),
		anyca.Cancel(context.Background(), p, "1"),
	} {
		if !errors.Is(err, model.ErrUnsupported) {
			t.Errorf("got %v, want ErrUnsupported", err)
		}
	}
}

func TestRenewalWindowAdviceOrLifetime(t *testing.T) {
	nb := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	c := &model.Certificate{ID: "1", NotBefore: nb, NotAfter: nb.Add(6 * 24 * time.Hour)}
	w, err := anyca.RenewalWindow(context.Background(), &listOnly{}, c)
	if err != nil || w.FromCA || !w.Start.Equal(nb.Add(4*24*time.Hour)) {
		t.Fatalf("no advisor: %+v, %v; want the last third of a 6-day lifetime", w, err)
	}
	ca := &model.RenewalWindow{Start: nb.Add(time.Hour), End: nb.Add(2 * time.Hour), FromCA: true}
	p := &advisingProvider{}
	p.advice = func() (*model.RenewalWindow, error) { return ca, nil }
	if w, err := anyca.RenewalWindow(context.Background(), p, c); err != nil || w != ca {
		t.Fatalf("advisor: %+v, %v; want the CA's window", w, err)
	}
	p.advice = func() (*model.RenewalWindow, error) {
		return nil, model.NewError("x", "RenewalInfo", model.ErrUnsupported, "no ARI")
	}
	if w, err := anyca.RenewalWindow(context.Background(), p, c); err != nil || w.FromCA {
		t.Fatalf("advisor without advice: %+v, %v; want the lifetime window", w, err)
	}
	p.advice = func() (*model.RenewalWindow, error) {
		return nil, model.NewError("x", "RenewalInfo", model.ErrUnavailable, "down")
	}
	if _, err := anyca.RenewalWindow(context.Background(), p, c); !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("failing advisor: %v, want its error, not a computed window", err)
	}
	if _, err := anyca.RenewalWindow(context.Background(), &listOnly{}, &model.Certificate{ID: "2"}); !errors.Is(err, model.ErrFailedPrecondition) {
		t.Fatalf("no dates: %v, want ErrFailedPrecondition", err)
	}
}
