package anyca_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

var quickRetry = retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, RequestsPerSecond: -1}

// threeAccounts starts two DigiCert fakes and one ZeroSSL fake with distinct data and
// returns the accounts reaching them; the "staging" account is given a wrong key.
func threeAccounts(t *testing.T) (accounts []anyca.Account, want map[string]int) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	cert := func(cn string, days int) model.Certificate {
		return model.Certificate{CommonName: cn, DNSNames: []string{cn}, Status: model.StatusIssued,
			CreatedAt: now.AddDate(0, 0, -30), NotBefore: now.AddDate(0, 0, -30), NotAfter: now.AddDate(0, 0, days)}
	}
	prod := digicerttest.NewServer(digicerttest.WithAPIKey("prod-digicert-key-0001"))
	staging := digicerttest.NewServer(digicerttest.WithAPIKey("staging-digicert-key-0002"))
	dv := zerossltest.NewServer(zerossltest.WithAPIKey("dv-zerossl-key-00000003"))
	t.Cleanup(func() { prod.Close(); staging.Close(); dv.Close() })
	for i := range 3 {
		prod.AddCertificate(cert(fmt.Sprintf("prod%d.example.com", i), 10+i))
	}
	staging.AddCertificate(cert("staging.example.com", 5))
	for i := range 2 {
		dv.AddCertificate(cert(fmt.Sprintf("dv%d.example.net", i), 20+i))
	}
	prod.AddDomain(model.DomainValidation{Domain: "example.com", Status: model.ValidationValid, Method: model.ChallengeDNSTXT,
		Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: now.AddDate(0, 6, 0)}}})
	accounts = []anyca.Account{
		{Name: "prod", Config: anyca.Config{Provider: "digicert", APIKey: prod.APIKey, BaseURL: prod.URL, Retry: quickRetry}},
		{Name: "staging", Config: anyca.Config{Provider: "digicert", APIKey: "wrong-key-for-staging-1234", BaseURL: staging.URL, Retry: quickRetry}},
		{Name: "dv", Config: anyca.Config{Provider: "zerossl", APIKey: dv.APIKey, BaseURL: dv.URL, Retry: quickRetry}},
	}
	return accounts, map[string]int{"prod": 3, "dv": 2}
}

