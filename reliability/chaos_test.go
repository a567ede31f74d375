package reliability_test

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/internal/fakeca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Chaos: listing 10,000 certificates and 10,000 domains while the fake misbehaves on 20%
// of requests (every fault kind, drawn at random from a fixed seed) must return every
// item exactly once, and each fault other than Slow must cost exactly one extra request.

const (
	chaosItems = 10000
	chaosRate  = 0.20
	chaosSeed  = 7
)

// seedCert is the i-th certificate of a chaos or concurrency account: one unique name
// (and its www. alias), issued a year ago.
func seedCert(i int) model.Certificate {
	name := fmt.Sprintf("host%05d.example.com", i)
	nb := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	return model.Certificate{CommonName: name, DNSNames: []string{name, "www." + name}, Status: model.StatusIssued,
		CreatedAt: nb, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)}
}

// seedDomain is the i-th DigiCert domain: OV validated until 2027.
func seedDomain(i int) model.DomainValidation {
	return model.DomainValidation{Domain: fmt.Sprintf("d%05d.example.net", i), Method: model.ChallengeDNSTXT,
		Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid,
			ValidUntil: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)}}}
}

// chaosRun lists seq under chaos and checks it yields each key of want exactly once,
// each value equal to want's when same is set. baseline is the number of requests the
// listing makes without faults.
func chaosRun[T any](t *testing.T, f fake, label string, pages, baseline int, seq iter.Seq2[T, error],
	key func(T) string, want map[string]T, same bool) {
	t.Helper()
	beforeFaults, beforeReq := f.Injected(), f.Requests()
	f.SetChaos(chaosRate, chaosSeed)
	start := time.Now()
	got := map[string]int{}
	for v, err := range seq {
		if err != nil {
			t.Fatalf("%s: listing failed after %d items: %v", label, len(got), err)
		}
		k := key(v)
		got[k]++
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: unexpected item %q", label, k)
		case got[k] > 1:
			t.Errorf("%s: item %q yielded %d times", label, k, got[k])
		case same && !reflect.DeepEqual(v, w):
			t.Errorf("%s: item %q\n got %+v\nwant %+v", label, k, v, w)
		}
	}
	elapsed := time.Since(start)
	f.SetChaos(0, 0)
	missing := 0
	for k := range want {
		if got[k] == 0 {
			missing++
			if missing <= 5 {
				t.Errorf("%s: item %q missing", label, k)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%s: %d of %d items missing", label, missing, len(want))
	}
	faults := faultDelta(beforeFaults, f.Injected())
	requests := int(f.Requests() - beforeReq)
	extra := requests - baseline
	// A Slow answer arrives late but whole; every other fault is answered by one retry.
	if retried := total(faults) - faults[fakeca.Slow]; extra != retried {
		t.Errorf("%s: %d extra requests for %d retriable faults (want one retry each)", label, extra, retried)
	}
	t.Logf("%s: %d items, %d pages, faults %d (%s), %d requests, %d extra (%.1f%% over %d), %s",
		label, len(got), pages, total(faults), formatFaults(faults), requests, extra,
		100*float64(extra)/float64(baseline), baseline, elapsed.Round(time.Millisecond))
}

func certKey(c *model.Certificate) string { return c.ID }

func TestChaosDigiCert(t *testing.T) {
	srv := digicerttest.NewServer()
	defer srv.Close()
	certs := map[string]*model.Certificate{}
	for i := 0; i < chaosItems; i++ {
		c := srv.AddCertificate(seedCert(i))
		certs[c.ID] = &c
	}
	domains := map[string]*model.DomainValidation{}
	for i := 0; i < chaosItems; i++ {
		d := srv.AddDomain(seedDomain(i))
		domains[d.ID] = &d
	}
	p, _ := newProvider(t, "digicert", srv.APIKey, srv.URL, chaosRetry)
	ctx := context.Background()

	t.Run("Certificates", func(t *testing.T) {
		const pageSize = 100
		pages := chaosItems / pageSize
		chaosRun(t, srv, "digicert Certificates", pages, pages,
			p.Certificates(ctx, model.CertificateQuery{PageSize: pageSize}), certKey, certs, true)
	})
	t.Run("Domains", func(t *testing.T) {
		// 100 per page (the vendor's default is 1,000: 10 pages would draw only a couple of
		// faults). Whether Domains also reads Domain info per domain is the adapter's
		// choice (it has changed), so the fault-free listing is run first: its request count is the baseline and its values, checked against
		// the seeded domains (challenges aside: List domains carries no token), are what
		// the chaos run must reproduce exactly.
		const pageSize = 100
		pages := chaosItems / pageSize
		seq := func() iter.Seq2[*model.DomainValidation, error] {
			return anyca.Domains(ctx, p, model.DomainQuery{PageSize: pageSize})
		}
		before := srv.Requests()
		clean := map[string]*model.DomainValidation{}
		for d, err := range seq() {
			if err != nil {
				t.Fatalf("fault-free listing: %v", err)
			}
			w := domains[d.ID]
			if w == nil {
				t.Fatalf("fault-free listing: unexpected domain %s %s", d.ID, d.Domain)
			}
			a, b := *d, *w
			a.Challenges, b.Challenges = nil, nil
			if !reflect.DeepEqual(a, b) {
				t.Errorf("fault-free listing: domain %s\n got %+v\nwant %+v", d.ID, *d, *w)
			}
			clean[d.ID] = d
		}
		if len(clean) != len(domains) {
			t.Fatalf("fault-free listing: %d domains, want %d", len(clean), len(domains))
		}
		baseline := int(srv.Requests() - before)
		chaosRun(t, srv, "digicert Domains", pages, baseline, seq(),
			func(d *model.DomainValidation) string { return d.ID }, clean, true)
	})
}

func TestChaosZeroSSL(t *testing.T) {
	srv := zerossltest.NewServer()
	defer srv.Close()
	certs := map[string]*model.Certificate{}
	names := map[string]*model.DomainValidation{}
	for i := 0; i < chaosItems; i++ {
		c := srv.AddCertificate(seedCert(i))
		certs[c.ID] = &c
		names[c.CommonName] = &model.DomainValidation{Domain: c.CommonName, ID: c.ID}
	}
	p, _ := newProvider(t, "zerossl", srv.APIKey, srv.URL, chaosRetry)
	ctx := context.Background()
	const pageSize = 100
	pages := chaosItems / pageSize

	t.Run("Certificates", func(t *testing.T) {
		chaosRun(t, srv, "zerossl Certificates", pages, pages,
			p.Certificates(ctx, model.CertificateQuery{PageSize: pageSize}), certKey, certs, true)
	})
	t.Run("Domains", func(t *testing.T) {
		// ZeroSSL has no domain list: the adapter derives domains from every certificate
		// (pages of certificates), then yields each name once. Each certificate here has
		// one name and its www. alias; the check covers the unique host names.
		seq := func(yield func(*model.DomainValidation, error) bool) {
			for d, err := range anyca.Domains(ctx, p, model.DomainQuery{PageSize: pageSize}) {
				if err == nil && len(d.Domain) > 4 && d.Domain[:4] == "www." {
					continue
				}
				if !yield(d, err) {
					return
				}
			}
		}
		chaosRun(t, srv, "zerossl Domains", pages, pages, seq,
			func(d *model.DomainValidation) string {
				if w := names[d.Domain]; w != nil && w.ID != d.ID {
					t.Errorf("zerossl Domains: %s read from certificate %s, want %s", d.Domain, d.ID, w.ID)
				}
				return d.Domain
			}, names, false)
	})
}
