package zerossl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/retry"
)

// The ZeroSSL documents the adapter reads, each with the fields that identify it.
var (
	docCertificate = wire.Document{Name: "a ZeroSSL certificate", Fields: []string{"id"}}
	docList        = wire.Document{Name: "a ZeroSSL certificate list", Fields: []string{"results[]", "total_count"}, List: "results"}
	docSuccess     = wire.Document{Name: "a ZeroSSL success answer", Fields: []string{"success"}}
	docStatus      = wire.Document{Name: "a ZeroSSL validation status", Fields: []string{"validation_completed", "details"}}
)

// getDoc sends a GET and decodes the answer, which must be doc, into out from the stream,
// inside the retry loop (see retry.DecodeFunc): a connection lost mid-body is retried like
// any connection error, and what read reports is final. ZeroSSL sends errors with HTTP
// 200, so a body carrying success:false or an error object is the vendor's error whatever
// else it holds. A list of more than limit items (limit > 0) is an error before the item
// over the limit is decoded and before any is mapped; a body without doc's fields is
// wire.UnexpectedDocument, never an empty value.
func (c *Client) getDoc(ctx context.Context, op, path string, q url.Values, doc wire.Document, limit int, out any) error {
	_, err := c.http.Do(ctx, &retry.Request{Op: op, Path: path, Query: q,
		Decode: func(resp *retry.Response, body *retry.BodyStream) error {
			return c.read(op, resp, body, doc, true, limit, out)
		}})
	return err
}

// decode reads a 2xx body into out in one pass: a success:false or error body is the
// vendor's error, a body that is not a JSON object or has a wrongly typed field is a
// malformed response. Unlike getDoc it does not ask for identifying fields.
func (c *Client) decode(op string, resp *retry.Response, out any) error {
	return c.read(op, resp, bytes.NewReader(resp.Body), wire.Document{}, false, 0, out)
}

// read is getDoc's and decode's: one pass over the body filling the envelope and out
// together, then the outcome reported in order (too many items, the vendor's error, a body
// that is not JSON, not doc, or not of out's types).
func (c *Client) read(op string, resp *retry.Response, body io.Reader, doc wire.Document, checkShape bool, limit int, out any) error {
	var env wireEnvelope
	o := doc.Decode(Name, op, body, limit, out, &env) // the payload first: see wire.Document.Decode
	if o.TooMany != nil {
		return o.TooMany
	}
	if o.Syntax != nil {
		if errors.Is(o.Syntax, wire.ErrNotObject) {
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
