package digicert

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// checkDCVWire is the answer of PUT /order/certificate/{id}/check-dcv.
type checkDCVWire struct {
	OrderStatus        flexString `json:"order_status"`
	CertificateID      flexString `json:"certificate_id"`
	DCVStatus          flexString `json:"dcv_status"`
	DNSNameValidations []struct {
		DNSName flexString `json:"dns_name"`
		Status  flexString `json:"status"`
	} `json:"dns_name_validations"`
}

// dcvRefusal reports whether a 400 code of check-dcv says the CA looked and did not
// find the proof (invalid_dns_txt, file_random_value_not_found, other invalid_* codes):
// an answer about the domains, not a failed call.
// Codes about the request or the order rather than the proof (invalid_order_status,
// invalid_dcv_method, ...) stay call errors.
func dcvRefusal(code string) bool {
	head, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(code)), "|")
	switch head {
	case "invalid_order_status", "invalid_dcv_method", "invalid_request", "invalid_format", "invalid_order_id",
		"invalid_json", "invalid_api_key":
		return false
	}
	return strings.HasPrefix(head, "invalid_") || head == "file_random_value_not_found" ||
		strings.HasSuffix(head, "_not_found") && strings.Contains(head, "random_value")
}

// Verify asks CertCentral to check the DCV of order certificateID now
// (PUT /order/certificate/{id}/check-dcv, safe to repeat and so retried like any
// idempotent request) and returns the order's challenges with each domain's state after
// the check. The order is read first (GET .../validation): an order that is issued,
// cancelled, revoked, rejected or expired is model.ErrFailedPrecondition; a method other
// than the order's own is model.ErrInvalidArgument (changing the method is a different
// write); an email order is model.ErrUnsupported, since CertCentral approves those by
// email only. A 400 invalid_dns_txt, file_random_value_not_found or other invalid_*
// answer is the CA refusing the proof: every domain not yet valid comes back
// model.ValidationFailed with Problem holding the code and the CA's message. An id that
// can never be one (wire.CheckID) is model.ErrInvalidArgument before any request. Cost: the two requests
// of Challenges plus two (read, check).
func (c *Client) Verify(ctx context.Context, certificateID string, method model.ChallengeType) ([]model.Challenge, error) {
	const op = "Verify"
	id := strings.TrimSpace(certificateID)
	if !validID(id) {
		return nil, c.badID(op, id)
	}
	switch method {
	case "", model.ChallengeDNSTXT, model.ChallengeDNSCNAME, model.ChallengeHTTPFile, model.ChallengeEmail:
	default:
		return nil, c.http.Error(op, model.ErrInvalidArgument, "DigiCert has no DCV method %q (dns-txt, dns-cname, http-file, email)", method)
	}
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: "order/certificate/" + wire.PathSegment(id) + "/validation"})
	if err != nil {
		return nil, err
	}
	var v orderValidationWire
	if err := c.decode(op, resp, &v); err != nil {
		return nil, err
	}
	switch st := mapStatus(string(v.OrderStatus)); st {
	case model.StatusIssued, model.StatusCancelled, model.StatusRevoked, model.StatusRejected, model.StatusExpired:
		e := c.http.Error(op, model.ErrFailedPrecondition, "order %s is %s: there is no DCV left to check", id, v.OrderStatus)
		e.Code = "order_" + string(st)
		return nil, e
	}
	own := mapMethod(string(v.OrderDCVMethod))
	for _, dv := range v.DNSNameValidations {
		if own == "" {
			own = mapMethod(string(dv.Method))
		}
	}
	if method != "" && own != "" && method != own {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "order %s validates by %s, not %s: changing the method is not a check", id, own, method)
	}
	if own == model.ChallengeEmail || own == "" && method == model.ChallengeEmail {
		return nil, c.http.Error(op, model.ErrUnsupported, "order %s is validated by email: CertCentral approves it when the email is answered, it cannot be checked", id)
	}
	problem := ""
	var checked *checkDCVWire
	cresp, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPut,
		Path: "order/certificate/" + wire.PathSegment(id) + "/check-dcv", Idempotent: true})
	var me *model.Error
	switch {
	case err == nil:
		checked = &checkDCVWire{}
		if err := c.decode(op, cresp, checked); err != nil {
			return nil, err
		}
		if checked.DNSNameValidations == nil && checked.DCVStatus == "" && checked.OrderStatus == "" {
			return nil, c.mapErr(op, cresp, errors.New("the answer has no dcv_status, order_status or dns_name_validations: not a check-dcv answer"))
		}
	case errors.As(err, &me) && me.HTTPStatus == http.StatusBadRequest && dcvRefusal(me.Code):
		problem = me.Code
		if me.Message != "" {
			problem += ": " + me.Message
		}
		problem = c.http.Snippet([]byte(problem)) // one printable, redacted line, capped
	default:
		return nil, err
	}
	chs, err := c.Challenges(ctx, id)
	if err != nil {
		return nil, err
	}
	after := map[string]model.ValidationStatus{}
	if checked != nil {
		for _, d := range checked.DNSNameValidations {
			if n := wire.ReportedDomain(string(d.DNSName)); n != "" {
				after[n] = mapValidationStatus(string(d.Status))
			}
		}
	}
	for i := range chs {
		if st, ok := after[chs[i].Domain]; ok {
			chs[i].Status = st
		}
		if problem != "" && chs[i].Status != model.ValidationValid {
			chs[i].Status, chs[i].Problem = model.ValidationFailed, problem
		}
	}
	return chs, nil
}

// CheckMethod returns the DCV method of order certificateID, the one Verify checks: the
// order's dcv method (or its domains'), "" when it shows none. CertCentral polls on its
// own but slowly, and check-dcv is free and safe to repeat, so WaitValidated's default
// asks with it (never for an email order, which only an answered email approves). Cost:
// one read (order validation status).
func (c *Client) CheckMethod(ctx context.Context, certificateID string) (model.ChallengeType, error) {
	const op = "CheckMethod"
	id := strings.TrimSpace(certificateID)
	if !validID(id) {
		return "", c.badID(op, id)
	}
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: "order/certificate/" + wire.PathSegment(id) + "/validation"})
	if err != nil {
		return "", err
	}
	var v orderValidationWire
	if err := c.decode(op, resp, &v); err != nil {
		return "", err
	}
	own := mapMethod(string(v.OrderDCVMethod))
	for _, dv := range v.DNSNameValidations {
		if own == "" {
			own = mapMethod(string(dv.Method))
		}
	}
	return own, nil
}
