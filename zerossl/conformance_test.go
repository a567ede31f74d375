package zerossl_test

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

func harness() providertest.Harness { return harnesses.ZeroSSL() }

// sampleScenario exercises what the harness must translate.
func sampleScenario() providertest.Scenario {
	day := 24 * time.Hour
	now := time.Now().UTC().Truncate(time.Second)
	return providertest.Scenario{
		Certificates: []model.Certificate{
			{ID: "cert-1", CommonName: "shop.example.com", DNSNames: []string{"www.shop.example.com"}, Status: model.StatusIssued,
				Level: model.LevelOV, CreatedAt: now.Add(-30 * day), NotAfter: now.Add(60 * day), SerialNumber: "01"},
			{ID: "cert-2", CommonName: "shop.example.com", Status: model.StatusPending, CreatedAt: now.Add(-day), ReplacesID: "cert-1"},
			{CommonName: "old.example.org", Status: model.StatusExpired, CreatedAt: now.Add(-400 * day), NotAfter: now.Add(-10 * day)},
			{CommonName: "gone.example.org", Status: model.StatusRejected},
		},
		Domains: []model.DomainValidation{
			{Domain: "api.example.net", Status: model.ValidationValid, Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid}}},
			{Domain: "new.example.net", Status: model.ValidationPending, Method: model.ChallengeDNSCNAME,
				Challenges: []model.Challenge{{Type: model.ChallengeDNSCNAME, RecordName: "_X.new.example.net", RecordValue: "Y.Z.COMODOCA.COM"},
					{Type: model.ChallengeDNSTXT, RecordName: "_t.new.example.net", RecordValue: "v"}}},
		},
		Challenges: map[string][]model.Challenge{
			"cert-2": {{Domain: "shop.example.com", Type: model.ChallengeHTTPFile, URL: "http://shop.example.com/.well-known/pki-validation/A.txt", Content: "A\ncomodoca.com\nt"},
				{Domain: "shop.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@shop.example.com"}}},
		},
	}
}

// TestHarness checks, independently of the shared suite, that a provider pointed at the
// harness's fake reports exactly Want.
func TestHarness(t *testing.T) {
	h := harness()
	f := h.Start(t, sampleScenario())
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
	wantIDs := map[string]bool{}
	replaces := 0
	for _, c := range f.Want.Certificates {
		wantIDs[c.ID] = true
	}
	for _, c := range f.Want.Certificates {
		if c.ReplacesID != "" {
			replaces++
			if !wantIDs[c.ReplacesID] {
				t.Errorf("ReplacesID %q not remapped", c.ReplacesID)
			}
		}
	}
	if replaces != 1 {
		t.Errorf("%d certificates replace another, want 1", replaces)
	}
	for _, want := range f.Want.Certificates {
		got, err := p.Certificate(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("Certificate(%s): %+v %v", want.ID, got, err)
		}
		chs, err := p.Challenges(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(chs, f.Want.Challenges[want.ID]) {
			t.Errorf("Challenges(%s):\n got  %+v\n want %+v (%v)", want.ID, chs, f.Want.Challenges[want.ID], err)
		}
	}
	var domains []model.DomainValidation
	for dv, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		domains = append(domains, *dv)
	}
	sort.Slice(domains, func(i, j int) bool { return domains[i].Domain < domains[j].Domain }) // Domains fixes no order
	if !reflect.DeepEqual(domains, f.Want.Domains) {
		t.Fatalf("Domains:\n got  %+v\n want %+v", domains, f.Want.Domains)
	}
	for _, want := range f.Want.Domains {
		got, err := p.DomainValidation(ctx, want.Domain)
		if err != nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("DomainValidation(%s):\n got  %+v\n want %+v (%v)", want.Domain, got, want, err)
		}
	}
	names := map[string]model.ValidationStatus{}
	for _, d := range f.Want.Domains {
		names[d.Domain] = d.Status
	}
	if names["api.example.net"] != model.ValidationValid || names["new.example.net"] != model.ValidationPending ||
		names["shop.example.com"] != model.ValidationPending || names["old.example.org"] != model.ValidationExpired {
		t.Errorf("domain states: %v", names)
	}
	if _, ok := names["gone.example.org"]; ok {
		t.Error("a name only on a cancelled certificate must not be listed")
	}
	f.FailNext(5, providertest.Fault{Kind: providertest.FaultRateLimit, RetryAfter: "0"})
	if _, err := p.Certificate(ctx, f.Want.Certificates[0].ID); !errors.Is(err, model.ErrRateLimited) {
		t.Errorf("rate limit: %v", err)
	}
	bad := f.Config
	bad.APIKey = "wrong-key-123456"
	pb, _ := anyca.New(ctx, bad)
	if _, err := pb.Certificate(ctx, f.Want.Certificates[0].ID); !errors.Is(err, model.ErrUnauthenticated) {
		t.Errorf("bad key: %v", err)
	}
	if f.Requests() == 0 {
		t.Error("Requests")
	}
}

// TestConformance runs the shared provider suite against the zerossltest fake.
func TestConformance(t *testing.T) {
	providertest.Run(t, harness())
}
