package reliability_test

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Chaos: listing 5,000 certificates and 5,000 domains while the fake misbehaves on 20%
// of requests (every fault kind, drawn at random from a fixed seed) must return every
// item exactly once, and each fault other than Slow must cost exactly one extra request.

const (
	chaosItems = 5000
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

// chaosScenario is the account every harness is seeded with: chaosItems certificates
// and chaosItems domains (a CA without domain objects represents them its own way, as
// its harness says: ZeroSSL makes each a certificate).
func chaosScenario() providertest.Scenario {
	var sc providertest.Scenario
	for i := 0; i < chaosItems; i++ {
		sc.Certificates = append(sc.Certificates, seedCert(i))
		sc.Domains = append(sc.Domains, seedDomain(i))
	}
	return sc
}

// cleanListing lists seq without faults and returns its items by key and the number of
// requests the listing took: the baseline the chaos run is measured against (how many
// requests a listing makes, a page each or more, is the adapter's choice).
func cleanListing[T any](t *testing.T, f fake, label string, seq iter.Seq2[T, error], key func(T) string) (map[string]T, int) {
	t.Helper()
	before := f.Requests()
	out := map[string]T{}
	for v, err := range seq {
		if err != nil {
			t.Fatalf("%s: fault-free listing failed after %d items: %v", label, len(out), err)
		}
		if _, dup := out[key(v)]; dup {
			t.Fatalf("%s: fault-free listing yielded %q twice", label, key(v))
		}
		out[key(v)] = v
	}
	return out, int(f.Requests() - before)
}

// TestChaos lists every adapter's certificates and domains under 20% faults. Each
// listing is first made without faults: its values are checked against what the
// harness says the CA reports (Want), its request count is the baseline, and the chaos
// run must reproduce its items exactly, each once.
func TestChaos(t *testing.T) {
	for _, h := range harnesses.All() {
		t.Run(h.Name, func(t *testing.T) {
			f, srv := startFake(t, h, chaosScenario())
			p, _ := newProvider(t, f, chaosRetry)
			ctx := context.Background()
			const pageSize = 100

			t.Run("Certificates", func(t *testing.T) {
				label := h.Name + " Certificates"
				seq := func() iter.Seq2[*model.Certificate, error] {
					return p.Certificates(ctx, model.CertificateQuery{PageSize: pageSize})
				}
				clean, baseline := cleanListing(t, srv, label, seq(), certKey)
				if len(clean) != len(f.Want.Certificates) {
					t.Fatalf("%s: fault-free listing: %d certificates, want %d", label, len(clean), len(f.Want.Certificates))
				}
				for _, w := range f.Want.Certificates {
					if got := clean[w.ID]; got == nil || !reflect.DeepEqual(*got, w) {
						t.Fatalf("%s: fault-free listing: certificate %s\n got %+v\nwant %+v", label, w.ID, got, w)
					}
				}
				pages := (len(clean) + pageSize - 1) / pageSize
				chaosRun(t, srv, label, pages, baseline, seq(), certKey, clean, true)
			})
			t.Run("Domains", func(t *testing.T) {
				// Listed domains carry no challenges on every CA (List domains has no
				// token), so the fault-free values are checked against Want with
				// challenges aside.
				label := h.Name + " Domains"
				seq := func() iter.Seq2[*model.DomainValidation, error] {
					return anyca.Domains(ctx, p, model.DomainQuery{PageSize: pageSize})
				}
				clean, baseline := cleanListing(t, srv, label, seq(), domainKey)
				if len(clean) != len(f.Want.Domains) {
					t.Fatalf("%s: fault-free listing: %d domains, want %d", label, len(clean), len(f.Want.Domains))
				}
				for _, w := range f.Want.Domains {
					got := clean[w.Domain]
					if got == nil {
						t.Fatalf("%s: fault-free listing: domain %s missing", label, w.Domain)
					}
					a, b := *got, w
					a.Challenges, b.Challenges = nil, nil
					if !reflect.DeepEqual(a, b) {
						t.Fatalf("%s: fault-free listing: domain %s\n got %+v\nwant %+v", label, w.Domain, a, b)
					}
				}
				pages := (len(clean) + pageSize - 1) / pageSize
				chaosRun(t, srv, label, pages, baseline, seq(), domainKey, clean, true)
			})
		})
	}
}

func certKey(c *model.Certificate) string        { return c.ID }
func domainKey(d *model.DomainValidation) string { return d.Domain }
