package providertest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// Hostile answers: a wrong type in any field, a deeply nested document, a huge body or
// bytes that are not JSON give an error (or, for a field the adapter does not read, the
// same answer) and never a panic or a silently wrong value.

// wrongTypeFields bounds how many scalars of one answer WrongTypes changes, one by one.
const wrongTypeFields = 160

// probe is one call of the provider whose answer a fault must not change silently:
// again answers anew and says how the answer differs from the first one ("" when it is
// the same), or returns the call's error.
type probe struct {
	name  string
	again func() (diff string, err error)
	// requests, when above 1, is how many requests the call makes: the fault is then
	// aimed at each of them in turn, not only at the first (an answer read second, such
	// as an order's second authorization, gets its fields changed too).
	requests int
}

// passThrough is the Field of a body fault that changes nothing (no answer has that many
// scalars): queued before a real fault, it lets the requests before the aimed one pass.
const passThrough = 1 << 30

// everyRequest returns pr aimed at each request of its call (probe.requests), counted
// with f.Requests over one call made now.
func everyRequest(f *Fake, pr probe) probe {
	before := f.Requests()
	if _, err := pr.again(); err == nil {
		pr.requests = int(f.Requests() - before)
	}
	return pr
}

// newProbe makes call's first answer, taken now without a fault, the one every later
// answer is compared with by diff.
func newProbe[T any](t *testing.T, name string, call func() (T, error), diff func(want, got T) string) probe {
	t.Helper()
	base, err := call()
	require.NoError(t, err, "%s without a fault", name)
	return probe{name: name, again: func() (string, error) {
		got, err := call()
		if err != nil {
			return "", err
		}
		return diff(base, got), nil
	}}
}

// deepDiff is a probe's diff for values compared whole.
func deepDiff[T any](want, got T) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("%+v, want %+v", got, want)
}

// certificateProbe probes p.Certificate(id).
func certificateProbe(t *testing.T, name string, p anyca.Provider, id string) probe {
	return newProbe(t, name, func() (*model.Certificate, error) { return p.Certificate(ctxFor(t), id) },
		func(want, got *model.Certificate) string {
			if got == nil {
				return "no certificate and no error"
			}
			return certDiff([]model.Certificate{*want}, []model.Certificate{*got})
		})
}

// challengesProbe probes p.Challenges(id).
func challengesProbe(t *testing.T, name string, p anyca.Provider, id string) probe {
	return newProbe(t, name, func() ([]model.Challenge, error) { return p.Challenges(ctxFor(t), id) }, deepDiff[[]model.Challenge])
}

func (s *suite) testWrongTypes(t *testing.T) {
	f := s.startFake(t)
	p := singleShot(t, f)
	id := f.Want.Certificates[0].ID
	domain := f.Want.Domains[0].Domain
	firstPage := func() ([]model.Certificate, error) {
		var page []model.Certificate
		for c, err := range p.Certificates(ctxFor(t), model.CertificateQuery{PageSize: 3}) {
			if err != nil {
				return page, err
			}
			if page = append(page, *c); len(page) == 3 {
				break
			}
		}
		return page, nil
	}
	probes := []probe{
		certificateProbe(t, "Certificate", p, id),
		newProbe(t, "Certificates", firstPage, certDiff),
		newProbe(t, "DomainValidation", func() (*model.DomainValidation, error) { return p.DomainValidation(ctxFor(t), domain) },
			deepDiff[*model.DomainValidation]),
		challengesProbe(t, "Challenges", p, id),
	}
	// A wildcard's answers are probed too: a CA may flag a wildcard with a boolean (ACME's
	// authorization "wildcard": true) where every other field of its answers is a string.
	if w := wildcardID(f.Want.Certificates); w != "" && w != id {
		probes = append(probes, everyRequest(f, certificateProbe(t, "Certificate of the wildcard", p, w)),
			everyRequest(f, challengesProbe(t, "Challenges of the wildcard", p, w)))
	}
	for _, kind := range []FaultKind{FaultWrongType, FaultWrongScalar} {
		errs := 0
		for i := 0; i < wrongTypeFields; i++ {
			for _, pr := range probes {
				for at := 0; at < max(pr.requests, 1); at++ {
					f.FailNext(at, Fault{Kind: kind, Field: passThrough})
					f.FailNext(1, Fault{Kind: kind, Field: i})
					var diff string
					var err error
					panicFree(t, fmt.Sprintf("%s with field %d of request %d changed (%s)", pr.name, i, at+1, kind), func() {
						diff, err = pr.again()
					})
					if err != nil {
						errs++
						var me *model.Error
						assert.True(t, errors.As(err, &me), "%s: field %d of request %d (%s): want a *model.Error, got %T", pr.name, i, at+1, kind, err)
					} else if diff != "" {
						t.Errorf("%s: field %d of request %d changed (%s) altered the answer without an error (a silent wrong answer): %s", pr.name, i, at+1, kind, diff)
					}
				}
			}
		}
		assert.Positive(t, errs, "no field changed (%s) was ever an error", kind)
	}
}

func (s *suite) testHostileBodies(t *testing.T) {
	f := s.startFake(t)
	p := singleShot(t, f)
	deep := `{"results":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	for name, fault := range map[string]Fault{
		"deep-nesting": {Kind: FaultForeignDocument, Document: []byte(deep)},
		"huge-body":    {Kind: FaultHugeBody, Size: hugeBodySize},
		"not-json":     {Kind: FaultForeignDocument, Document: []byte("\x00\x1b[31m<html>\xff")},
	} {
		f.FailNext(1, fault)
		var n int
		var err error
		// A huge body is read up to the cap (32 MiB by default) before it is refused: under
		// -race on a busy 2-core machine that alone can take longer than the watchdog, so
		// this hang guard is longer. It still fails a client that never stops reading.
		bound := watchdog
		if fault.Kind == FaultHugeBody {
			bound = hugeBodyWatchdog
		}
		returnsWithin(t, bound, "a listing answered with a "+name, func() {
			panicFree(t, "a listing answered with a "+name, func() {
				for _, e := range p.Certificates(ctxFor(t), model.CertificateQuery{}) {
					if e != nil {
						err = e
						return
					}
					n++
				}
			})
		})
		assert.Error(t, err, "a listing answered with a %s yielded %d certificates and no error", name, n)
		assert.Zero(t, n, "a listing answered with a %s yielded certificates", name)
	}
}

// certDiff describes the first difference between two lists of certificates, "" when
// they are equal.
func certDiff(want, got []model.Certificate) string {
	if len(want) != len(got) {
		return fmt.Sprintf("%d certificates, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := reflect.ValueOf(want[i]), reflect.ValueOf(got[i])
		for j := 0; j < w.NumField(); j++ {
			if !reflect.DeepEqual(w.Field(j).Interface(), g.Field(j).Interface()) {
				return fmt.Sprintf("certificate %s: %s is %v, want %v", want[i].ID, w.Type().Field(j).Name, g.Field(j).Interface(), w.Field(j).Interface())
			}
		}
	}
	return ""
}

// wildcardID returns the id of the first certificate of certs with a wildcard name, or "".
func wildcardID(certs []model.Certificate) string {
	for _, c := range certs {
		for _, n := range c.DNSNames {
			if strings.HasPrefix(n, "*.") {
				return c.ID
			}
		}
	}
	return ""
}
