package wire

import (
	"net/http"
	"strings"

	"github.com/anyca/anyca/model"
)

// Rule is one line of an adapter's error table: an answer matches when its status equals
// Status (0 matches any) and its vendor code matches Code ("" matches any). A Code with a
// "|" must equal the whole vendor code; one without matches the code's part before the
// first "|" (CertCentral's codes are composite: "not_found|order"). Codes compare
// case-insensitively.
//
// Route marks a code that says the request matched no API route of the vendor (DigiCert's
// "not_found|route", ZeroSSL's 104 "route_not_found"): the path is wrong, most often the
// BaseURL's, and no object was looked for. Resolve reports it as EndpointNotFound, never
// model.ErrNotFound; Kind is then ignored.
type Rule struct {
	Status int
	Code   string
	Kind   error
	Route  bool
}

// ErrorTable is an adapter's whole mapping from (status, vendor code) to a model kind,
// read top to bottom: the first matching rule decides. Put code-specific rules before
// status-only ones when the code must win (an invalid key that answers 403).
type ErrorTable []Rule

// Kind returns the kind of the first rule matching status and code, or nil when none
// does (the caller then decides from the status alone).
func (t ErrorTable) Kind(status int, code string) error {
	r, ok := t.match(status, code)
	switch {
	case !ok:
		return nil
	case r.Route:
		return model.ErrUnavailable
	}
	return r.Kind
}

// Route reports whether the first rule matching status and code is a Route rule: the
// vendor said the request matched none of its API routes.
func (t ErrorTable) Route(status int, code string) bool {
	r, ok := t.match(status, code)
	return ok && r.Route
}

// Resolve decides an error answer of the vendor from its status, code and message, and
// returns the code, message and kind to report. It is the one place where the rule on
// 404 lives, for every adapter: only a rule with a Code (the vendor's own "this object
// does not exist", such as DigiCert's "not_found|order" or ZeroSSL's 2803) makes an
// answer model.ErrNotFound. A Route rule, and a 404 whose code is not such an object
// code (no code, an unknown one, another kind's), are EndpointNotFound: kind
// model.ErrUnavailable, code NotVendor404Code, a message keeping the vendor's code and
// text and asking whether BaseURL is right. Otherwise the first matching rule's kind is
// returned with code and message unchanged, or a nil kind when no rule matches (the
// caller then decides from the status).
func (t ErrorTable) Resolve(status int, code, message string) (outCode, outMessage string, kind error) {
	r, ok := t.match(status, code)
	object := ok && !r.Route && r.Code != "" && r.Kind == model.ErrNotFound
	if ok && r.Route || status == http.StatusNotFound && !object {
		return EndpointNotFound(code, message)
	}
	if !ok {
		return code, message, nil
	}
	return code, message, r.Kind
}

// EndpointNotFound is the answer of a request that reached no API route: kind
// model.ErrUnavailable and code NotVendor404Code, with a message that keeps the vendor's
// code and text (when it sent any) and asks whether BaseURL is right. A caller must not
// read it as "no such object": the object was never looked for.
func EndpointNotFound(vendorCode, vendorMessage string) (code, message string, kind error) {
	vendor := strings.TrimSpace(strings.TrimSpace(vendorCode) + ": " + strings.TrimSpace(vendorMessage))
	vendor = strings.Trim(vendor, ": ")
	if vendor == "" {
		return NotVendor404()
	}
	return NotVendor404Code, "the CA has no API endpoint at this path (" + vendor + "); is BaseURL right?", model.ErrUnavailable
}

// match returns the first rule matching status and code.
func (t ErrorTable) match(status int, code string) (Rule, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	head, _, _ := strings.Cut(code, "|")
	for _, r := range t {
		if r.Status != 0 && r.Status != status {
			continue
		}
		if r.Code != "" {
			want := strings.ToLower(r.Code)
			if strings.Contains(want, "|") {
				if want != code {
					continue
				}
			} else if want != head {
				continue
			}
		}
		return r, true
	}
	return Rule{}, false
}
