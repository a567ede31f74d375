package providertest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
	"github.com/anyca/anyca/retry"
)

// Paging: a certificate listing ends, with every item once, against a server that pages
// wrongly. Every fault is played by the fake on the real page it would send
// (FaultIgnorePaging, FaultWrongTotal, FaultEmptyPage, FaultBlankEntries, FaultOverlap),
// so the checks need no vendor knowledge. A listing the server stops advancing ends with
// model.ErrUnavailable, code pagination_stalled, within ceil(total/page size)+3
// requests (and never more than stallCap, however large the total claimed).

// stallCap bounds the requests of a listing whose server claims a total too large to
// page through.
const stallCap = 10

// hugeTotal is a total no listing can page through.
const hugeTotal = 1_000_000_000_000

// overlap is how many items each page of OverlappingPages repeats from the one before.
const overlap = 2

// outcome is how a listing under paging faults must end.
type outcome int

const (
	stalled   outcome = iota // ErrUnavailable pagination_stalled, within the request bound
	everyOnce                // no error, every certificate exactly once, within the bound
	nothing                  // no error, no certificate, one request
)

// pagingCase is one way a server pages wrongly, and what the listing must give.
type pagingCase struct {
	name, what string
	// limit is the page size to ask for, for an account of n certificates.
	limit func(n int) int
	// total is the total the first page reports, for the request bound; 0 is n.
	total int64
	// bound, when not 0, replaces the request bound computed from total.
	bound int64
	// faults are the faults to queue, one per request, for an account of n.
	faults func(n int) []Fault
	want   outcome
	// idless: the entries have no id, so the adapter may also refuse them while
	// decoding (retry.ErrMalformedResponse).
	idless bool
	// yieldsNothing: not even a first page may be yielded.
	yieldsNothing bool
	// offsetOnly: the case needs a total or a page size the client asks for, or shifts
	// offsets, so it cannot apply to a CA that pages by next links (Paging.NextLink).
	offsetOnly bool
}

// threePages splits n certificates into three pages.
func threePages(n int) int { return max(1, (n+2)/3) }

// pagingCases are the servers testPaging lists against.
var pagingCases = []pagingCase{
	{name: "IgnoredOffset", what: "a server that ignores the offset", limit: threePages, want: stalled,
		faults: func(int) []Fault { return repeat(stallCap+2, Fault{Kind: FaultIgnorePaging}) }},
	{offsetOnly: true, name: "HugeTotal", what: "a server that ignores the offset and claims 10^12 items", limit: threePages,
		total: hugeTotal, want: stalled,
		faults: func(int) []Fault { return repeat(stallCap+2, Fault{Kind: FaultIgnorePaging, Total: hugeTotal}) }},
	{offsetOnly: true, name: "GrowingTotal", what: "a total that grows by a page with every page of 2",
		limit: func(int) int { return 2 }, total: 3, want: stalled,
		faults: func(n int) []Fault {
			var out []Fault
			for k := int64(1); k <= int64(n); k++ {
				out = append(out, Fault{Kind: FaultWrongTotal, Total: 2*k + 1})
			}
			return out
		}},
	{offsetOnly: true, name: "EmptyPageShortOfTotal", what: "an empty second page, the total saying 10^12", limit: threePages,
		total: hugeTotal, want: stalled,
		faults: func(int) []Fault {
			return []Fault{{Kind: FaultWrongTotal, Total: hugeTotal}, {Kind: FaultEmptyPage, Total: hugeTotal}}
		}},
	{name: "EntriesWithoutID", what: "pages of entries without an id, the total saying 10^12", limit: threePages,
		total: hugeTotal, want: stalled, idless: true, yieldsNothing: true,
		faults: func(int) []Fault { return repeat(stallCap+2, Fault{Kind: FaultBlankEntries, Total: hugeTotal}) }},
	{offsetOnly: true, name: "OversizedPage", what: "a first page with one entry more than asked for", limit: threePages,
		bound: 1, want: stalled, yieldsNothing: true,
		faults: func(n int) []Fault { return []Fault{{Kind: FaultBlankEntries, Size: int64(threePages(n) + 1)}} }},
	{offsetOnly: true, name: "OverlappingPages", what: "pages that start with the last two items of the page before",
		limit: func(n int) int { return threePages(n + overlap) }, want: everyOnce,
		faults: func(int) []Fault { return repeat(stallCap+2, Fault{Kind: FaultOverlap, Size: overlap}) }},
	{name: "EmptyList", what: "the answer of an account without certificates",
		limit: threePages, bound: 1, want: nothing,
		faults: func(int) []Fault { return []Fault{{Kind: FaultEmptyPage}} }},
}

