package zerossl

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/anyca/anyca/internal/pager"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/retry"
)

// document names a ZeroSSL answer: what it is, the top-level fields any one of which
// identifies it, and the key of its list, if it is one.
type document struct {
	name   string
	fields []string
	list   string
}

// The documents the adapter reads.
var (
	docCertificate = document{name: "a ZeroSSL certificate", fields: []string{"id"}}
	docList        = document{name: "a ZeroSSL certificate list", fields: []string{"results[]", "total_count"}, list: "results"}
	docStatus      = document{name: "a ZeroSSL validation status", fields: []string{"validation_completed", "details"}}
)

// getDoc sends a GET and decodes the answer as doc into out (see decodeDoc).
func (c *Client) getDoc(ctx context.Context, op, path string, q url.Values, doc document, limit int, out any) error {
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: path, Query: q})
	if err != nil {
		return err
	}
	return c.decodeDoc(op, resp, doc, limit, out)
}

// decodeDoc is decode for a body that must be doc: an HTTP-200 error is the vendor's
// error; a list holding more than limit items (limit > 0) is an error found while
// counting, before any item is decoded; a body without any of doc's fields is
// wire.UnexpectedDocument, never an empty value.
func (c *Client) decodeDoc(op string, resp *retry.Response, doc document, limit int, out any) error {
	shape, err := wire.ReadShape(resp.Body, doc.list, limit)
	if errors.Is(err, wire.ErrTooManyItems) {
		return pager.TooManyItems(Name, op, limit)
	}
	// HTTP-200 errors first: an error body lacks the document's fields by nature.
	if env, ok := c.envelope(resp); ok {
		if e := c.envelopeError(op, resp.StatusCode, env); e != nil {
			return e
		}
	}
	if err != nil {
		return c.decode(op, resp, out) // not a JSON object: decode says how
	}
	if !shape.Has(doc.fields...) {
		return wire.UnexpectedDocument(Name, op, resp.StatusCode, doc.name, doc.fields...)
	}
	return c.decode(op, resp, out)
}

// envelope reads the success/error envelope of a 2xx body; ok is false when the body is
// not a JSON object.
func (c *Client) envelope(resp *retry.Response) (env wireEnvelope, ok bool) {
	return env, json.Unmarshal(resp.Body, &env) == nil
}
