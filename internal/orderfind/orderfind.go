// Package orderfind is the kit's search for an order after an unknown outcome: the one
// test of "this is the order made" (names as normalized sets, creation time with slack)
// and the bounded scan of a listing, shared by anyca.FindOrder and every adapter's
// OrderFinder.
package orderfind

import (
	"iter"
	"slices"
	"time"

	"github.com/anyca/anyca/model"
)

// Slack is how much earlier than since a creation time is still accepted: CAs report
// whole seconds.
const Slack = time.Second

// ScanLimit bounds the certificates one search reads from a listing.
const ScanLimit = 1000

// Names returns names normalized and de-duplicated, first occurrence first, or a
// *model.Error of kind ErrInvalidArgument for provider and op.
func Names(provider, op string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, model.NewError(provider, op, model.ErrInvalidArgument, "the request has no names")
	}
	var out []string
	for _, n := range names {
		norm, err := model.NormalizeDomain(n)
		if err != nil {
			return nil, &model.Error{Provider: provider, Op: op, Kind: model.ErrInvalidArgument, Err: err}
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out, nil
}

// Matches reports whether c is an order for exactly the names want (normalized) created
// at or after since minus Slack.
func Matches(c *model.Certificate, want []string, since time.Time) bool {
	if c == nil || c.CreatedAt.Before(since.Add(-Slack)) {
		return false
	}
	have := model.NormalizeDomains(append([]string{c.CommonName}, c.DNSNames...))
	if len(have) != len(want) {
		return false
	}
	for _, n := range want {
		if !slices.Contains(have, n) {
			return false
		}
	}
	return true
}

// Scan reads list until ScanLimit certificates and returns the newest that Matches, or
// a *model.Error of kind ErrNotFound. With newestFirst the listing is known to run from
// the newest order down, so the scan also stops at the first certificate created before
// since minus Slack.
func Scan(provider string, list iter.Seq2[*model.Certificate, error], want []string, since time.Time, newestFirst bool) (*model.Certificate, error) {
	var best *model.Certificate
	scanned := 0
	for c, err := range list {
		if err != nil {
			return nil, err
		}
		scanned++
		if Matches(c, want, since) && (best == nil || c.CreatedAt.After(best.CreatedAt)) {
			best = c
		}
		if scanned >= ScanLimit || newestFirst && !c.CreatedAt.IsZero() && c.CreatedAt.Before(since.Add(-Slack)) {
			break
		}
	}
	if best == nil {
		return nil, model.NewError(provider, "FindOrder", model.ErrNotFound,
			"no order for %v created since %s among the %d certificates listed",
			want, since.UTC().Format(time.RFC3339), scanned)
	}
	return best, nil
}
