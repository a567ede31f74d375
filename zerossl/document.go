package zerossl

import (
	"context"
	"encoding/json"
	"net/url"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/retry"
)

// The ZeroSSL documents the adapter reads, each with the fields that identify it.
var (
	docCertificate = wire.Document{Name: "a ZeroSSL certificate", Fields: []string{"id"}}
	docList        = wire.Document{Name: "a ZeroSSL certificate list", Fields: []string{"results[]", "total_count"}, List: "results"}
	docStatus      = wire.Document{Name: "a ZeroSSL validation status", Fields: []string{"validation_completed", "details"}}
)

// getDoc sends a GET and decodes the answer as doc into out (see decodeDoc).
func (c *Client) getDoc(ctx context.Context, op, path string, q url.Values, doc wire.Document, limit int, out any) error {
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: path, Query: q})
	if err != nil {
		return err
	}
	return c.decodeDoc(op, resp, doc, limit, out)
}

// decodeDoc is decode for a body that must be doc. ZeroSSL sends errors with HTTP 200,
// so the envelope is read before the shape: an error body is the vendor's error. A list
// of more than limit items (limit > 0) is an error before any item is decoded; a body
// without doc's fields is wire.UnexpectedDocument, never an empty value.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc wire.Document, limit int, out any) error {
	shape, tooMany, err := doc.Inspect(Name, op, resp.Body, limit)
	if tooMany != nil {
		return tooMany
	}
	var env wireEnvelope
	if json.Unmarshal(resp.Body, &env) == nil {
		if e := c.envelopeError(op, resp.StatusCode, env); e != nil {
			return e
		}
	}
	if err != nil {
		return c.decode(op, resp, out) // not a JSON object: decode says how
	}
	if err := doc.Mismatch(Name, op, resp.StatusCode, shape); err != nil {
		return err
	}
	return c.decode(op, resp, out)
}
