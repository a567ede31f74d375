package wire

import (
	"net/http"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
)

// The 404 rule of every adapter's table: only the vendor's own "no such object" code is
// ErrNotFound; its route code, a 404 with another code or none is the endpoint missing.
func TestResolve404Rule(t *testing.T) {
	table := ErrorTable{
		{Code: "not_found|route", Route: true},
		{Status: http.StatusForbidden, Kind: model.ErrPermissionDenied},
		{Code: "not_found", Kind: model.ErrNotFound},
		{Code: "access_denied", Kind: model.ErrPermissionDenied},
		{Code: "104", Route: true},
	}
	cases := []struct {
		status      int
		code, msg   string
		kind        error
		wantCode    string
		wantInMsg   string
		wantSameMsg bool
	}{
		{404, "not_found|order", "Order not found.", model.ErrNotFound, "not_found|order", "Order not found.", true},
		{404, "not_found|route", "Route not found", model.ErrUnavailable, NotVendor404Code, "(not_found|route: Route not found); is BaseURL right?", false},
		{200, "104", "", model.ErrUnavailable, NotVendor404Code, "(104); is BaseURL right?", false},
		{404, "access_denied", "no", model.ErrUnavailable, NotVendor404Code, "is BaseURL right?", false},
		{404, "", "", model.ErrUnavailable, NotVendor404Code, NotVendorErrorHint, false},
		{404, "weird", "", model.ErrUnavailable, NotVendor404Code, "(weird); is BaseURL right?", false},
		{403, "access_denied", "no", model.ErrPermissionDenied, "access_denied", "no", true},
		{400, "bad_request", "x", nil, "bad_request", "x", true},
	}
	for _, c := range cases {
		code, msg, kind := table.Resolve(c.status, c.code, c.msg)
		if kind != c.kind || code != c.wantCode {
			t.Errorf("%d %q: kind %v code %q, want %v %q", c.status, c.code, kind, code, c.kind, c.wantCode)
		}
		if c.wantSameMsg && msg != c.msg || !c.wantSameMsg && !strings.Contains(msg, c.wantInMsg) {
			t.Errorf("%d %q: message %q, want %q in it", c.status, c.code, msg, c.wantInMsg)
		}
	}
	if !table.Route(404, "NOT_FOUND|ROUTE") || table.Route(404, "not_found|order") {
		t.Error("Route must match route codes only, case-insensitively")
	}
	if k := table.Kind(200, "104"); k != model.ErrUnavailable {
		t.Errorf("Kind of a route code: %v, want unavailable", k)
	}
}
