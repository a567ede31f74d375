package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Concurrency: one Provider per adapter used from 50 goroutines at once (run under -race),
// every result compared with the answer the same call gave when made alone.

const (
	goroutines  = 50
	opsEach     = 6
	concCerts   = 60
	concPage    = 25 // several pages per listing
	concBatchOf = 8
)

// baseline is what each call returns when made alone.
type baseline struct {
	certs      map[string]*model.Certificate
	list       []*model.Certificate
	validation map[string]*model.DomainValidation
	challenges map[string][]model.Challenge
}

func listAll(ctx context.Context, p anyca.Provider) ([]*model.Certificate, error) {
	var out []*model.Certificate
	for c, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: concPage}) {
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func TestConcurrentUse(t *testing.T) {
	for _, h := range harnesses.All() {
		adapter := h.Name
		t.Run(adapter, func(t *testing.T) {
			snapshot := goleak.IgnoreCurrent()
			fx := newFixture(t, h, concCerts)
			p, hc := newProvider(t, fx.fake, chaosRetry)
			ctx := context.Background()

			want := baseline{certs: map[string]*model.Certificate{}, validation: map[string]*model.DomainValidation{},
				challenges: map[string][]model.Challenge{}}
			for i, id := range fx.certIDs {
				c, err := p.Certificate(ctx, id)
				if err != nil {
					t.Fatalf("Certificate(%s): %v", id, err)
				}
				want.certs[id] = c
				chs, err := p.Challenges(ctx, id)
				if err != nil || len(chs) == 0 {
					t.Fatalf("Challenges(%s) = %d challenges, %v", id, len(chs), err)
				}
				want.challenges[id] = chs
				dv, err := p.DomainValidation(ctx, fx.domains[i])
				if err != nil {
					t.Fatalf("DomainValidation(%s): %v", fx.domains[i], err)
				}
				want.validation[fx.domains[i]] = dv
			}
			list, err := listAll(ctx, p)
			if err != nil || len(list) != len(fx.fake.Want.Certificates) {
				t.Fatalf("Certificates: %d certificates, want %d, %v", len(list), len(fx.fake.Want.Certificates), err)
			}
			want.list = list
			before := fx.srv.Requests()

			// Each goroutine runs opsEach calls, cycling through the five kinds of call from
			// a different starting point, on ids spread over the account.
			var calls [5]atomic.Int64
			names := []string{"Certificate", "Certificates", "DomainValidation", "Challenges", "CertificatesByID"}
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*opsEach)
			for g := 0; g < goroutines; g++ {
				wg.Add(1)
				go func(g int) {
					defer wg.Done()
					for i := 0; i < opsEach; i++ {
						k := (g + i) % 5
						n := (g*opsEach + i*7) % concCerts
						id := fx.certIDs[n]
						calls[k].Add(1)
						if err := concurrentCall(ctx, p, fx, &want, k, n, id); err != nil {
							errs <- fmt.Errorf("goroutine %d call %d (%s): %w", g, i, names[k], err)
						}
					}
				}(g)
			}
			wg.Wait()
			close(errs)
			failed := 0
			for err := range errs {
				if failed++; failed <= 10 {
					t.Error(err)
				}
			}
			var counts []string
			for k, name := range names {
				counts = append(counts, fmt.Sprintf("%s %d", name, calls[k].Load()))
			}
			t.Logf("%s: %d goroutines x %d calls (%v), %d requests, %d wrong results",
				adapter, goroutines, opsEach, counts, fx.srv.Requests()-before, failed)
			verifyNoLeaks(t, snapshot, fx.srv, hc)
		})
	}
}

