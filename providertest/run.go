package providertest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/idna"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// watchdog bounds every call the suite expects to return promptly (cancellation,
// deadlines): a call still running after it fails the test instead of hanging it.
const watchdog = 10 * time.Second

// hugeBodyWatchdog bounds a listing answered with a body larger than the cap, which the
// client reads up to the cap before refusing it.
const hugeBodyWatchdog = 60 * time.Second

// Run runs the conformance suite against the adapter h connects to. Each subtest
// starts its own fake with h.Start, seeded with DefaultScenario, and calls t.Parallel,
// so the subtests finish after Run returns: release resources with t.Cleanup (as
// h.Start must), not with defer in the calling test. h.Start is called concurrently,
// each time with its own deep copy of the scenario.
//
// The subtests, which can be selected with -run TestConformance/<name>:
//
//	WantMatchesScenario  Fake.Want reflects the scenario and the declared capabilities
//	New                  anyca.New, Name, case-insensitive names, capability interfaces;
//	                     BaseURL given as an origin reaches the API
//	Certificate          lookups equal Want; unknown ids are ErrNotFound
//	Certificates         paged listing, status filters, search, early break
//	CertificatesByID     anyca.CertificatesByID with unknown and duplicate ids
//	DomainValidation     lookups equal Want; name normalization; invalid and unknown names
//	Domains              listing and search equal Want (a listed value may leave out
//	                     Challenges, and only Challenges), or ErrUnsupported when not declared
//	Challenges           lists equal Want and are well-formed; unknown ids are ErrNotFound
//	Errors               bad key, 429, 5xx, HTML error pages, resets; no key in any error;
//	                     a 404 page that is not the CA's is endpoint_not_found, never
//	                     ErrNotFound
//	Cancellation         cancelled contexts and deadlines end every call
//	Concurrency          20 goroutines on one provider (run with -race)
//	Verify               pending, published, verified, valid; unpublished fails with a Problem;
//	                     WaitValidated across a state change; refusals (or ErrUnsupported)
//	Download             an issued chain verifies against Fake.Roots and matches the lookup;
//	                     pending and revoked are refused (or ErrUnsupported)
//	Limiter              Config.Retry.Limiter paces every request, retries included;
//	                     its failure is ErrUnavailable with no request sent
//	Wire                 the key in no printed form of the Provider, Config or errors
//	                     (every fmt verb, slog, encoding/json); a foreign 2xx
//	                     document is ErrUnavailable unexpected_document, not an empty
//	                     list; DomainValidation's ID is DomainID, else CertificateID,
//	                     and Challenges takes the latter
//	Faults               through the fake's injector: exactly-once under 20% faults, the
//	                     key absent on every failure path, cross-host redirects refused,
//	                     wrong types, hostile bodies, cancels during Retry-After and
//	                     limiter waits
//	Paging               listings end against servers that page wrongly (ignored
//	                     offset, huge or growing totals, empty or id-less pages) with
//	                     pagination_stalled within ceil(total/size)+3 requests;
//	                     overlapping pages give each item once; an oversized page is
//	                     an error; an empty account lists nothing
//	NoLeaks              no goroutine left after a break, a cancel or a slow CA
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Name == "" || h.Start == nil {
		t.Fatal("providertest: the Harness needs a Name and a Start function")
	}
	s := &suite{h: h, sc: DefaultScenario()}
	// NoLeaks runs first and alone: the parallel checks below wait until Run returns.
	t.Run("NoLeaks", s.testNoLeaks)
	runParallel(t, []check{
		{"WantMatchesScenario", s.testWantMatchesScenario},
		{"New", s.testNew},
		{"Certificate", s.testCertificate},
		{"Certificates", s.testCertificates},
		{"CertificatesByID", s.testCertificatesByID},
		{"DomainValidation", s.testDomainValidation},
		{"Domains", s.testDomains},
		{"Challenges", s.testChallenges},
		{"Errors", s.testErrors},
		{"Cancellation", s.testCancellation},
		{"Concurrency", s.testConcurrency},
		{"Verify", s.testVerify},
		{"Download", s.testDownload},
		{"Limiter", s.testLimiter},
		{"Wire", s.testWire},
		{"Faults", s.testFaults},
		{"Paging", s.testPaging},
		{"Lifecycle", s.testLifecycle},
	})
}

