package fakeca_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
)

// pagedBase serves a listing of 10 items "i0".."i9", three per page at ?at=, with its
// total under meta.count.
func pagedBase(t *testing.T) *fakeca.Base {
	t.Helper()
	b := fakeca.NewBase("", nil, nil, http.NotFound)
	b.DeclarePaging(fakeca.Paging{Params: []string{"at"}, Total: "meta.count"})
	b.Handle("GET /items", func(w http.ResponseWriter, r *http.Request) {
		at, _ := strconv.Atoi(r.URL.Query().Get("at"))
		items := ""
		for i := at; i < min(at+3, 10); i++ {
			if items != "" {
				items += ","
			}
			items += fmt.Sprintf(`{"id":"i%d"}`, i)
		}
		fmt.Fprintf(w, `{"meta":{"count":10,"at":%d},"items":[%s]}`, at, items)
	})
	b.Start()
	t.Cleanup(b.Close)
	return b
}

func TestPagingFaults(t *testing.T) {
	b := pagedBase(t)
	get := func(at int) string {
		t.Helper()
		code, body := fakecatest.Do(t, "GET", b.URL+"/items?at="+strconv.Itoa(at), "", nil)
		require.Equal(t, 200, code)
		return string(body)
	}
	b.FailNext(1, fakeca.Fault{Kind: fakeca.IgnorePaging})
	assert.JSONEq(t, `{"meta":{"count":10,"at":0},"items":[{"id":"i0"},{"id":"i1"},{"id":"i2"}]}`, get(6),
		"IgnorePaging: the first page, whatever is asked for")
	b.FailNext(1, fakeca.Fault{Kind: fakeca.IgnorePaging, Total: 99})
	assert.JSONEq(t, `{"meta":{"count":99,"at":0},"items":[{"id":"i0"},{"id":"i1"},{"id":"i2"}]}`, get(6),
		"IgnorePaging with a Total: the nested total replaced")
	b.FailNext(1, fakeca.Fault{Kind: fakeca.WrongTotal, Total: 7})
	assert.JSONEq(t, `{"meta":{"count":7,"at":3},"items":[{"id":"i3"},{"id":"i4"},{"id":"i5"}]}`, get(3), "WrongTotal")
	b.FailNext(1, fakeca.Fault{Kind: fakeca.EmptyPage})
	assert.JSONEq(t, `{"meta":{"count":0,"at":3},"items":[]}`, get(3), "EmptyPage of an empty account")
	b.FailNext(1, fakeca.Fault{Kind: fakeca.BlankEntries})
	assert.JSONEq(t, `{"meta":{"count":10,"at":3},"items":[{},{},{}]}`, get(3), "BlankEntries: as many as the page had")
	b.FailNext(1, fakeca.Fault{Kind: fakeca.BlankEntries, Size: 5, Total: 1e6})
	assert.JSONEq(t, `{"meta":{"count":1000000,"at":3},"items":[{},{},{},{},{}]}`, get(3), "BlankEntries of a Size")

	b.FailNext(3, fakeca.Fault{Kind: fakeca.Overlap, Size: 2})
	assert.JSONEq(t, `{"meta":{"count":10,"at":0},"items":[{"id":"i0"},{"id":"i1"},{"id":"i2"}]}`, get(0),
		"Overlap: the first page is as it is")
	assert.JSONEq(t, `{"meta":{"count":10,"at":3},"items":[{"id":"i1"},{"id":"i2"},{"id":"i3"}]}`, get(3),
		"Overlap: the previous page's last two first, cut to its length")
	assert.JSONEq(t, `{"meta":{"count":10,"at":9},"items":[{"id":"i4"},{"id":"i5"},{"id":"i9"}]}`, get(9),
		"Overlap: a short page keeps its own items")
	assert.Equal(t, map[fakeca.FaultKind]int{fakeca.IgnorePaging: 2, fakeca.WrongTotal: 1, fakeca.EmptyPage: 1,
		fakeca.BlankEntries: 2, fakeca.Overlap: 3}, b.Injected())
}

// linkedInjector is an injector in front of a listing that pages by path
// (/list/page/N, three items "i0".."i9" a page) with a Link rel="next" header, and
// reads each item at /item/N; /nonce is exempt from faults.
func linkedInjector(t *testing.T) (*fakeca.Injector, string) {
	t.Helper()
	in := fakeca.NewInjector(nil)
	in.DeclarePaging(fakeca.Paging{PagePath: "/page/", NextHeader: "Link",
		Pages: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/list") }})
	in.SetExempt(func(r *http.Request) bool { return r.URL.Path == "/nonce" })
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, n int) {
		items := []string{}
		for i := 3 * (n - 1); i < min(3*n, 10); i++ {
			items = append(items, fmt.Sprintf("%q", "i"+strconv.Itoa(i)))
		}
		if 3*n < 10 {
			w.Header().Set("Link", fmt.Sprintf(`</list/page/%d>;rel="next"`, n+1))
		}
		fmt.Fprintf(w, `{"items":[%s]}`, strings.Join(items, ","))
	}
	mux.HandleFunc("GET /list", func(w http.ResponseWriter, _ *http.Request) { page(w, 1) })
	mux.HandleFunc("GET /list/page/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		page(w, n)
	})
	mux.HandleFunc("GET /item/{n}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, `{"id":%q}`, r.PathValue("n")) })
	mux.HandleFunc("GET /nonce", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"nonce":"n"}`) })
	srv := httptest.NewServer(in.Wrap(mux))
	t.Cleanup(srv.Close)
	return in, srv.URL
}

func TestPagingFaultsLinked(t *testing.T) {
	in, base := linkedInjector(t)
	get := func(path string) (string, http.Header) {
		t.Helper()
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b), resp.Header
	}
	in.FailNext(1, fakeca.Fault{Kind: fakeca.IgnorePaging})
	body, _ := get("/item/7")
	assert.JSONEq(t, `{"id":"7"}`, body, "a paging fault waits for a page request (Paging.Pages)")
	body, _ = get("/nonce")
	assert.JSONEq(t, `{"nonce":"n"}`, body, "an exempt request passes")
	body, h := get("/list/page/3")
	assert.JSONEq(t, `{"items":["i0","i1","i2"]}`, body, "IgnorePaging cuts the path at Paging.PagePath: the first page")
	assert.Equal(t, `</list/page/2>;rel="next"`, h.Get("Link"))
	in.FailNext(1, fakeca.Fault{Kind: fakeca.EmptyPage})
	body, h = get("/list")
	assert.JSONEq(t, `{"items":[]}`, body, "EmptyPage")
	assert.Empty(t, h.Get("Link"), "EmptyPage: an empty listing links to no next page (Paging.NextHeader)")
	in.FailNext(1, fakeca.Fault{Kind: fakeca.ServerError})
	body, _ = get("/nonce")
	assert.JSONEq(t, `{"nonce":"n"}`, body, "a queued fault waits for a request that is not exempt")
	resp, err := http.Get(base + "/item/1")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "the queued fault hits the next request that is not exempt")
	assert.Equal(t, int64(6), in.Requests(), "every request is counted, exempt ones included")
}
