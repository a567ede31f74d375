package zerossl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// decodeDoc reads a body that must be doc into out, in one pass over the body (see
// wire.Document.Read). ZeroSSL sends errors with HTTP 200, so a body carrying
// success:false or an error object is the vendor's error whatever else it holds. A list of
// more than limit items (limit > 0) is an error before the item over the limit is decoded
// and before any is mapped; a body without doc's fields is wire.UnexpectedDocument, never
// an empty value.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc wire.Document, limit int, out any) error {
	return c.read(op, resp, doc, true, limit, out)
}

// decode reads a 2xx body into out in one pass: a success:false or error body is the
// vendor's error, a body that is not a JSON object or has a wrongly typed field is a
// malformed response. Unlike decodeDoc it does not ask for identifying fields.
func (c *Client) decode(op string, resp *retry.Response, out any) error {
	return c.read(op, resp, wire.Document{}, false, 0, out)
}

// read is decodeDoc and decode: one walk of the body filling the envelope and out
// together, then the outcome reported in order (too many items, the vendor's error, a body
// that is not JSON, not doc, or not of out's types).
func (c *Client) read(op string, resp *retry.Response, doc wire.Document, checkShape bool, limit int, out any) error {
	var env wireEnvelope
	o := doc.Read(Name, op, resp.Body, limit, out, &env) // the payload first: see wire.Document.Read
	if o.TooMany != nil {
		return o.TooMany
	}
	if o.Syntax != nil {
		if body := bytes.TrimSpace(resp.Body); len(body) == 0 || body[0] != '{' {
			return c.http.MalformedError(op, resp, errors.New("zerossl: the body is not a JSON object"))
		}
		return c.http.MalformedError(op, resp, fmt.Errorf("zerossl: %w", o.Syntax))
	}
	if e := c.envelopeError(op, resp.StatusCode, env); e != nil {
		return e
	}
	if checkShape {
		if err := doc.Mismatch(Name, op, resp.StatusCode, o.Shape); err != nil {
			return err
		}
	}
	if o.Field != nil {
		return c.http.MalformedError(op, resp, fmt.Errorf("zerossl: %w", o.Field))
	}
	return nil
}