type suite struct {
	h  Harness
	sc Scenario
}

// check is one named subtest of the suite.
type check struct {
	name string
	fn   func(*testing.T)
}

// runParallel runs each check as a parallel subtest of t, under its name.
func runParallel(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t)
		})
	}
}

// start starts a fake and a provider on its config.
func (s *suite) start(t *testing.T) (*Fake, anyca.Provider) {
	t.Helper()
	f := s.startFake(t)
	p, err := anyca.New(context.Background(), f.Config)
	require.NoError(t, err, "anyca.New with the fake's Config")
	return f, p
}

func (s *suite) startFake(t *testing.T) *Fake {
	t.Helper()
	f := s.h.Start(t, cloneScenario(s.sc))
	require.NotNil(t, f, "Harness.Start returned nil")
	require.NotNil(t, f.FailNext, "Fake.FailNext is nil")
	require.NotNil(t, f.Requests, "Fake.Requests is nil")
	return f
}

// newProvider builds a provider on cfg.
func newProvider(t *testing.T, cfg anyca.Config) anyca.Provider {
	t.Helper()
	p, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err, "anyca.New")
	return p
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// collect drains a listing, stopping at the first error.
func collect[T any](seq func(func(*T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			if v != nil {
				return out, fmt.Errorf("iterator yielded a value with the error %w", err)
			}
			return out, err
		}
		if v == nil {
			return out, errors.New("iterator yielded a nil value without an error")
		}
		out = append(out, *v)
	}
	return out, nil
}

func wantIDs(f *Fake) []string {
	ids := make([]string, 0, len(f.Want.Certificates))
	for _, c := range f.Want.Certificates {
		ids = append(ids, c.ID)
	}
	return ids
}

// unknownCertificateID returns an id shaped like the fake's that names no certificate.
func (s *suite) unknownCertificateID(f *Fake) string {
	return unknownID(wantIDs(f))
}

