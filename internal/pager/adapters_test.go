package pager_test

// These tests drive both adapters through the public API (anyca.New) against hostile
// httptest servers that speak each vendor's list format, with retries off, and check
// that the pager's guarantees hold in both.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/pager"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

const testKey = "kit-test-key-0123456789abcdef"

// vendor renders one vendor's list page and reads a request's position.
type vendor struct {
	name string
	path string // the list path the adapter requests (suffix)
	// page renders a list page holding ids, reporting total and limit.
	page func(ids []string, total int64, limit int) string
	// position returns the 0-based index of the first item the request asks for.
	position func(r *http.Request, limit int) int
	// id makes the vendor-shaped id of item n.
	id func(n int) string
}

var vendors = []vendor{
	{
		name: "digicert", path: "/order/certificate",
		page: func(ids []string, total int64, limit int) string {
			var b strings.Builder
			b.WriteString(`{"orders":[`)
			for i, id := range ids {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":%q,"status":"issued","date_created":"2024-01-01T00:00:00+00:00","certificate":{"common_name":"h%s.example.com","valid_till":"2030-01-01"}}`, id, id)
			}
			fmt.Fprintf(&b, `],"page":{"total":%d,"limit":%d,"offset":0}}`, total, limit)
			return b.String()
		},
		position: func(r *http.Request, _ int) int { n, _ := strconv.Atoi(r.URL.Query().Get("offset")); return n },
		id: func(n int) string {
			if n < 0 {
				return ""
			}
			return strconv.Itoa(1000 + n)
		},
	},
	{
		name: "zerossl", path: "/certificates",
		page: func(ids []string, total int64, limit int) string {
			var b strings.Builder
			fmt.Fprintf(&b, `{"total_count":%d,"result_count":%d,"page":1,"limit":%d,"results":[`, total, len(ids), limit)
			for i, id := range ids {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `{"id":%q,"type":"1","common_name":"h%d.example.com","status":"issued","created":"2024-01-01 00:00:00","expires":"2030-01-01 00:00:00"}`, id, i)
			}
			b.WriteString(`]}`)
			return b.String()
		},
		position: func(r *http.Request, limit int) int {
			n, _ := strconv.Atoi(r.URL.Query().Get("page"))
			return (n - 1) * limit
		},
		id: func(n int) string {
			if n < 0 {
				return ""
			}
			return fmt.Sprintf("%032x", n+1)
		},
	},
}

// provider returns the adapter for v reaching srv, retries off.
func provider(t *testing.T, v vendor, srv *httptest.Server) anyca.Provider {
	t.Helper()
	p, err := anyca.New(context.Background(), anyca.Config{Provider: v.name, APIKey: testKey, BaseURL: srv.URL,
		Retry: retry.Config{MaxAttempts: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// listServer serves v's list pages, each the ids and total serve gives for the position
// asked for and the request's number (from 1), and returns the adapter reaching it and
// the count of requests it received.
func listServer(t *testing.T, v vendor, limit int, serve func(pos, request int) ([]string, int64)) (anyca.Provider, *atomic.Int64) {
	t.Helper()
	requests := &atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(requests.Add(1))
		ids, total := serve(v.position(r, limit), n)
		fmt.Fprint(w, v.page(ids, total, limit))
	}))
	t.Cleanup(srv.Close)
	return provider(t, v, srv), requests
}

// listAll drains Certificates, returning the count of items and the error that ended it.
func listAll(p anyca.Provider, limit int) (int, error) {
	n := 0
	for _, err := range p.Certificates(context.Background(), model.CertificateQuery{PageSize: limit}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func requireStalled(t *testing.T, err error) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || !errors.Is(err, model.ErrUnavailable) || me.Code != pager.CodeStalled {
		t.Fatalf("want a *model.Error of kind ErrUnavailable, code %s; got %v", pager.CodeStalled, err)
	}
}

// hostile is a server misbehaving in one way, as a function of the item position asked
// for and the request number: it returns the ids to serve and the total to report.
type hostile func(pos, request, limit int, id func(int) string) (ids []string, total int64)

func fresh(pos, limit int, id func(int) string) []string {
	out := make([]string, limit)
	for i := range out {
		out[i] = id(pos + i)
	}
	return out
}

func TestListingsEndAgainstHostileServers(t *testing.T) {
	const limit = 10
	cases := map[string]struct {
		serve hostile
		// firstTotal is the total of the first page, for the request bound.
		firstTotal int64
	}{
		"ignores the offset": {firstTotal: 100, serve: func(_, _, limit int, id func(int) string) ([]string, int64) {
			return fresh(0, limit, id), 100
		}},
		"total of 10^12, offset ignored": {firstTotal: 1e12, serve: func(_, _, limit int, id func(int) string) ([]string, int64) {
			return fresh(0, limit, id), 1e12
		}},
		"total that grows every page": {firstTotal: 35, serve: func(pos, req, limit int, id func(int) string) ([]string, int64) {
			return fresh(pos, limit, id), int64(25 + req*limit)
		}},
		"empty page short of the total": {firstTotal: 1e12, serve: func(pos, _, limit int, id func(int) string) ([]string, int64) {
			if pos > 0 {
				return nil, 1e12
			}
			return fresh(0, limit, id), 1e12
		}},
		"repeated pages of entries with empty ids": {firstTotal: 1e12, serve: func(_, _, limit int, id func(int) string) ([]string, int64) {
			ids := make([]string, limit)
			for i := range ids {
				ids[i] = id(-1)
			}
			return ids, 1e12
		}},
	}
	for _, v := range vendors {
		for name, tc := range cases {
			t.Run(v.name+"/"+name, func(t *testing.T) {
				p, requests := listServer(t, v, limit, func(pos, request int) ([]string, int64) {
					return tc.serve(pos, request, limit, v.id)
				})
				_, err := listAll(p, limit)
				if err == nil {
					t.Fatalf("the listing ended without an error after %d requests", requests.Load())
				}
				if !strings.Contains(name, "empty ids") || v.name == "zerossl" {
					requireStalled(t, err)
				} else if !errors.Is(err, model.ErrUnavailable) { // DigiCert refuses an order without id while mapping
					t.Fatalf("want ErrUnavailable, got %v", err)
				}
				bound := (tc.firstTotal+limit-1)/limit + pager.Slack
				if got := requests.Load(); got > bound || got > 10 {
					t.Fatalf("%d requests, want at most min(ceil(total/limit)+3 = %d, 10)", got, bound)
				}
			})
		}
	}
}

func TestListingDeliversEachItemOnceAndEnds(t *testing.T) {
	const limit, total = 10, 35
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			p, requests := listServer(t, v, limit, func(pos, _ int) ([]string, int64) {
				// Each page overlaps the previous one by two items, as a listing does
				// when items are added at its head while it is read.
				start := max(pos-2, 0)
				end := min(pos+limit, total)
				var ids []string
				for i := start; i < end && len(ids) < limit; i++ {
					ids = append(ids, v.id(i))
				}
				if pos >= total {
					ids = nil
				}
				return ids, total
			})
			seen := map[string]int{}
			for c, err := range p.Certificates(context.Background(), model.CertificateQuery{PageSize: limit}) {
				if err != nil {
					t.Fatal(err)
				}
				seen[c.ID]++
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("%s yielded %d times", id, n)
				}
			}
			if got := requests.Load(); got > (total+limit-1)/limit+pager.Slack {
				t.Errorf("%d requests for %d items", got, total)
			}
		})
	}
}

