package zerossl

import (
	"context"
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
	docList        = document{name: "a ZeroSSL certificate list", fields: []string{"results", "total_count"}, list: "results"}
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
	// decode reports bodies that are not JSON objects, and HTTP-200 errors before any
	// payload check.
	if derr := c.decode(op, resp, out); derr != nil {
		return derr
	}
	if err != nil {
		return c.http.MalformedError(op, resp, err)
	}
	if !shape.Has(doc.fields...) {
		return wire.UnexpectedDocument(Name, op, resp.StatusCode, doc.name, doc.fields...)
	}
	return nil
}