func (s *suite) testWantMatchesScenario(t *testing.T) {
	f := s.startFake(t)
	w := f.Want
	caps := s.h.Capabilities
	assert.GreaterOrEqual(t, len(w.Certificates), len(s.sc.Certificates), "Want has fewer certificates than the scenario")
	assert.NotEmpty(t, w.Domains, "Want has no domains")
	names := map[string]bool{}
	ids := map[string]bool{}
	for _, c := range w.Certificates {
		names[c.CommonName] = true
		assert.Equal(t, s.h.Name, c.Provider, "certificate %q: Provider", c.ID)
		assert.NotEmpty(t, c.ID, "certificate %q has no ID", c.CommonName)
		assert.False(t, ids[c.ID], "certificate id %q appears twice in Want", c.ID)
		ids[c.ID] = true
		assert.True(t, c.Status.Valid(), "certificate %q: status %q", c.ID, c.Status)
		if c.Level != "" {
			assert.Contains(t, caps.Levels, c.Level, "certificate %q: level not among Capabilities.Levels", c.ID)
		}
		if len(c.DNSNames) > 0 {
			assert.Equal(t, c.CommonName, c.DNSNames[0], "certificate %q: the common name must come first in DNSNames", c.ID)
		}
		for _, tm := range []time.Time{c.CreatedAt, c.NotBefore, c.NotAfter} {
			assert.Equal(t, time.UTC, tm.Location(), "certificate %q: times must be UTC", c.ID)
		}
	}
	for _, c := range s.sc.Certificates {
		assert.True(t, names[c.CommonName], "scenario common name %q is missing from Want", c.CommonName)
	}
	for _, c := range w.Certificates {
		if c.ReplacesID != "" {
			assert.True(t, ids[c.ReplacesID], "certificate %q replaces %q, which is not in Want", c.ID, c.ReplacesID)
		}
	}
	domains := map[string]bool{}
	for _, d := range w.Domains {
		assert.Equal(t, s.h.Name, d.Provider, "domain %q: Provider", d.Domain)
		assert.False(t, domains[d.Domain], "domain %q appears twice in Want", d.Domain)
		domains[d.Domain] = true
		n, err := model.NormalizeDomain(d.Domain)
		assert.NoError(t, err, "domain %q", d.Domain)
		assert.Equal(t, n, d.Domain, "Want domain names must be normalized")
		for _, l := range d.Levels {
			assert.Contains(t, caps.Levels, l.Level, "domain %q: level not among Capabilities.Levels", d.Domain)
		}
	}
	for id, chs := range w.Challenges {
		assert.True(t, ids[id], "Want.Challenges has certificate %q, which is not in Want.Certificates", id)
		for _, ch := range chs {
			assert.NoError(t, checkChallengeWellFormed(ch, caps.ChallengeTypes), "Want.Challenges[%q]", id)
		}
	}
	// Every declared status is exercised by the scenario as the CA reports it, so that
	// filtering by it is a real test.
	have := map[model.CertificateStatus]bool{}
	for _, c := range w.Certificates {
		have[c.Status] = true
	}
	for _, st := range caps.CertificateStatuses {
		if st != model.StatusRejected && st != model.StatusUnknown {
			assert.True(t, have[st], "declared status %q has no certificate in Want", st)
		}
	}
	assert.NotEmpty(t, caps.ChallengeTypes, "Capabilities.ChallengeTypes is empty")
	assert.NotEmpty(t, caps.Levels, "Capabilities.Levels is empty")
}

func (s *suite) testNew(t *testing.T) {
	f := s.startFake(t)
	ctx := ctxFor(t)
	p, err := anyca.New(ctx, f.Config)
	require.NoError(t, err)
	require.NotNil(t, p)
	assert.Equal(t, s.h.Name, p.Name())

	for _, name := range []string{strings.ToUpper(s.h.Name), strings.ToUpper(s.h.Name[:1]) + s.h.Name[1:], " " + s.h.Name + " "} {
		cfg := f.Config
		cfg.Provider = name
		p, err := anyca.New(ctx, cfg)
		if assert.NoError(t, err, "provider name %q", name) {
			assert.Equal(t, s.h.Name, p.Name(), "provider name %q", name)
		}
	}
	_, isLister := p.(anyca.DomainLister)
	assert.Equal(t, s.h.Capabilities.DomainLister, isLister, "implements anyca.DomainLister")
	_, isBatch := p.(anyca.BatchGetter)
	assert.Equal(t, s.h.Capabilities.BatchGetter, isBatch, "implements anyca.BatchGetter")

	cfg := f.Config
	cfg.Provider = "no-such-provider-" + s.h.Name
	_, err = anyca.New(ctx, cfg)
	assert.Error(t, err, "an unregistered provider name")
	checkBaseURLOrigin(t, f)
}

// checkBaseURLOrigin checks that the origin of the fake's BaseURL (scheme and host, with
// and without a trailing slash) reaches the same API: a fake serves the vendor's
// documented paths, so an adapter completes an origin with its default path.
func checkBaseURLOrigin(t *testing.T, f *Fake) {
	t.Helper()
	u, err := url.Parse(f.Config.BaseURL)
	require.NoError(t, err, "the fake's BaseURL")
	origin := u.Scheme + "://" + u.Host
	want := f.Want.Certificates[0]
	for _, base := range []string{origin, origin + "/"} {
		cfg := f.Config
		cfg.BaseURL = base
		p, err := anyca.New(ctxFor(t), cfg)
		if !assert.NoError(t, err, "anyca.New with BaseURL %q (the origin of %q)", base, f.Config.BaseURL) {
			continue
		}
		got, err := p.Certificate(ctxFor(t), want.ID)
		if assert.NoError(t, err, "Certificate with BaseURL %q (an origin)", base) {
			assert.NoError(t, checkCertificate(got, want), "Certificate with BaseURL %q (an origin)", base)
		}
	}
}