// concurrentCall makes call kind k about certificate n and compares the answer with want.
func concurrentCall(ctx context.Context, p anyca.Provider, fx *fixture, want *baseline, k, n int, id string) error {
	switch k {
	case 0:
		c, err := p.Certificate(ctx, id)
		return sameAnswer(fmt.Sprintf("Certificate(%s)", id), c, want.certs[id], err)
	case 1:
		list, err := listAll(ctx, p)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(list, want.list) {
			return fmt.Errorf("Certificates: %d certificates differ from the serial listing", len(list))
		}
	case 2:
		name := fx.domains[n]
		dv, err := p.DomainValidation(ctx, name)
		return sameAnswer(fmt.Sprintf("DomainValidation(%s)", name), dv, want.validation[name], err)
	case 3:
		chs, err := p.Challenges(ctx, id)
		return sameAnswer(fmt.Sprintf("Challenges(%s)", id), chs, want.challenges[id], err)
	case 4:
		ids := make([]string, 0, concBatchOf)
		for j := 0; j < concBatchOf; j++ {
			ids = append(ids, fx.certIDs[(n+j*5)%concCerts])
		}
		got, err := anyca.CertificatesByID(ctx, p, ids)
		if err != nil {
			return err
		}
		if len(got) != len(ids) {
			return fmt.Errorf("CertificatesByID: %d of %d ids found", len(got), len(ids))
		}
		for _, id := range ids {
			if err := sameAnswer(fmt.Sprintf("CertificatesByID[%s]", id), got[id], want.certs[id], nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameAnswer returns the call's error, or an error naming the call what when its answer
// got differs from want, the answer the same call gave when made alone.
func sameAnswer[T any](what string, got, want T, err error) error {
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s = %+v, want %+v", what, got, want)
	}
	return nil
}

// Leaks: after an iteration is broken off, or a call's context is cancelled while it
// waits on a slow answer, closing the fake and the client's idle connections must leave
// no goroutine behind (goleak, snapshot taken before the fake started).
func TestNoGoroutineLeaks(t *testing.T) {
	type scenario struct {
		name string
		run  func(t *testing.T, p anyca.Provider, fx *fixture)
	}
	ctxErr := func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want a context error", err)
		}
	}
	scenarios := []scenario{
		{"break Certificates after one item", func(t *testing.T, p anyca.Provider, fx *fixture) {
			n := 0
			for _, err := range p.Certificates(context.Background(), model.CertificateQuery{PageSize: 5}) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == 1 {
					break
				}
			}
		}},
		{"break Domains after one item", func(t *testing.T, p anyca.Provider, fx *fixture) {
			for _, err := range anyca.Domains(context.Background(), p, model.DomainQuery{PageSize: 5}) {
				if err != nil {
					t.Fatal(err)
				}
				break
			}
		}},
		{"cancel Certificates between pages", func(t *testing.T, p anyca.Provider, fx *fixture) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var last error
			n := 0
			for _, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: 5}) {
				if err != nil {
					last = err
					break
				}
				if n++; n == 3 {
					cancel()
				}
			}
			ctxErr(t, last)
		}},
		{"cancel Certificate during a slow answer", func(t *testing.T, p anyca.Provider, fx *fixture) {
			fx.srv.FailNext(1, fakeca.Fault{Kind: fakeca.Slow}) // answers when the client gives up
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err := p.Certificate(ctx, fx.certIDs[0])
			ctxErr(t, err)
		}},
		{"cancel CertificatesByID during slow answers", func(t *testing.T, p anyca.Provider, fx *fixture) {
			fx.srv.FailNext(4, fakeca.Fault{Kind: fakeca.Slow})
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			_, err := anyca.CertificatesByID(ctx, p, fx.certIDs)
			ctxErr(t, err)
		}},
		{"cancel Domains during a slow answer", func(t *testing.T, p anyca.Provider, fx *fixture) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			fx.srv.FailNext(1, fakeca.Fault{Kind: fakeca.Slow})
			var last error
			for _, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
				if err != nil {
					last = err
					break
				}
			}
			ctxErr(t, last)
		}},
	}
	for _, h := range harnesses.All() {
		adapter := h.Name
		for _, sc := range scenarios {
			t.Run(adapter+"/"+sc.name, func(t *testing.T) {
				snapshot := goleak.IgnoreCurrent()
				fx := newFixture(t, h, 20)
				p, hc := newProvider(t, fx.fake, chaosRetry)
				sc.run(t, p, fx)
				verifyNoLeaks(t, snapshot, fx.srv, hc)
			})
		}
	}
}
