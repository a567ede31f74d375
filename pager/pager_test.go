package pager

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/anyca/anyca/model"
)

// server is a page source misbehaving in a given way; it counts fetches.
type server struct {
	fetches int
	page    func(r Request, fetch int) Page[string]
}

func (s *server) listing(limit int) Listing[string] {
	return Listing[string]{Provider: "test", Op: "List", Limit: limit,
		ID: func(id string) string { return id },
		Fetch: func(_ context.Context, r Request) (Page[string], error) {
			s.fetches++
			return s.page(r, s.fetches), nil
		}}
}

func ids(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "id" + strconv.Itoa(from+i)
	}
	return out
}

func drain(l Listing[string], ctx context.Context) (map[string]int, error) {
	got := map[string]int{}
	for id, err := range l.Seq(ctx) {
		if err != nil {
			return got, err
		}
		got[id]++
	}
	return got, nil
}

func TestHonestServerEndsAtTotal(t *testing.T) {
	for _, total := range []int{0, 1, 9, 10, 11, 95} {
		s := &server{page: func(r Request, _ int) Page[string] {
			n := max(min(r.Limit, total-r.Offset), 0)
			return Page[string]{Items: ids(r.Offset, n), Total: int64(total)}
		}}
		got, err := drain(s.listing(10), context.Background())
		if err != nil || len(got) != total {
			t.Fatalf("total %d: %d items, %v", total, len(got), err)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("%s delivered %d times", id, n)
			}
		}
		if want := max((total+9)/10, 1); s.fetches > want {
			t.Errorf("total %d: %d fetches, want %d", total, s.fetches, want)
		}
	}
}

func TestStalledServersEndWithinBound(t *testing.T) {
	const limit = 10
	cases := map[string]func(r Request, fetch int) Page[string]{
		"ignores offset": func(Request, int) Page[string] { return Page[string]{Items: ids(0, limit), Total: 1e12} },
		"growing total": func(r Request, f int) Page[string] {
			return Page[string]{Items: ids(r.Offset, limit), Total: int64(30 + f*limit)}
		},
		"empty ids":       func(Request, int) Page[string] { return Page[string]{Items: make([]string, limit), Total: 50} },
		"empty too early": func(r Request, _ int) Page[string] { return Page[string]{Total: 50} },
		"too many items":  func(Request, int) Page[string] { return Page[string]{Items: ids(0, limit+1), Total: 50} },
		"two-page cycle": func(r Request, f int) Page[string] {
			return Page[string]{Items: ids((f%2)*limit, limit), Total: 1e12}
		},
	}
	for name, page := range cases {
		s := &server{page: page}
		_, err := drain(s.listing(limit), context.Background())
		var me *model.Error
		if !errors.As(err, &me) || me.Code != CodeStalled || !errors.Is(err, model.ErrUnavailable) || me.Message == "" {
			t.Errorf("%s: %v, want ErrUnavailable %s with a message", name, err, CodeStalled)
		}
		if s.fetches > 40/limit+Slack+1 {
			t.Errorf("%s: %d fetches", name, s.fetches)
		}
	}
}

func TestBreakAndCancelStopFetching(t *testing.T) {
	s := &server{page: func(r Request, _ int) Page[string] { return Page[string]{Items: ids(r.Offset, 10), Total: 1000} }}
	for range s.listing(10).Seq(context.Background()) {
		break
	}
	if s.fetches != 1 {
		t.Errorf("%d fetches after a break on the first item, want 1", s.fetches)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.fetches = 0
	_, err := drain(s.listing(10), ctx)
	if !errors.Is(err, context.Canceled) || s.fetches != 0 {
		t.Errorf("a cancelled context: %v after %d fetches, want context.Canceled and none", err, s.fetches)
	}
}

// Items a page repeats from the previous one (three items were added at the head of the
// listing after the first page) are delivered once, and the listing goes on.
func TestOverlappingPagesDeliverOnce(t *testing.T) {
	const total = 40
	s := &server{page: func(r Request, _ int) Page[string] {
		start := max(r.Offset-3, 0)
		n := max(min(10, total-start), 0)
		if r.Offset > 0 {
			return Page[string]{Items: ids(start, n), Total: total + 3}
		}
		return Page[string]{Items: ids(start, n), Total: total}
	}}
	got, err := drain(s.listing(10), context.Background())
	if err != nil || len(got) != total {
		t.Fatalf("%d distinct items, %v; want %d", len(got), err, total)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// A listing never legitimately answers "not found": a page answered so is the endpoint
// missing (a wrong BaseURL path), kind ErrUnavailable with code endpoint_not_found, the
// status and the vendor's words kept; other errors pass unchanged.
func TestNotFoundPageIsAMissingEndpoint(t *testing.T) {
	notFound := &model.Error{Provider: "test", Op: "List", Kind: model.ErrNotFound, HTTPStatus: 404,
		Code: "not_found|order", Message: "Order not found."}
	other := &model.Error{Provider: "test", Op: "List", Kind: model.ErrRateLimited, HTTPStatus: 429}
	for _, fetchErr := range []error{notFound, other} {
		l := Listing[string]{Provider: "test", Op: "List", Limit: 10, ID: func(id string) string { return id },
			Fetch: func(context.Context, Request) (Page[string], error) { return Page[string]{}, fetchErr }}
		_, err := drain(l, context.Background())
		if fetchErr == other {
			if err != other {
				t.Errorf("a 429 page: got %v, want it unchanged", err)
			}
			continue
		}
		var me *model.Error
		if !errors.As(err, &me) || errors.Is(err, model.ErrNotFound) || !errors.Is(err, model.ErrUnavailable) {
			t.Fatalf("a 404 page: got %v, want ErrUnavailable and never ErrNotFound", err)
		}
		if me.Code != CodeEndpointNotFound || me.HTTPStatus != 404 || me.Provider != "test" || me.Op != "List" {
			t.Errorf("a 404 page: %+v: want code %s, status 404, provider and op kept", me, CodeEndpointNotFound)
		}
		want := "test: List: unavailable (HTTP 404, endpoint_not_found): a listing answered not found (not_found|order: Order not found.); the request reached no API endpoint: is BaseURL right?"
		if err.Error() != want {
			t.Errorf("a 404 page: %q\nwant %q", err.Error(), want)
		}
	}
}
