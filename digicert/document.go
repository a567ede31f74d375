package digicert

import (
	"encoding/json"

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

// decodeDoc checks that a 2xx body is doc (quoting the bare token CertCentral's own
// example shows unquoted first), then decodes it into v: a list of more than limit items
// (limit > 0) is an error before any item is decoded, and a body without doc's fields is
// wire.UnexpectedDocument, never an empty value.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc wire.Document, limit int, v any) error {
	body := resp.Body
	if !json.Valid(body) {
		body = quoteBareToken(body)
	}
	shape, tooMany, err := doc.Inspect(Name, op, body, limit)
	switch {
	case tooMany != nil:
		return tooMany
	case err != nil:
		return c.http.MalformedError(op, resp, err)
	}
	if err := doc.Mismatch(Name, op, resp.StatusCode, shape); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return c.http.MalformedError(op, resp, err)
	}
	return nil
}
