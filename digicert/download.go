package digicert

import (
	"context"
	"strings"

	"github.com/anyca/anyca/internal/chain"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Download returns the issued certificate of order certificateID with its chain, from
// GET /certificate/download/order/{id}/format/pem_all (leaf, intermediates and root in
// one PEM text). The order is read first: one that is not issued is
// model.ErrFailedPrecondition without a download. The leaf's serial and SHA-1
// thumbprint must be the order's certificate's (CertCentral has been seen to send
// another certificate of the same order): a different leaf is model.ErrUnavailable with
// Code "leaf_mismatch". A body that is not PEM certificates is model.ErrUnavailable
// quoting a redacted snippet. An id that can never be one (wire.CheckID: '/', "..", a
// control character) is model.ErrInvalidArgument before any request; any other id is
// opaque and looked up. Cost: two requests.
func (c *Client) Download(ctx context.Context, certificateID string) (*model.Bundle, error) {
	const op = "Download"
	id := strings.TrimSpace(certificateID)
	if !validID(id) {
		return nil, c.badID(op, id)
	}
	cert, err := c.Certificate(ctx, id)
	if err != nil {
		return nil, err
	}
	if cert.Status != model.StatusIssued {
		e := c.http.Error(op, model.ErrFailedPrecondition, "order %s is %s (%s): only an issued certificate can be downloaded", id, cert.Status, cert.VendorStatus)
		e.Code = "order_" + string(cert.Status)
		return nil, e
	}
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: "certificate/download/order/" + wire.PathSegment(id) + "/format/pem_all"})
	if err != nil {
		return nil, err
	}
	return chain.Bundle(c.http, op, resp, cert, resp.Body)
}