func (s *suite) testCertificate(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	for _, want := range f.Want.Certificates {
		got, err := p.Certificate(ctx, want.ID)
		if assert.NoError(t, err, "Certificate(%q)", want.ID) {
			assert.NoError(t, checkCertificate(got, want))
		}
	}
	id := s.unknownCertificateID(f)
	got, err := p.Certificate(ctx, id)
	s.checkNotFound(t, fmt.Sprintf("Certificate(%q) of an unknown id", id), got, err)
}

// checkNotFound checks the answer of the lookup what of something the CA does not have:
// no value, and ErrNotFound in a *model.Error naming the provider.
func (s *suite) checkNotFound(t *testing.T, what string, got any, err error) {
	t.Helper()
	assert.Nil(t, got, what)
	assert.NoError(t, checkKind(err, model.ErrNotFound, s.h.Name), what)
}

func (s *suite) testCertificates(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	want := f.Want.Certificates

	t.Run("All", func(t *testing.T) {
		before := f.Requests()
		got, err := collect(p.Certificates(ctx, model.CertificateQuery{PageSize: 10}))
		require.NoError(t, err)
		assert.NoError(t, checkCertificates(got, want))
		pages := int64((len(want) + 9) / 10)
		assert.GreaterOrEqual(t, f.Requests()-before, pages, "a listing of %d certificates with PageSize 10 needs %d pages", len(want), pages)
	})

	t.Run("Status", func(t *testing.T) {
		for _, st := range s.h.Capabilities.CertificateStatuses {
			got, err := collect(p.Certificates(ctx, model.CertificateQuery{Status: []model.CertificateStatus{st}, PageSize: 10}))
			if assert.NoError(t, err, "status %q", st) {
				assert.NoError(t, checkCertificates(got, withStatus(want, st)), "status %q", st)
			}
		}
		sts := s.h.Capabilities.CertificateStatuses
		if len(sts) >= 2 {
			two := []model.CertificateStatus{sts[0], sts[len(sts)-1]}
			got, err := collect(p.Certificates(ctx, model.CertificateQuery{Status: two, PageSize: 10}))
			if assert.NoError(t, err, "statuses %v", two) {
				assert.NoError(t, checkCertificates(got, withStatus(want, two...)), "statuses %v", two)
			}
		}
	})

	t.Run("Search", func(t *testing.T) {
		targets := searchTargets(want)
		require.NotEmpty(t, targets, "no certificate in Want has a unique common name")
		for _, target := range targets {
			text := target.CommonName
			got, err := collect(p.Certificates(ctx, model.CertificateQuery{Search: text, PageSize: 10}))
			if !assert.NoError(t, err, "search %q", text) {
				continue
			}
			found := false
			for _, c := range got {
				if c.ID == target.ID {
					found = true
					assert.NoError(t, checkCertificate(&c, target))
				}
				assert.True(t, hasNameContaining(c, text), "search %q returned certificate %q with names %v", text, c.ID, c.DNSNames)
			}
			assert.True(t, found, "search %q did not return certificate %q", text, target.ID)
			assert.NoError(t, checkNoDuplicates(got), "search %q", text)
		}
	})

	t.Run("EarlyBreak", func(t *testing.T) {
		checkBreakStopsRequests(t, f, p.Certificates(ctx, model.CertificateQuery{PageSize: 10}), s.h.Capabilities.Paging.RequestsPerItem)
	})
}