func TestFleetOneAccountWithWrongKey(t *testing.T) {
	ctx := context.Background()
	accounts, want := threeAccounts(t)
	f, err := anyca.NewFleet(ctx, accounts, anyca.FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := f.Certificates(ctx, model.CertificateQuery{})
	if !r.Partial() || len(r.Failed) != 1 || r.Failed["staging"] == nil {
		t.Fatalf("failed accounts %v, want only staging", r.Failed)
	}
	err = r.Err()
	var pe *anyca.PartialError
	var ae *anyca.AccountError
	if !errors.As(err, &pe) || !errors.As(err, &ae) || ae.Account != "staging" || ae.Provider != "digicert" {
		t.Fatalf("Err() = %v", err)
	}
	if !errors.Is(err, model.ErrUnauthenticated) || model.KindOf(r.Failed["staging"]) != model.ErrUnauthenticated {
		t.Errorf("staging error kind: %v", err)
	}
	got := map[string]int{}
	for _, c := range r.Items {
		got[c.Account]++
		if (c.Account == "dv") != (c.Provider == "zerossl") {
			t.Errorf("%s tagged %q but from %s", c.CommonName, c.Account, c.Provider)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("certificates per account %v, want %v (complete for the two working accounts)", got, want)
	}
	if s := fmt.Sprintf("%v %+v %#v", err, err, r.Failed); containsAny(s, "wrong-key-for-staging-1234", "prod-digicert-key-0001") {
		t.Errorf("key in error: %s", s)
	}

	doms := f.Domains(ctx, model.DomainQuery{})
	if len(doms.Failed) != 1 || doms.Failed["staging"] == nil {
		t.Fatalf("domains failed %v", doms.Failed)
	}
	var prodDomain bool
	for _, d := range doms.Items {
		if d.Account == "" {
			t.Errorf("untagged domain %s", d.Domain)
		}
		prodDomain = prodDomain || d.Account == "prod" && d.Domain == "example.com"
	}
	if !prodDomain {
		t.Errorf("prod's example.com missing from %d domains", len(doms.Items))
	}

	st := f.DomainValidation(ctx, "example.com")
	if len(st.Items) != 1 || st.Items[0].Account != "prod" || st.Items[0].Status != model.ValidationValid {
		t.Errorf("domain status items %+v", st.Items)
	}
	if st.Failed["staging"] == nil || len(st.Failed) != 1 {
		t.Errorf("domain status failed %v", st.Failed)
	}

	only, err := f.Only("prod", "dv")
	if err != nil {
		t.Fatal(err)
	}
	if r := only.Certificates(ctx, model.CertificateQuery{}); r.Err() != nil || len(r.Items) != 5 {
		t.Errorf("Only(prod, dv): %d items, %v", len(r.Items), r.Err())
	}
	if _, err := f.Only("nope"); !errors.Is(err, model.ErrInvalidArgument) {
		t.Errorf("Only(nope) = %v", err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// slowProvider lists one certificate after holding a slot, counting how many run at once.
type slowProvider struct {
	anyca.Provider
	name              string
	inFlight, maxSeen *atomic.Int32
	release           <-chan struct{}
}

func (p slowProvider) Name() string { return p.name }

func (p slowProvider) Certificates(ctx context.Context, _ model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		n := p.inFlight.Add(1)
		defer p.inFlight.Add(-1)
		for {
			m := p.maxSeen.Load()
			if n <= m || p.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		select {
		case <-p.release:
		case <-ctx.Done():
			yield(nil, ctx.Err())
			return
		}
		yield(&model.Certificate{ID: "1", Provider: p.name}, nil)
	}
}

func TestFleetBoundsConcurrency(t *testing.T) {
	var inFlight, maxSeen atomic.Int32
	release := make(chan struct{})
	providers := map[string]anyca.Provider{}
	for i := range 10 {
		providers[fmt.Sprintf("a%02d", i)] = slowProvider{name: "slow", inFlight: &inFlight, maxSeen: &maxSeen, release: release}
	}
	f, err := anyca.FleetOf(providers, anyca.FleetOptions{Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *anyca.FleetResult[*model.Certificate])
	go func() { done <- f.Certificates(context.Background(), model.CertificateQuery{}) }()
	for inFlight.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // a fourth would start now if the bound were broken
	close(release)
	r := <-done
	if r.Err() != nil || len(r.Items) != 10 {
		t.Fatalf("%d items, %v", len(r.Items), r.Err())
	}
	if m := maxSeen.Load(); m != 3 {
		t.Errorf("at most %d accounts at once, want 3", m)
	}
	for i, c := range r.Items {
		if want := fmt.Sprintf("a%02d", i); c.Account != want {
			t.Errorf("item %d from %s, want account order (%s)", i, c.Account, want)
		}
	}
}

func TestFleetCancelled(t *testing.T) {
	var inFlight, maxSeen atomic.Int32
	providers := map[string]anyca.Provider{}
	for i := range 6 {
		providers[fmt.Sprintf("a%d", i)] = slowProvider{name: "slow", inFlight: &inFlight, maxSeen: &maxSeen, release: make(chan struct{})}
	}
	f, err := anyca.FleetOf(providers, anyca.FleetOptions{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	r := f.Certificates(ctx, model.CertificateQuery{})
	if len(r.Failed) != 6 || len(r.Items) != 0 {
		t.Fatalf("failed %d, items %d; want every account failed", len(r.Failed), len(r.Items))
	}
	if !errors.Is(r.Err(), context.DeadlineExceeded) {
		t.Errorf("Err() = %v", r.Err())
	}
	// goleak in TestMain checks that no account goroutine outlives the call.
}

func TestFleetOfRefusesBadInput(t *testing.T) {
	p := slowProvider{name: "slow"}
	for name, providers := range map[string]map[string]anyca.Provider{
		"empty":      {},
		"nil":        {"a": nil},
		"bad name":   {"a b": p},
		"case twins": {"Prod": p, "prod": p},
	} {
		if _, err := anyca.FleetOf(providers, anyca.FleetOptions{}); !errors.Is(err, model.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := anyca.NewFleet(context.Background(), []anyca.Account{{Name: "x", Config: anyca.Config{Provider: "nope", APIKey: "k"}}}, anyca.FleetOptions{})
	if !errors.Is(err, model.ErrInvalidArgument) {
		t.Errorf("unknown provider: %v", err)
	}
}

// listerOf lists cert as its one certificate and dom as its one domain (nil: a broken provider).
type listerOf struct {
	anyca.Provider
	cert *model.Certificate
	dom  *model.DomainValidation
}

func (p listerOf) Name() string { return "lister" }

func (p listerOf) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) { yield(p.cert, nil) }
}

func (p listerOf) Domains(context.Context, model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	return func(yield func(*model.DomainValidation, error) bool) { yield(p.dom, nil) }
}

func TestFleetNilItemFailsOnlyItsAccount(t *testing.T) {
	f, err := anyca.FleetOf(map[string]anyca.Provider{
		"broken": listerOf{},
		"good":   listerOf{cert: &model.Certificate{ID: "1"}, dom: &model.DomainValidation{Domain: "example.com"}},
	}, anyca.FleetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, accounts []string, failed map[string]error) {
		t.Helper()
		if len(accounts) != 1 || accounts[0] != "good" || len(failed) != 1 {
			t.Fatalf("%s: items of accounts %q, failed %v; want good's one item, broken failed", what, accounts, failed)
		}
		if err := failed["broken"]; !errors.Is(err, model.ErrUnavailable) || !strings.Contains(err.Error(), "yielded no") {
			t.Errorf("%s: broken failed with %v, want ErrUnavailable naming the nil item", what, err)
		}
	}
	var accounts []string
	certs := f.Certificates(context.Background(), model.CertificateQuery{})
	for _, c := range certs.Items {
		accounts = append(accounts, c.Account)
	}
	check("Certificates", accounts, certs.Failed)
	accounts = nil
	doms := f.Domains(context.Background(), model.DomainQuery{})
	for _, d := range doms.Items {
		accounts = append(accounts, d.Account)
	}
	check("Domains", accounts, doms.Failed)
}
