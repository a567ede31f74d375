package memca

import (
	"context"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
	"github.com/anyca/anyca/providertest/fakeca"
)

// The certificate listing: one request per page, the paging faults played on the page
// the server would send, and the listing guarantees an adapter gets from package pager
// (each item once, a stalled server ends the listing within ceil(total/size)+pager.Slack
// requests, a page over the size asked for is an error), written here on their own so
// that each can be broken by a bug.

// PagingBugs break the listing guarantees the suite's Paging checks prove.
type PagingBugs struct {
	TrustsRepeatedPage bool // a page of items already listed counts as progress, not as a stall
	NoRequestBudget    bool // the listing pages on while the total says more, however many requests it takes
	EmptyPageEnds      bool // an empty page ends the listing though the total says more
	YieldsBlankEntries bool // entries without an id are yielded
	NoDedupAcrossPages bool // an item repeated from the previous page is yielded again
	AcceptsOversized   bool // a page with more items than asked for is yielded whole, and ends the listing
	EmptyListIsError   bool // an empty account's listing ends with an error
	ReadAhead          bool // a listing requests the next page before yielding the current one's items
}

// isPagingFault reports whether k is played by the listing on its page.
func isPagingFault(k fakeca.FaultKind) bool {
	switch k {
	case fakeca.IgnorePaging, fakeca.WrongTotal, fakeca.EmptyPage, fakeca.BlankEntries, fakeca.Overlap:
		return true
	}
	return false
}

// certListing is the state of one Certificates listing.
type certListing struct {
	p        *Provider
	statuses []model.CertificateStatus
	search   string
	size     int

	offset     int                 // items received so far
	budget     int64               // requests allowed, once the first total is known (-1 before)
	firstTotal int64               // the first total the server reported
	last       map[string]bool     // ids of the previous page
	overlap    []model.Certificate // the real items of the last page an Overlap fault answered
	yielded    *model.Certificate  // the last certificate yielded, for Faults.ReplayAfterRetry
}

// Certificates lists the certificates matching q, one request per page.
func (p *Provider) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		for _, st := range q.Status {
			if !st.Valid() {
				yield(nil, p.errorf("Certificates", model.ErrInvalidArgument, "unknown status %q", st))
				return
			}
		}
		l := &certListing{p: p, statuses: q.Status, search: strings.ToLower(strings.TrimSpace(q.Search)),
			size: pageSize(q.PageSize), budget: -1}
		if err := l.run(ctx, yield); err != nil {
			yield(nil, err)
		}
	}
}

// stalled is the error of a listing the server stopped advancing, as package pager
// reports it.
func (l *certListing) stalled(format string, args ...any) error {
	e := l.p.errorf("Certificates", model.ErrUnavailable, format, args...)
	e.Code = pager.CodeStalled
	return e
}

// run walks the pages; it returns the error that ends the listing, or nil when the
// listing ended or the consumer broke out.
func (l *certListing) run(ctx context.Context, yield func(*model.Certificate, error) bool) error {
	for number := 1; ; number++ {
		if l.budget >= 0 && int64(number) > l.budget && !l.p.bugs().Paging.NoRequestBudget {
			return l.stalled("the listing did not end within %d requests (%d items first reported)", l.budget, l.firstTotal)
		}
		a, err := l.p.callCounted(ctx, "Certificates")
		if err == error(errForeignAsEmpty) {
			return nil // the bug: a foreign document reads as the end of the listing
		}
		if err != nil {
			return err
		}
		s := a.server
		bugs := s.Bugs
		items, total := l.page(s, a.page)
		if len(items) > l.size {
			if !bugs.Paging.AcceptsOversized {
				return l.stalled("page %d has %d items, more than the %d asked for", number, len(items), l.size)
			}
			for _, c := range items { // the bug
				if !yield(&c, nil) {
					break
				}
			}
			return nil
		}
		if l.budget < 0 {
			l.firstTotal, l.budget = total, (total+int64(l.size)-1)/int64(l.size)+pager.Slack
		}
		if bugs.Paging.ReadAhead && len(items) > 0 {
			_, _ = l.p.call(ctx, "Certificates") // the bug: the next page fetched before this one is yielded
		}
		if bugs.Faults.ReplayAfterRetry && a.attempts > 1 && l.yielded != nil && !yield(l.yielded, nil) {
			return nil // the bug: a retried page starts one item early
		}
		fresh, blank, stop := l.deliver(items, bugs, yield)
		if stop {
			if bugs.Faults.LeakOnBreak {
				go func() { time.Sleep(time.Minute) }() // the bug: a prefetcher nobody stops
			}
			if bugs.PrefetchAfterBreak && int64(l.offset+len(items)) < total {
				_, _ = l.p.call(ctx, "Certificates") // the bug: fetch ahead even though the caller is gone
			}
			return nil
		}
		received := l.offset + len(items)
		switch {
		case len(items) == 0:
			if total > int64(l.offset) && !bugs.Paging.EmptyPageEnds {
				return l.stalled("page %d is empty, but the server reports %d items and %d were received", number, total, l.offset)
			}
			if number == 1 && bugs.Paging.EmptyListIsError {
				return l.p.errorf("Certificates", model.ErrUnavailable, "the account has no certificate") // the bug
			}
			return nil
		case blank > 0 && fresh == 0:
			return l.stalled("page %d has %d entries without an id and no new entry", number, blank)
		case fresh == 0 && !bugs.Paging.TrustsRepeatedPage:
			return l.stalled("page %d repeats certificates already listed", number)
		case int64(received) >= total || len(items) < l.size:
			return nil
		}
		l.offset = received
	}
}