func TestListingStopsRequestingOnBreak(t *testing.T) {
	const limit = 5
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			p, requests := listServer(t, v, limit, func(pos, _ int) ([]string, int64) {
				return fresh(pos, limit, v.id), 1000
			})
			for range p.Certificates(context.Background(), model.CertificateQuery{PageSize: limit}) {
				break
			}
			if got := requests.Load(); got != 1 {
				t.Errorf("Certificates: %d requests after a break on the first item, want 1", got)
			}
			if v.name != "zerossl" {
				return // DigiCert's Domains reads List domains, not this server's path
			}
			requests.Store(0)
			for range anyca.Domains(context.Background(), p, model.DomainQuery{PageSize: limit}) {
				break
			}
			if got := requests.Load(); got != 1 {
				t.Errorf("Domains: %d requests after a break on the first name, want 1", got)
			}
		})
	}
}

// tinyPage renders n minimal items, as small as an item can be on the wire.
func tinyPage(v vendor, n int, limit int) []byte {
	var b strings.Builder
	if v.name == "digicert" {
		b.WriteString(`{"orders":[`)
	} else {
		fmt.Fprintf(&b, `{"total_count":%d,"limit":%d,"results":[`, n, limit)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d"}`, i)
	}
	if v.name == "digicert" {
		fmt.Fprintf(&b, `],"page":{"total":%d,"limit":%d,"offset":0}}`, n, limit)
	} else {
		b.WriteString(`]}`)
	}
	return []byte(b.String())
}

// A page of 600,000 items when 1,000 were asked is an error found while counting, before
// any item is decoded or mapped: the heap grows by far less than 64 MiB.
func TestOversizedPageIsAnErrorWithBoundedMemory(t *testing.T) {
	const asked, sent = 1000, 600_000
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			body := tinyPage(v, sent, asked)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			p := provider(t, v, srv)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var peak atomic.Uint64
			stop, done := make(chan struct{}), make(chan struct{})
			go func() { // sample the heap while the page is read
				defer close(done)
				var m runtime.MemStats
				for {
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
					select {
					case <-time.After(time.Millisecond):
					case <-stop:
						return
					}
				}
			}()
			n, err := listAll(p, asked)
			close(stop)
			<-done
			if err == nil || n != 0 {
				t.Fatalf("an oversized page yielded %d items and error %v; want an error and nothing", n, err)
			}
			requireStalled(t, err)
			growth := int64(peak.Load()) - int64(before.HeapAlloc)
			t.Logf("body %d bytes, peak heap growth %.1f MiB", len(body), float64(growth)/(1<<20))
			if growth > 64<<20 {
				t.Fatalf("heap grew by %d MiB reading one oversized page, want under 64", growth>>20)
			}
		})
	}
}
