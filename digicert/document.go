package digicert

import (
	"context"
	"io"

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

// doDoc sends req and decodes its 2xx body as doc into v from the stream, inside the retry
// loop (see retry.DecodeFunc): a connection lost mid-body is retried like any connection
// error, and what readDoc reports is final.
func (c *Client) doDoc(ctx context.Context, req *retry.Request, doc wire.Document, limit int, v any) (*retry.Response, error) {
	req.Decode = func(resp *retry.Response, body *retry.BodyStream) error {
		return c.readDoc(req.Op, resp, body, doc, limit, v)
	}
	return c.http.Do(ctx, req)
}

// readDoc reads a 2xx body that must be doc into v in one pass (see wire.Document.Decode):
// a list of more than limit items (limit > 0) is an error before the item over the limit
// is decoded and before any is mapped, and a body without doc's fields is
// wire.UnexpectedDocument, never an empty value. A one-object body that is not JSON only
// because of the bare token CertCentral's own example shows is read again with the token
// quoted.
func (c *Client) readDoc(op string, resp *retry.Response, body io.Reader, doc wire.Document, limit int, v any) error {
	doc.Repair = repairBareToken
	o := doc.Decode(Name, op, body, limit, v)
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

// repairBareToken is wire.Document.Repair for CertCentral: body with its unquoted "token"
// values quoted, when it has any.
func repairBareToken(body []byte) ([]byte, bool) {
	if !bareToken.Match(body) {
		return nil, false
	}
	return quoteBareToken(body), true
}
