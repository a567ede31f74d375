package providertest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/internal/pager"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Paging: a certificate listing ends, with every item once, against a server that pages
// wrongly. Every fault is played by the fake on the real page it would send (FaultIgnore-
// Paging, FaultWrongTotal, FaultEmptyPage, FaultBlankEntries, FaultOverlap), so the
// checks need no vendor knowledge. A listing the server stops advancing ends with
// model.ErrUnavailable, code pagination_stalled, within ceil(total/page size)+3
// requests (and never more than stallCap, however large the total claimed).

// stallCap bounds the requests of a listing whose server claims a total too large to
// page through.
const stallCap = 10

// hugeTotal is a total no listing can page through.
const hugeTotal = 1_000_000_000_000

func (s *suite) testPaging(t *testing.T) {
	runParallel(t, []check{
		{"IgnoredOffset", s.testIgnoredOffset},
		{"HugeTotal", s.testHugeTotal},
		{"GrowingTotal", s.testGrowingTotal},
		{"EmptyPageShortOfTotal", s.testEmptyPageShortOfTotal},
		{"EntriesWithoutID", s.testEntriesWithoutID},
		{"OverlappingPages", s.testOverlappingPages},
		{"OversizedPage", s.testOversizedPage},
		{"EmptyList", s.testEmptyList},
	})
}

// pagedListing is what one listing under queued faults gave.
type pagedListing struct {
	ids      []string
	err      error
	requests int64
}

// listUnder queues faults, one per request in order, and lists every certificate with
// page size limit on a provider that makes one attempt per request.
func (s *suite) listUnder(t *testing.T, f *Fake, limit int, faults ...Fault) pagedListing {
	t.Helper()
	p := singleShot(t, f)
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

// threePages is a page size that splits want into three pages, the last one short by at
// least room items.
func threePages(f *Fake, room int) int {
	return max(1, (len(f.Want.Certificates)+room+2)/3)
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

// testIgnoredOffset: the server answers its first page whatever page is asked for.
func (s *suite) testIgnoredOffset(t *testing.T) {
	f := s.startFake(t)
	limit := threePages(f, 0)
	l := s.listUnder(t, f, limit, repeat(stallCap+2, Fault{Kind: FaultIgnorePaging})...)
	checkStalled(t, "a server that ignores the offset", l, requestBound(int64(len(f.Want.Certificates)), limit, false), false)
}

// testHugeTotal: the server ignores the offset and claims 10^12 items.
func (s *suite) testHugeTotal(t *testing.T) {
	f := s.startFake(t)
	limit := threePages(f, 0)
	l := s.listUnder(t, f, limit, repeat(stallCap+2, Fault{Kind: FaultIgnorePaging, Total: hugeTotal})...)
	checkStalled(t, "a server that ignores the offset and claims 10^12 items", l, requestBound(hugeTotal, limit, true), false)
}

// testGrowingTotal: every page is new, but the total grows by a page each time, so the
// listing would never end.
func (s *suite) testGrowingTotal(t *testing.T) {
	f := s.startFake(t)
	const limit = 2
	require.Greater(t, len(f.Want.Certificates), 4*limit, "the scenario needs many pages of 2")
	var faults []Fault
	for k := int64(1); k <= int64(len(f.Want.Certificates)); k++ {
		faults = append(faults, Fault{Kind: FaultWrongTotal, Total: k*limit + 1})
	}
	l := s.listUnder(t, f, limit, faults...)
	checkStalled(t, "a total that grows by a page with every page", l, requestBound(limit+1, limit, false), false)
}

// testEmptyPageShortOfTotal: the second page is empty though the total says 10^12.
func (s *suite) testEmptyPageShortOfTotal(t *testing.T) {
	f := s.startFake(t)
	limit := threePages(f, 0)
	l := s.listUnder(t, f, limit, Fault{Kind: FaultWrongTotal, Total: hugeTotal}, Fault{Kind: FaultEmptyPage, Total: hugeTotal})
	checkStalled(t, "an empty page short of the total", l, requestBound(hugeTotal, limit, true), false)
}

// testEntriesWithoutID: every page holds entries without any member (so without an id),
// and the total says 10^12. The adapter may refuse such an entry while decoding it
// (retry.ErrMalformedResponse) or leave it to the pager (pagination_stalled); it must
// never yield it.
func (s *suite) testEntriesWithoutID(t *testing.T) {
	f := s.startFake(t)
	limit := threePages(f, 0)
	l := s.listUnder(t, f, limit, repeat(stallCap+2, Fault{Kind: FaultBlankEntries, Total: hugeTotal})...)
	checkStalled(t, "pages of entries without an id", l, requestBound(hugeTotal, limit, true), true)
	for _, id := range l.ids {
		if id == "" {
			t.Errorf("pages of entries without an id: the listing yielded a certificate without an id")
			break
		}
	}
	assert.Empty(t, l.ids, "pages of entries without an id yielded certificates")
}

// testOverlappingPages: each page starts with the last two items of the page before, as
// when items are added at the head of a listing while it is read. Every certificate is
// yielded exactly once and the listing ends normally.
func (s *suite) testOverlappingPages(t *testing.T) {
	f := s.startFake(t)
	const overlap = 2
	limit := threePages(f, overlap)
	l := s.listUnder(t, f, limit, repeat(stallCap+2, Fault{Kind: FaultOverlap, Size: overlap})...)
	require.NoError(t, l.err, "a listing whose pages overlap by %d items", overlap)
	assert.NoError(t, checkNoDuplicateIDs(l.ids), "pages overlapping by %d items", overlap)
	assert.ElementsMatch(t, wantIDs(f), l.ids, "pages overlapping by %d items: every certificate exactly once", overlap)
	assert.LessOrEqual(t, l.requests, requestBound(int64(len(f.Want.Certificates)), limit, false),
		"pages overlapping by %d items: too many requests", overlap)
}

// testOversizedPage: a page with one item more than asked for is an error before any
// item is yielded (the kit counts a page's items before decoding them).
func (s *suite) testOversizedPage(t *testing.T) {
	f := s.startFake(t)
	limit := threePages(f, 0)
	l := s.listUnder(t, f, limit, Fault{Kind: FaultBlankEntries, Size: int64(limit + 1)})
	checkStalled(t, fmt.Sprintf("a page of %d items when %d were asked for", limit+1, limit), l, 1, false)
	assert.Empty(t, l.ids, "an oversized page yielded certificates")
}

// testEmptyList: the vendor's own empty listing (no items, a total of 0) is an empty
// listing, not an error.
func (s *suite) testEmptyList(t *testing.T) {
	f := s.startFake(t)
	l := s.listUnder(t, f, 10, Fault{Kind: FaultEmptyPage})
	assert.NoError(t, l.err, "an empty account must list nothing, without an error")
	assert.Empty(t, l.ids, "an empty account listed certificates")
	assert.Equal(t, int64(1), l.requests, "an empty account takes one request")
}
