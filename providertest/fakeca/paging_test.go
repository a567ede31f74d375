package fakeca_test

import (
	"fmt"
	"net/http"
	"strconv"
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
