package providertest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// CheckReportsWant starts h's fake with sc and checks, independently of the shared
// suite, that a provider pointed at it reports exactly Want: the listing (two per page,
// in Want's order), each certificate and its challenges, the domains when the provider
// is an anyca.DomainLister (by name; with their challenges when listsChallenges, else
// with Challenges cleared, as the DomainLister contract lets a listing leave DCV tokens
// out) and each domain's validation, challenges included. It then checks that an
// injected 429 is model.ErrRateLimited, that a wrong key is model.ErrUnauthenticated and
// that the fake counted requests. It returns the fake, for the vendor's own checks of
// how Want was derived. A harness's TestHarness calls it, in this repository or outside.
func CheckReportsWant(t *testing.T, h Harness, sc Scenario, listsChallenges bool) *Fake {
	t.Helper()
	f := h.Start(t, sc)
	ctx := context.Background()
	p, err := anyca.New(ctx, f.Config)
	if err != nil {
		t.Fatal(err)
	}
	var listed []model.Certificate
	for c, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, *c)
	}
	if !reflect.DeepEqual(listed, f.Want.Certificates) {
		t.Fatalf("listing:\n got  %+v\n want %+v", listed, f.Want.Certificates)
	}
	for _, want := range f.Want.Certificates {
		got, err := p.Certificate(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("Certificate(%s):\n got  %+v\n want %+v (%v)", want.ID, got, want, err)
		}
		chs, err := p.Challenges(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(chs, f.Want.Challenges[want.ID]) {
			t.Errorf("Challenges(%s):\n got  %+v\n want %+v (%v)", want.ID, chs, f.Want.Challenges[want.ID], err)
		}
	}
	if _, ok := p.(anyca.DomainLister); ok {
		var domains []model.DomainValidation
		for dv, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
			if err != nil {
				t.Fatal(err)
			}
			domains = append(domains, *dv)
		}
		byName := func(a, b model.DomainValidation) int { return strings.Compare(a.Domain, b.Domain) }
		wantDomains := slices.SortedFunc(slices.Values(f.Want.Domains), byName)
		for i := range wantDomains {
			if !listsChallenges {
				wantDomains[i].Challenges = nil
			}
		}
		slices.SortFunc(domains, byName) // Domains fixes no order
		if !reflect.DeepEqual(domains, wantDomains) {
			t.Fatalf("Domains:\n got  %+v\n want %+v", domains, wantDomains)
		}
	}
	for _, want := range f.Want.Domains {
		got, err := p.DomainValidation(ctx, want.Domain)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("DomainValidation(%s):\n got  %+v\n want %+v (%v)", want.Domain, got, want, err)
		}
	}
	if len(f.Want.Certificates) > 0 {
		id := f.Want.Certificates[0].ID
		f.FailNext(5, Fault{Kind: FaultRateLimit, RetryAfter: "0"})
		if _, err := p.Certificate(ctx, id); !errors.Is(err, model.ErrRateLimited) {
			t.Errorf("rate limit: %v", err)
		}
		bad, _ := f.wrongCredential()
		pb, err := anyca.New(ctx, bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pb.Certificate(ctx, id); !errors.Is(err, f.wrongCredentialKind()) {
			t.Errorf("bad key: %v", err)
		}
	}
	if f.Requests() == 0 {
		t.Error("the fake counted no requests")
	}
	return f
}
