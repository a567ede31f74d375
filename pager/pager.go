// Package pager walks a CA's paged listing for the adapters and owns every guarantee a
// listing makes: the context is checked before each request, no request is sent after the
// consumer breaks, each item is delivered once, memory stays bounded by a few pages, and
// the listing ends. A server that stops advancing (ignores the offset, repeats a page,
// reports a total that grows or can never be reached, sends entries without ids) ends the
// listing with a *model.Error of kind model.ErrUnavailable and code CodeStalled, whose
// message says what the server did.
//
// Exactly-once delivery remembers only the ids of the last two pages: an item repeated
// from further back (a server that shuffles its whole listing) is not caught, but a
// listing never holds a set of every id it has seen.
//
// The package is public and kept stable for adapters outside this repository: a
// listing built on Listing.Seq keeps the paging guarantees providertest.Run checks
// (exactly once, stall detection within ceil(total/limit)+Slack requests, the item cap
// per page) without copying them.
package pager

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/anyca/anyca/model"
)

// CodeStalled is the model.Error code of a listing the server stopped advancing.
const CodeStalled = "pagination_stalled"

// CodeEndpointNotFound is the model.Error code of an answer from no API endpoint: a
// wrong BaseURL path, a server that is not the CA's (wire.NotVendor404Code is the same).
const CodeEndpointNotFound = "endpoint_not_found"

// Slack is how many requests beyond ceil(total/limit) a listing may send before it is
// declared stalled.
const Slack = 3

// Request is what the fetcher is asked for: Offset (items before the page), Number (the
// 1-based page number) and Limit (items asked for). A fetcher uses the ones its API
// takes.
type Request struct {
	Offset int
	Number int
	Limit  int
}

// Page is one page a fetcher read.
type Page[T any] struct {
	Items []T
	// Total is the number of items the server says the listing has; -1 when it does not
	// say.
	Total int64
	// Limit is the page size the server says it used, when it lowered the one asked for;
	// 0 means the one asked for.
	Limit int
}

// Listing describes one paged listing.
type Listing[T any] struct {
	Provider string // for errors
	Op       string // for errors
	// Limit is the page size asked for (> 0). A page with more items is an error; the
	// fetcher must check that while decoding (see wire.CountArray), before mapping items.
	Limit int
	// Fetch reads one page. An error ends the listing and is passed on unchanged.
	Fetch func(ctx context.Context, r Request) (Page[T], error)
	// ID returns an item's identity, for delivering it once; "" is an entry without id.
	ID func(T) string
	// EndOnShortPage ends the listing at a page with fewer items than the page size even
	// when the server's total says more. A page without a total always ends a listing
	// when it is short.
	EndOnShortPage bool
}

// Seq returns the listing as an iterator. The first error ends it.
func (l Listing[T]) Seq(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := l.run(ctx, yield); err != nil {
			yield(zero, err)
		}
	}
}

func (l Listing[T]) stalled(format string, args ...any) *model.Error {
	return &model.Error{Provider: l.Provider, Op: l.Op, Kind: model.ErrUnavailable, Code: CodeStalled,
		Message: fmt.Sprintf(format, args...)}
}

// run walks the pages, returning the error that ends the listing, or nil when it ended
// normally or the consumer broke out (yield returned false: nothing more is requested).
func (l Listing[T]) run(ctx context.Context, yield func(T, error) bool) error {
	limit := max(l.Limit, 1)
	var (
		prev, last map[string]struct{} // ids of the page before the last one, and of the last one
		firstTotal int64               = -1
		lastTotal  int64               = -1
		budget     int64               = -1 // requests allowed, once a total is known
		offset     int
	)
	for number := 1; ; number++ {
		if err := ctx.Err(); err != nil {
			return &model.Error{Provider: l.Provider, Op: l.Op, Kind: err}
		}
		if budget >= 0 && int64(number) > budget {
			return l.stalled("the listing did not end within %d requests (%d items first reported, %d per page, plus %d); the server's total went from %d to %d",
				budget, firstTotal, limit, Slack, firstTotal, lastTotal)
		}
		p, err := l.Fetch(ctx, Request{Offset: offset, Number: number, Limit: limit})
		if err != nil {
			return l.notFound(err)
		}
		if len(p.Items) > limit {
			return l.stalled("page %d has %d items, more than the %d asked for", number, len(p.Items), limit)
		}
		size := limit
		if p.Limit > 0 && p.Limit < limit {
			size = p.Limit
		}
		if p.Total >= 0 {
			lastTotal = p.Total
			if firstTotal < 0 {
				firstTotal = p.Total
				budget = (p.Total+int64(size)-1)/int64(size) + Slack
			}
		}
		ids := make(map[string]struct{}, len(p.Items))
		fresh, empty := 0, 0
		for _, it := range p.Items {
			id := l.ID(it)
			if id == "" {
				empty++
				continue
			}
			if _, dup := ids[id]; dup {
				continue
			}
			ids[id] = struct{}{}
			if _, seen := last[id]; seen {
				continue
			}
			if _, seen := prev[id]; seen {
				continue
			}
			fresh++
			if !yield(it, nil) {
				return nil
			}
		}
		received := offset + len(p.Items)
		switch {
		case len(p.Items) == 0:
			if p.Total > int64(offset) {
				return l.stalled("page %d is empty, but the server reports %d items and %d were received", number, p.Total, offset)
			}
			return nil
		case empty > 0 && fresh == 0:
			return l.stalled("page %d has %d entries with an empty id and no new entry", number, empty)
		case fresh == 0:
			return l.stalled("page %d repeats entries already listed: the server ignored the offset or page number", number)
		case p.Total >= 0 && int64(received) >= p.Total:
			return nil
		case (p.Total < 0 || l.EndOnShortPage) && len(p.Items) < size:
			return nil
		}
		prev, last = last, ids
		offset = received
	}
}

// notFound turns a page answered "not found" into the error of a missing endpoint: a
// listing never legitimately answers not found (an empty account is an empty page), so
// such an answer says the request reached no API route, most often through a wrong
// BaseURL path. The error keeps its HTTP status and the vendor's code and text in its
// message; its kind is model.ErrUnavailable and its code CodeEndpointNotFound, so that a
// caller never reads it as "no such object". Other errors are returned unchanged.
func (l Listing[T]) notFound(err error) error {
	var me *model.Error
	if !errors.Is(err, model.ErrNotFound) || !errors.As(err, &me) {
		return err
	}
	vendor := strings.Trim(strings.TrimSpace(me.Code+": "+me.Message), ": ")
	msg := "a listing answered not found"
	if vendor != "" {
		msg += " (" + vendor + ")"
	}
	return &model.Error{Provider: me.Provider, Op: me.Op, Kind: model.ErrUnavailable, HTTPStatus: me.HTTPStatus,
		Code: CodeEndpointNotFound, Message: msg + "; the request reached no API endpoint: is BaseURL right?"}
}

// TooManyItems is the error for a page holding more than the limit items asked for,
// found while counting and before any item is decoded: kind model.ErrUnavailable, code
// CodeStalled.
func TooManyItems(provider, op string, limit int) *model.Error {
	return &model.Error{Provider: provider, Op: op, Kind: model.ErrUnavailable, Code: CodeStalled,
		Message: fmt.Sprintf("a page has more than the %d items asked for", limit)}
}