// checkBreakStopsRequests breaks out of a listing at its first value and checks that
// the provider sends no request after the break (no page fetched ahead for nobody).
// It also checks that the first value came from the first request alone, and the
// perItem requests the provider makes for each item (no page read ahead, no item read
// ahead, before it was yielded).
func checkBreakStopsRequests[T any](t *testing.T, f *Fake, seq iter.Seq2[*T, error], perItem int) {
	t.Helper()
	before := f.Requests()
	var atBreak int64
	n := 0
	for v, err := range seq {
		require.NoError(t, err)
		require.NotNil(t, v)
		n++
		atBreak = f.Requests()
		break
	}
	require.Equal(t, 1, n, "the listing yielded nothing")
	assert.Equal(t, before+1+int64(perItem), atBreak,
		"the first value of a listing must come from its first request alone (and the %d requests each item costs), with no page read ahead", perItem)
	assert.Equal(t, atBreak, f.Requests(), "requests were made after the loop broke")
}

func withStatus(cs []model.Certificate, sts ...model.CertificateStatus) []model.Certificate {
	var out []model.Certificate
	for _, c := range cs {
		for _, st := range sts {
			if c.Status == st {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// searchTargets picks certificates whose common name no other certificate has: the
// first few by id, and the IDN one.
func searchTargets(cs []model.Certificate) []model.Certificate {
	count := map[string]int{}
	for _, c := range cs {
		count[c.CommonName]++
	}
	sorted := append([]model.Certificate(nil), cs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	var out []model.Certificate
	for _, c := range sorted {
		if count[c.CommonName] != 1 || strings.HasPrefix(c.CommonName, "*.") || c.CommonName == "" {
			continue
		}
		if len(out) < 3 || strings.Contains(c.CommonName, "xn--") {
			out = append(out, c)
		}
	}
	return out
}

func hasNameContaining(c model.Certificate, text string) bool {
	text = strings.ToLower(text)
	for _, n := range append([]string{c.CommonName}, c.DNSNames...) {
		if strings.Contains(strings.ToLower(n), text) {
			return true
		}
	}
	return false
}

func checkNoDuplicates(cs []model.Certificate) error {
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.ID] {
			return fmt.Errorf("certificate %q listed more than once", c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

func (s *suite) testCertificatesByID(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	ids := wantIDs(f)
	unknown := s.unknownCertificateID(f)
	in := append(append([]string{}, ids...), unknown)
	if len(ids) > 0 {
		in = append(in, ids[0], ids[len(ids)-1])
	}
	before := f.Requests()
	got, err := anyca.CertificatesByID(ctx, p, in)
	require.NoError(t, err)
	if s.h.Capabilities.BatchGetter && len(ids) > 1 {
		assert.Less(t, f.Requests()-before, int64(len(ids)+1),
			"a BatchGetter made at least one request per id (%d ids)", len(ids)+1)
	}
	_, has := got[unknown]
	assert.False(t, has, "the unknown id %q is in the map", unknown)
	var list []model.Certificate
	for id, c := range got {
		if assert.NotNil(t, c, "id %q maps to nil", id) {
			assert.Equal(t, id, c.ID, "the map key differs from the certificate's ID")
			list = append(list, *c)
		}
	}
	assert.NoError(t, checkCertificates(list, f.Want.Certificates))
}

// domainVariants returns other spellings of a normalized domain that must give the
// same answer: upper case with a trailing dot, and the Unicode form of an IDN.
func domainVariants(d string) []string {
	out := []string{strings.ToUpper(d) + "."}
	if strings.Contains(d, "xn--") {
		if u, err := idna.ToUnicode(d); err == nil && u != d {
			out = append(out, u)
		}
	}
	return out
}

func (s *suite) testDomainValidation(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	for _, want := range f.Want.Domains {
		got, err := p.DomainValidation(ctx, want.Domain)
		if !assert.NoError(t, err, "DomainValidation(%q)", want.Domain) {
			continue
		}
		assert.NoError(t, checkDomain(got, want))
		for _, ch := range got.Challenges {
			assert.NoError(t, checkChallengeWellFormed(ch, s.h.Capabilities.ChallengeTypes), "DomainValidation(%q)", want.Domain)
		}
		for _, v := range domainVariants(want.Domain) {
			got, err := p.DomainValidation(ctx, v)
			if assert.NoError(t, err, "DomainValidation(%q)", v) {
				assert.NoError(t, checkDomain(got, want), "DomainValidation(%q)", v)
			}
		}
	}
	for _, bad := range []string{"a..b", "-x.com", "", "exa mple.com", "x_-.com."} {
		before := f.Requests()
		got, err := p.DomainValidation(ctx, bad)
		assert.Nil(t, got, "DomainValidation(%q)", bad)
		assert.NoError(t, checkKind(err, model.ErrInvalidArgument, s.h.Name), "DomainValidation(%q)", bad)
		assert.Equal(t, before, f.Requests(), "DomainValidation(%q) of an invalid name sent a request", bad)
	}
	unknown := "no-such-domain.anyca-conformance.example"
	got, err := p.DomainValidation(ctx, unknown)
	s.checkNotFound(t, fmt.Sprintf("DomainValidation(%q) of an unknown domain", unknown), got, err)
}

// testDomains checks listings against Want with checkDomains: each listed value equals
// what DomainValidation returns, except that its Challenges may be empty.
func (s *suite) testDomains(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	if !s.h.Capabilities.DomainLister {
		n := 0
		for d, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
			n++
			assert.Nil(t, d)
			assert.NoError(t, checkKind(err, model.ErrUnsupported, s.h.Name))
		}
		assert.Equal(t, 1, n, "anyca.Domains on a provider without DomainLister must yield exactly one error")
		return
	}
	want := f.Want.Domains
	before := f.Requests()
	got, err := collect(anyca.Domains(ctx, p, model.DomainQuery{PageSize: 10}))
	require.NoError(t, err)
	assert.NoError(t, checkDomains(got, want))
	assert.Positive(t, f.Requests()-before, "listing domains made no request")

	var names []string
	for _, d := range want {
		names = append(names, d.Domain)
	}
	text := searchText(names)
	var match []model.DomainValidation
	for _, d := range want {
		if strings.Contains(d.Domain, text) {
			match = append(match, d)
		}
	}
	got, err = collect(anyca.Domains(ctx, p, model.DomainQuery{Search: text, PageSize: 10}))
	if assert.NoError(t, err, "search %q", text) {
		assert.NoError(t, checkDomains(got, match), "search %q", text)
	}

	checkBreakStopsRequests(t, f, anyca.Domains(ctx, p, model.DomainQuery{PageSize: 2}), 0)
}

func (s *suite) testChallenges(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	ids := make([]string, 0, len(f.Want.Challenges))
	for id := range f.Want.Challenges {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	nonEmpty := 0
	for _, id := range ids {
		want := f.Want.Challenges[id]
		if len(want) > 0 {
			nonEmpty++
		}
		got, err := p.Challenges(ctx, id)
		if !assert.NoError(t, err, "Challenges(%q)", id) {
			continue
		}
		assert.NoError(t, checkChallenges(got, want), "Challenges(%q)", id)
		for _, ch := range got {
			assert.NoError(t, checkChallengeWellFormed(ch, s.h.Capabilities.ChallengeTypes), "Challenges(%q)", id)
		}
	}
	assert.Positive(t, nonEmpty, "Want.Challenges has no challenge at all")
	id := s.unknownCertificateID(f)
	got, err := p.Challenges(ctx, id)
	assert.Empty(t, got)
	assert.NoError(t, checkKind(err, model.ErrNotFound, s.h.Name), "Challenges(%q) of an unknown id", id)
}

// firstCert returns the first certificate of a listing, or its error.
func firstCert(ctx context.Context, p anyca.Provider) (*model.Certificate, error) {
	for c, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: 10}) {
		return c, err
	}
	return nil, errors.New("the listing is empty")
}
