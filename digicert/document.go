package digicert

import (
	"encoding/json"
	"errors"

	"github.com/anyca/anyca/internal/pager"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/retry"
)

// document names a CertCentral answer: what it is, the top-level fields any one of which
// identifies it, and the key of its list, if it is one.
type document struct {
	name   string
	fields []string
	list   string
}

// The documents the adapter reads.
var (
	docOrder           = document{name: "a CertCentral order", fields: []string{"id"}}
	docOrderList       = document{name: "a CertCentral order list", fields: []string{"page{}", "orders[]"}, list: "orders"}
	docDomain          = document{name: "a CertCentral domain", fields: []string{"id", "name"}}
	docDomainList      = document{name: "a CertCentral domain list", fields: []string{"page{}", "domains[]"}, list: "domains"}
	docOrderValidation = document{name: "a CertCentral order validation", fields: []string{"order_id", "dns_name_validations[]"}}
	docRandomValue     = document{name: "a CertCentral random value", fields: []string{"dcv_random_value"}}
	docReport          = document{name: "a CertCentral report answer", fields: []string{"data{}", "errors"}}
)

// decodeDoc checks that a 2xx body is doc, then decodes it into v. A list holding more
// than limit items (limit > 0) is an error found while counting, before any item is
// decoded; a body without any of doc's fields is wire.UnexpectedDocument, never an
// empty value.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc document, limit int, v any) error {
	body := resp.Body
	if !json.Valid(body) {
		body = quoteBareToken(body)
	}
	shape, err := wire.ReadShape(body, doc.list, limit)
	if errors.Is(err, wire.ErrTooManyItems) {
		return pager.TooManyItems(Name, op, limit)
	}
	if err != nil {
		return c.http.MalformedError(op, resp, err)
	}
	if !shape.Has(doc.fields...) {
		return wire.UnexpectedDocument(Name, op, resp.StatusCode, doc.name, doc.fields...)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return c.http.MalformedError(op, resp, err)
	}
	return nil
}