// deliver yields the items of one page that are new: not without an id, not on the
// previous page. It returns how many were new, how many had no id, and whether the
// consumer broke out.
func (l *certListing) deliver(items []model.Certificate, bugs Bugs, yield func(*model.Certificate, error) bool) (fresh, blank int, stop bool) {
	ids := map[string]bool{}
	for i, c := range items {
		if c.ID == "" && !bugs.Paging.YieldsBlankEntries {
			blank++
			continue
		}
		ids[c.ID] = true
		if l.last[c.ID] && !bugs.Paging.NoDedupAcrossPages {
			continue
		}
		fresh++
		times := 1
		if i == 0 && bugs.DuplicateInListing {
			times = 2 // the bug: the first certificate of every page is sent twice
		}
		for range times {
			if !yield(&c, nil) {
				return fresh, blank, true
			}
		}
		l.yielded = &c
	}
	l.last = ids
	return fresh, blank, false
}

// page is the page the server sends at the listing's offset, as the paging fault f (Kind
// 0: none) changes it, and the total it reports.
func (l *certListing) page(s *Server, f fakeca.Fault) ([]model.Certificate, int64) {
	match := s.certMatches(l.statuses, l.search)
	pos := l.offset
	if f.Kind == fakeca.IgnorePaging {
		pos = 0
	}
	start := min(pos, len(match))
	var items []model.Certificate
	for _, c := range match[start:min(start+l.size, len(match))] {
		items = append(items, s.present(c))
	}
	total := int64(len(match))
	if f.Total != 0 || f.Kind == fakeca.WrongTotal || f.Kind == fakeca.EmptyPage {
		total = f.Total
	}
	switch f.Kind {
	case fakeca.EmptyPage:
		items = nil
	case fakeca.BlankEntries:
		n := int(f.Size)
		if n <= 0 {
			n = len(items)
		}
		items = make([]model.Certificate, n)
		for i := range items {
			items[i].Provider = s.Name
		}
	case fakeca.Overlap:
		prev := l.overlap
		l.overlap = items
		if prev != nil {
			k := min(int(f.Size), len(prev))
			both := append(slices.Clone(prev[len(prev)-k:]), items...)
			items = both[:min(len(both), max(len(prev), len(items)))]
		}
	}
	return items, total
}

// certMatches returns the certificates q's statuses and search select, by ID.
func (s *Server) certMatches(statuses []model.CertificateStatus, search string) []model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []model.Certificate
	for _, c := range s.certs {
		if len(statuses) > 0 && !slices.Contains(statuses, c.Status) && !s.Bugs.IgnoreStatusFilter {
			continue
		}
		if search != "" && !slices.ContainsFunc(c.DNSNames, func(n string) bool { return strings.Contains(n, search) }) {
			continue
		}
		match = append(match, c.Clone())
	}
	return match
}
