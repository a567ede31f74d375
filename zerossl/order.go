package zerossl

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/orderfind"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// ErrPlanLimit is matched (errors.Is) by the error of a create refused by the account's
// plan (2817 certificate_limit_reached, 2839 duplicate_certificates_found: the free plan's
// three certificates, expired ones included, or a domain it no longer covers). Its kind
// is model.ErrFailedPrecondition: waiting does not help, a plan upgrade or ACME does.
var ErrPlanLimit = errors.New("the ZeroSSL plan allows no more certificates of this kind")

// The validity periods ZeroSSL sells, in days.
const (
	ShortValidityDays = 90
	LongValidityDays  = 365
)

// revokeReasons are ZeroSSL's reason words, capitalised as documented.
var revokeReasons = map[model.RevocationReason]string{
	model.ReasonUnspecified:          "Unspecified",
	"":                               "Unspecified",
	model.ReasonKeyCompromise:        "keyCompromise",
	model.ReasonAffiliationChanged:   "affiliationChanged",
	model.ReasonSuperseded:           "Superseded",
	model.ReasonCessationOfOperation: "cessationOfOperation",
}

// RevocationReason is the reason word ZeroSSL takes for r, and false for a reason it does
// not take.
func RevocationReason(r model.RevocationReason) (string, bool) {
	w, ok := revokeReasons[r]
	return w, ok
}

// Order creates a certificate (POST /certificates) for req: certificate_domains the
// names, common name first; certificate_csr the CSR as PEM; strict_domains=1, so that
// ZeroSSL adds no www twin; certificate_validity_days 365 when req.Validity is at least a
// year, 90 when it is at least 90 days (the default when 0), and model.ErrInvalidArgument
// below 90 days (ZeroSSL sells nothing shorter); replacement_for_certificate from
// req.Replaces. ZeroSSL chooses the DCV method at Verify: req.Method is only checked to
// be one it has. ZeroSSL has no products: a req.Product is model.ErrInvalidArgument.
// Every check comes before any request.
//
// The create request is sent once (retry.Request.AtMostOnce): an unknown outcome is
// model.ErrUnavailable with code retry.OutcomeUnknown; FindOrder then finds the order.
// The answer is the draft certificate, whose ID works at once with every call. A plan
// or quota refusal (2817, 2839) matches ErrPlanLimit and is model.ErrFailedPrecondition;
// replacing a certificate already replaced (2813) is model.ErrFailedPrecondition.
func (c *Client) Order(ctx context.Context, req model.OrderRequest) (*model.Certificate, error) {
	const op = "Order"
	checked, err := model.CheckOrder(Name, req)
	if err != nil {
		return nil, err
	}
	r := checked.Request
	form := url.Values{}
	form.Set("certificate_domains", strings.Join(r.Names, ","))
	form.Set("certificate_csr", string(checked.PEM()))
	form.Set("strict_domains", "1")
	switch v := r.Validity; {
	case v == 0:
	case v >= LongValidityDays*24*time.Hour:
		form.Set("certificate_validity_days", "365")
	case v >= ShortValidityDays*24*time.Hour:
		form.Set("certificate_validity_days", "90")
	default:
		return nil, c.http.Error(op, model.ErrInvalidArgument, "validity %s is under 90 days: ZeroSSL sells 90 or 365 days", v)
	}
	if r.Method != "" && ValidationType(r.Method) == "" {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL has no DCV method %q (dns-cname, http-file, https-file, email)", r.Method)
	}
	if strings.TrimSpace(r.Product) != "" {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL has no products to choose (%q): the type follows from the names and validity", r.Product)
	}
	if rep := strings.TrimSpace(r.Replaces); rep != "" {
		if !validID(rep) {
			return nil, c.http.Error(op, model.ErrInvalidArgument, "replaces %q is not a ZeroSSL certificate id (32 letters or digits)", rep)
		}
		form.Set("replacement_for_certificate", rep)
	}
	var w wireCertificate
	_, err = c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPost, Path: "certificates",
		Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded", AtMostOnce: true,
		Decode: func(resp *retry.Response, body *retry.BodyStream) error {
			return c.read(op, resp, body, docCertificate, true, 0, &w)
		}})
	if err != nil {
		return nil, planError(err)
	}
	cert, err := c.mapOne(op, &w)
	if err != nil {
		// The certificate was made and its answer cannot be read.
		return nil, c.http.OutcomeUnknownError(op, err)
	}
	return cert, nil
}

// planError gives a create refusal its meaning: 2817 and 2839 match ErrPlanLimit and are
// model.ErrFailedPrecondition with a message saying what to do; 2813 (another
// replacement already made) is model.ErrFailedPrecondition.
func planError(err error) error {
	var me *model.Error
	if !errors.As(err, &me) {
		return err
	}
	switch code, _, _ := strings.Cut(me.Code, " "); code {
	case "2817", "2839":
		e := *me
		e.Kind, e.Err = model.ErrFailedPrecondition, ErrPlanLimit
		e.Message = strings.TrimSpace("the account's ZeroSSL plan allows no more certificates of this kind (free plan: 3, expired ones included; no wildcard or multi-domain): upgrade the plan or order through ACME. " + me.Message)
		return &e
	case "2813":
		e := *me
		e.Kind = model.ErrFailedPrecondition
		if e.Message == "" {
			e.Message = "the certificate to replace already has a replacement"
		}
		return &e
	}
	return err
}

