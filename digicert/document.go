package digicert

import (
	"reflect"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/retry"
)

// The CertCentral documents the adapter reads, each with the fields that identify it.
var (
	docOrder           = wire.Document{Name: "a CertCentral order", Fields: []string{"id"}}
	docOrderList       = wire.Document{Name: "a CertCentral order list", Fields: []string{"page{}", "orders[]"}, List: "orders"}
	docDomain          = wire.Document{Name: "a CertCentral domain", Fields: []string{"id", "name"}}
	docDomainList      = wire.Document{Name: "a CertCentral domain list", Fields: []string{"page{}", "domains[]"}, List: "domains"}
	docOrderValidation = wire.Document{Name: "a CertCentral order validation", Fields: []string{"order_id", "dns_name_validations[]"}}
	docRandomValue     = wire.Document{Name: "a CertCentral random value", Fields: []string{"dcv_random_value"}}
	docReport          = wire.Document{Name: "a CertCentral report answer", Fields: []string{"data{}", "errors"}}
)

// decodeDoc reads a 2xx body that must be doc into v in one pass over the body (see
// wire.Document.Read): a list of more than limit items (limit > 0) is an error before the
// item over the limit is decoded and before any is mapped, and a body without doc's fields
// is wire.UnexpectedDocument, never an empty value. A body that is not JSON only because
// of the bare token CertCentral's own example shows is read again with the token quoted.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc wire.Document, limit int, v any) error {
	o := doc.Read(Name, op, resp.Body, limit, v)
	if o.Syntax != nil && o.TooMany == nil && bareToken.Match(resp.Body) {
		if p := reflect.ValueOf(v); p.Kind() == reflect.Pointer && !p.IsNil() {
			p.Elem().SetZero() // forget what the first read filled in
		}
		o = doc.Read(Name, op, quoteBareToken(resp.Body), limit, v)
	}
	switch {
	case o.TooMany != nil:
		return o.TooMany
	case o.Syntax != nil:
		return c.http.MalformedError(op, resp, o.Syntax)
	}
	if err := doc.Mismatch(Name, op, resp.StatusCode, o.Shape); err != nil {
		return err
	}
	if o.Field != nil {
		return c.http.MalformedError(op, resp, o.Field)
	}
	return nil
}
