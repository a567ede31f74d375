package zerossl

import (
	"context"
	"errors"
	"strings"

	"github.com/anyca/anyca/internal/chain"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// wireDownload is the GET /certificates/{id}/download/return answer.
type wireDownload struct {
	Certificate flexString `json:"certificate.crt"`
	CABundle    flexString `json:"ca_bundle.crt"`
}

// Download returns the issued certificate with its chain, from
// GET /certificates/{id}/download/return ({"certificate.crt": ..., "ca_bundle.crt": ...}).
// The certificate is looked up first: one that is not issued (draft, pending, revoked,
// cancelled, expired) is model.ErrFailedPrecondition without a download. The leaf must
// be the looked-up certificate (its SHA-1 fingerprint when ZeroSSL gives one, and every
// name): a different leaf is model.ErrUnavailable with Code "leaf_mismatch"; a body that
// is not PEM certificates is model.ErrUnavailable quoting a redacted snippet. Cost: two
// requests.
func (c *Client) Download(ctx context.Context, certificateID string) (*model.Bundle, error) {
	const op = "Download"
	ci, err := c.lookup(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	cert := ci.cert
	if cert.Status != model.StatusIssued {
		e := c.http.Error(op, model.ErrFailedPrecondition, "certificate %s is %s: only an issued certificate can be downloaded", cert.ID, cert.VendorStatus)
		e.Code = "certificate_" + string(cert.Status)
		return nil, e
	}
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: "certificates/" + wire.PathSegment(cert.ID) + "/download/return"})
	if err != nil {
		return nil, err
	}
	var d wireDownload
	if err := c.decode(op, resp, &d); err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(d.Certificate)) == "" {
		return nil, c.http.MalformedError(op, resp, errors.New(`zerossl: the answer has no "certificate.crt"`))
	}
	return chain.Bundle(c.http, op, resp, cert, []byte(d.Certificate), []byte(d.CABundle))
}