// Revoke revokes certificateID (POST /certificates/{id}/revoke with reason in ZeroSSL's
// spelling: Unspecified, keyCompromise, affiliationChanged, Superseded,
// cessationOfOperation). The certificate is read first: one already revoked is done
// without a write; one not issued is model.ErrFailedPrecondition (cancel it instead).
// ZeroSSL answers success for a revoked certificate, so the request is safe to repeat.
// 2907 (not revocable) and 2910 (already replaced) are model.ErrFailedPrecondition; 2908
// (revocation blocked for hours) and 2909 (being issued) model.ErrUnavailable.
func (c *Client) Revoke(ctx context.Context, certificateID string, reason model.RevocationReason) error {
	const op = "Revoke"
	word, ok := RevocationReason(reason)
	if !ok {
		return c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL takes no revocation reason %q", reason)
	}
	ci, err := c.lookup(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch ci.cert.Status {
	case model.StatusRevoked:
		return nil
	case model.StatusIssued:
	default:
		return c.http.Error(op, model.ErrFailedPrecondition, "certificate %s is %s: there is nothing issued to revoke", ci.cert.ID, ci.cert.VendorStatus)
	}
	form := url.Values{}
	form.Set("reason", word)
	return changeError(c.postAction(ctx, op, ci.cert.ID, "revoke", form))
}

// Cancel cancels certificateID (POST /certificates/{id}/cancel), a draft or a
// certificate pending validation. The certificate is read first: one already cancelled
// is done without a write; an issued one is model.ErrFailedPrecondition (revoke it
// instead). ZeroSSL answers a cancel of a cancelled certificate with
// certificate_cannot_be_cancelled (code 2834 or 2833: the type decides); after that
// answer the certificate is read again, and a cancelled one is done.
func (c *Client) Cancel(ctx context.Context, certificateID string) error {
	const op = "Cancel"
	ci, err := c.lookup(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch ci.cert.Status {
	case model.StatusCancelled:
		return nil
	case model.StatusDraft, model.StatusPending:
	default:
		return c.http.Error(op, model.ErrFailedPrecondition, "certificate %s is %s: only a draft or pending certificate can be cancelled", ci.cert.ID, ci.cert.VendorStatus)
	}
	err = c.postAction(ctx, op, ci.cert.ID, "cancel", nil)
	var me *model.Error
	if errors.As(err, &me) && strings.HasSuffix(me.Code, "certificate_cannot_be_cancelled") {
		again, lerr := c.lookup(ctx, op, ci.cert.ID)
		if lerr == nil && again.cert.Status == model.StatusCancelled {
			return nil // an earlier attempt did it
		}
		e := *me
		e.Kind = model.ErrFailedPrecondition
		return &e
	}
	return changeError(err)
}

// postAction posts to /certificates/{id}/{action} and reads {"success":1}.
func (c *Client) postAction(ctx context.Context, op, id, action string, form url.Values) error {
	var ok wireEnvelope
	_, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPost, Path: "certificates/" + wire.PathSegment(id) + "/" + action,
		Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded", Idempotent: true,
		Decode: func(resp *retry.Response, body *retry.BodyStream) error {
			return c.read(op, resp, body, docSuccess, true, 0, &ok)
		}})
	return err
}

// changeError gives revoke and cancel refusals their kinds by ZeroSSL's error type.
func changeError(err error) error {
	var me *model.Error
	if !errors.As(err, &me) {
		return err
	}
	_, typ, _ := strings.Cut(me.Code, " ")
	switch typ {
	case "certificate_not_in_revocable_state", "certificate_not_revocable_already_replaced", "certificate_cannot_be_cancelled":
		e := *me
		e.Kind = model.ErrFailedPrecondition
		return &e
	case "certificate_revocation_temporarily_blocked", "certificate_not_revocable_being_issued", "revocation_failed", "failed_cancelling_certificate":
		e := *me
		e.Kind = model.ErrUnavailable
		return &e
	}
	return err
}

// FindOrder finds the certificate an Order call for req made at or after since (after an
// error with code retry.OutcomeUnknown): the listing searched by req's first name, newest
// first as ZeroSSL lists, read until a certificate older than since minus one second or
// orderfind.ScanLimit certificates; the newest with exactly req's names, or
// model.ErrNotFound.
func (c *Client) FindOrder(ctx context.Context, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	want, err := orderfind.Names(Name, "FindOrder", req.Names)
	if err != nil {
		return nil, err
	}
	return orderfind.Scan(Name, c.Certificates(ctx, model.CertificateQuery{Search: want[0]}), want, since, true)
}