// testPaging lists against each paging case on a fresh fake, one attempt per request:
// a stall ends the listing with pagination_stalled within the request bound and no
// certificate twice (an oversized page before any item: the kit counts a page's items
// before decoding them); overlapping pages give every certificate exactly once, as
// when items are added at the head of a listing while it is read; an empty account
// lists nothing, without an error.
func (s *suite) testPaging(t *testing.T) {
	for _, pc := range pagingCases {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			pg := s.h.Capabilities.Paging
			if pg.NextLink && pc.offsetOnly {
				t.Logf("%s: not applicable to a CA that pages by next links, with no total (Capabilities.Paging.NextLink)", pc.what)
				return
			}
			f := s.startFake(t)
			n := len(f.Want.Certificates)
			limit := pc.limit(n)
			l := s.listUnder(t, f, limit, pc.faults(n)...)
			total := pc.total
			if total == 0 {
				total = int64(n)
			}
			pageSize := limit
			if pg.NextLink {
				require.Positive(t, pg.PageSize, "Capabilities.Paging.PageSize: a CA that pages by next links declares its page size")
				pageSize = pg.PageSize
			}
			bound := requestBound(total, pageSize, total == hugeTotal)
			if pc.bound > 0 {
				bound = pc.bound
			}
			// Each item listed costs the requests the provider reads it with.
			bound += int64(pg.RequestsPerItem * len(l.ids))
			switch pc.want {
			case stalled:
				checkStalled(t, pc.what, l, bound, pc.idless)
			case everyOnce:
				require.NoError(t, l.err, pc.what)
				assert.NoError(t, checkNoDuplicateIDs(l.ids), pc.what)
				assert.ElementsMatch(t, wantIDs(f), l.ids, "%s: every certificate exactly once", pc.what)
			case nothing:
				assert.NoError(t, l.err, "%s must list nothing, without an error", pc.what)
				assert.Empty(t, l.ids, "%s listed certificates", pc.what)
			}
			if pc.want != stalled {
				assert.LessOrEqual(t, l.requests, bound, "%s: too many requests", pc.what)
			}
			for _, id := range l.ids {
				if pc.idless && id == "" {
					t.Errorf("%s: the listing yielded a certificate without an id", pc.what)
					break
				}
			}
			if pc.yieldsNothing {
				assert.Empty(t, l.ids, "%s: certificates were yielded", pc.what)
			}
		})
	}
}

// pagedListing is what one listing under queued faults gave.
type pagedListing struct {
	ids      []string
	err      error
	requests int64
}

// listUnder queues faults, one per request in order, and lists every certificate with
// page size limit on a provider that makes one attempt per request. The provider first
// looks a certificate up, so that what it does once (an ACME client's directory and
// account) is done before the listing's requests are counted.
func (s *suite) listUnder(t *testing.T, f *Fake, limit int, faults ...Fault) pagedListing {
	t.Helper()
	p := singleShot(t, f)
	_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
	require.NoError(t, err, "a lookup before the listing")
	for _, fault := range faults {
		f.FailNext(1, fault)
	}
	var out pagedListing
	before := f.Requests()
	returnsWithin(t, watchdog, "a listing under paging faults", func() {
		panicFree(t, "a listing under paging faults", func() {
			for c, err := range p.Certificates(ctxFor(t), model.CertificateQuery{PageSize: limit}) {
				if err != nil {
					out.err = err
					return
				}
				out.ids = append(out.ids, c.ID)
			}
		})
	})
	out.requests = f.Requests() - before
	return out
}

// repeat is n copies of fault.
func repeat(n int, fault Fault) []Fault {
	out := make([]Fault, n)
	for i := range out {
		out[i] = fault
	}
	return out
}

// requestBound is ceil(total/limit)+pager.Slack, and never more than stallCap when
// capped.
func requestBound(total int64, limit int, capped bool) int64 {
	b := (total+int64(limit)-1)/int64(limit) + pager.Slack
	if capped {
		b = min(b, stallCap)
	}
	return b
}

// checkStalled checks that a listing ended with ErrUnavailable, code pagination_stalled
// (or, when orMalformed, an answer refused while decoding: retry.ErrMalformedResponse),
// within bound requests and without yielding a certificate twice.
func checkStalled(t *testing.T, what string, l pagedListing, bound int64, orMalformed bool) {
	t.Helper()
	if l.err == nil {
		t.Errorf("%s: the listing ended without an error after %d requests and %d certificates; want ErrUnavailable %s",
			what, l.requests, len(l.ids), pager.CodeStalled)
	} else {
		var me *model.Error
		assert.True(t, errors.Is(l.err, model.ErrUnavailable), "%s: want ErrUnavailable, got %v", what, l.err)
		stalled := errors.As(l.err, &me) && me.Code == pager.CodeStalled
		if !stalled && !(orMalformed && errors.Is(l.err, retry.ErrMalformedResponse)) {
			t.Errorf("%s: want a *model.Error with code %s, got %#v", what, pager.CodeStalled, l.err)
		}
	}
	assert.LessOrEqual(t, l.requests, bound, "%s: too many requests before the listing ended", what)
	assert.NoError(t, checkNoDuplicateIDs(l.ids), what)
}
