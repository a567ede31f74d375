package digicert

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
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

// DefaultProduct is the product Order uses when neither the request nor Config names
// one: Basic OV, the flex product that replaced the single, multi-domain and wildcard
// OV products.
const DefaultProduct = "ssl_basic"

// MaxValidityDays is the longest public TLS certificate CertCentral sells since
// 2026-02-24: an order for longer is cut to it.
const MaxValidityDays = 199

// ApprovalRequired is the Code of the error a revocation waiting for an approver gives
// (anyca.ApprovalRequired has the same value).
const ApprovalRequired = "approval_required"

// paymentMethods are the payment_method words CertCentral takes.
var paymentMethods = []string{"balance", "card", "profile", "wire_transfer"}

// ordering is Config's ordering settings, checked by New.
type ordering struct {
	product, organization, payment string
	skipApproval, approve          bool
}

// checkOrdering checks the ordering settings of cfg: a payment method CertCentral does
// not take is model.ErrInvalidArgument naming the setting.
func checkOrdering(cfg Config) (ordering, error) {
	o := ordering{product: strings.TrimSpace(cfg.Product), organization: strings.TrimSpace(cfg.OrganizationID),
		payment: strings.ToLower(strings.TrimSpace(cfg.PaymentMethod)), skipApproval: cfg.SkipApproval, approve: cfg.ApproveRequests}
	if o.product == "" {
		o.product = DefaultProduct
	}
	if o.payment == "" {
		o.payment = "balance"
	}
	ok := false
	for _, w := range paymentMethods {
		ok = ok || w == o.payment
	}
	if !ok {
		return o, model.NewError(Name, "New", model.ErrInvalidArgument,
			"digicert.Config.PaymentMethod (payment_method) %q is not one of %v", cfg.PaymentMethod, paymentMethods)
	}
	if o.organization != "" && !numericID(o.organization) {
		return o, model.NewError(Name, "New", model.ErrInvalidArgument,
			"digicert.Config.OrganizationID (organization_id) %q is not a CertCentral organization id (a number)", cfg.OrganizationID)
	}
	return o, nil
}

// orderBody is the body of POST /order/certificate/{product}.
type orderBody struct {
	Certificate struct {
		CommonName     string   `json:"common_name"`
		DNSNames       []string `json:"dns_names,omitempty"`
		CSR            string   `json:"csr"`
		SignatureHash  string   `json:"signature_hash"`
		ServerPlatform struct {
			ID int `json:"id"`
		} `json:"server_platform"`
	} `json:"certificate"`
	Organization *struct {
		ID json.Number `json:"id"`
	} `json:"organization,omitempty"`
	OrderValidity *struct {
		Days int `json:"days"`
	} `json:"order_validity,omitempty"`
	DCVMethod        string      `json:"dcv_method,omitempty"`
	PaymentMethod    string      `json:"payment_method"`
	SkipApproval     bool        `json:"skip_approval,omitempty"`
	RenewalOfOrderID json.Number `json:"renewal_of_order_id,omitempty"`
}

// orderCreatedWire is the 201 answer of an order, in any of its three shapes: waiting
// for an approver (requests pending), issued at once (certificate_chain), or waiting
// for DCV (certificate_id, maybe dcv_random_value).
type orderCreatedWire struct {
	ID       flexString `json:"id"`
	Requests []struct {
		ID     flexString `json:"id"`
		Status flexString `json:"status"`
	} `json:"requests"`
	CertificateID    flexString `json:"certificate_id"`
	CertificateChain []struct {
		SubjectCommonName flexString `json:"subject_common_name"`
		PEM               flexString `json:"pem"`
	} `json:"certificate_chain"`
	DCVRandomValue flexString `json:"dcv_random_value"`
}

var docOrderCreated = wire.Document{Name: "a CertCentral order created", Fields: []string{"id"}}

// dcvWord is the dcv_method word for a challenge type ("" for the CA's default).
func dcvWord(t model.ChallengeType) (string, bool) {
	switch t {
	case "":
		return "", true
	case model.ChallengeDNSTXT:
		return "dns-txt-token", true
	case model.ChallengeDNSCNAME:
		return "dns-cname-token", true
	case model.ChallengeHTTPFile:
		return "http-token", true
	case model.ChallengeEmail:
		return "email", true
	}
	return "", false
}

// Order places an order (POST /order/certificate/{product}) for req: the names sent
// explicitly (CertCentral does not read them from the CSR), the CSR as PEM, signature
// hash sha256, server platform "other", the product from req, else Config.Product, else
// DefaultProduct; the organization from Config.OrganizationID for OV and EV products;
// payment_method and skip_approval from Config; order_validity in whole days, the
// longest CertCentral sells that is not longer than req.Validity (at most
// MaxValidityDays; under a day is model.ErrInvalidArgument); dcv_method from req.Method;
// renewal_of_order_id from req.Replaces. Every check (model.CheckOrder, the settings,
// the method, Replaces) comes before any request.
//
// The create request is sent once (retry.Request.AtMostOnce): an unknown outcome is
// model.ErrUnavailable with code retry.OutcomeUnknown; FindOrder then finds the order.
// The answer is returned as a Certificate with the new order id: pending with vendor
// status needs_approval when the order waits for an approver (approved first when
// Config.ApproveRequests, then pending), issued with serial, thumbprint and dates from
// the chain when CertCentral issued it at once, pending otherwise. CreatedAt is when the
// CA answered, to the second.
func (c *Client) Order(ctx context.Context, req model.OrderRequest) (*model.Certificate, error) {
	const op = "Order"
	checked, err := model.CheckOrder(Name, req)
	if err != nil {
		return nil, err
	}
	r := checked.Request
	product := strings.ToLower(strings.TrimSpace(r.Product))
	if product == "" {
		product = c.ordering.product
	}
	if !isProductID(product) {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "product %q is not a CertCentral product name_id", product)
	}
	var body orderBody
	body.Certificate.CommonName = r.Names[0]
	body.Certificate.DNSNames = r.Names[1:]
	body.Certificate.CSR = string(checked.PEM())
	body.Certificate.SignatureHash = "sha256"
	body.Certificate.ServerPlatform.ID = -1
	body.PaymentMethod = c.ordering.payment
	body.SkipApproval = c.ordering.skipApproval
	var organizationNeeded model.ValidationLevel
	if lvl := levelFor(product); lvl == model.LevelOV || lvl == model.LevelEV {
		organizationNeeded = lvl
	}
	if r.Validity > 0 {
		days := int(r.Validity / (24 * time.Hour))
		if days < 1 {
			return nil, c.http.Error(op, model.ErrInvalidArgument, "validity %s is under a day: CertCentral sells whole days", r.Validity)
		}
		body.OrderValidity = &struct {
			Days int `json:"days"`
		}{min(days, MaxValidityDays)}
	}
	word, ok := dcvWord(r.Method)
	if !ok {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "DigiCert has no DCV method %q (dns-txt, dns-cname, http-file, email)", r.Method)
	}
	body.DCVMethod = word
	if rep := strings.TrimSpace(r.Replaces); rep != "" {
		if !numericID(rep) {
			return nil, c.http.Error(op, model.ErrInvalidArgument, "replaces %q is not a CertCentral order id (a number)", rep)
		}
		body.RenewalOfOrderID = json.Number(rep)
	}
	if organizationNeeded != "" {
		// Every local check passed: only now may a request (List organizations) go out.
		org := c.ordering.organization
		if org == "" {
			if org, err = c.onlyOrganization(ctx, op, product, organizationNeeded); err != nil {
				return nil, err
			}
		}
		body.Organization = &struct {
			ID json.Number `json:"id"`
		}{json.Number(org)}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "encoding the order: %v", err)
	}
	var ans orderCreatedWire
	resp, err := c.doDoc(ctx, &retry.Request{Op: op, Method: http.MethodPost, Path: "order/certificate/" + product,
		Body: data, ContentType: "application/json", AtMostOnce: true}, docOrderCreated, 0, &ans)
	if err != nil {
		return nil, err
	}
	if err := checkID(string(ans.ID)); err != nil {
		// The CA answered 201 and the order id cannot be read: the order may exist.
		return nil, c.http.OutcomeUnknownError(op, c.mapErr(op, resp, err))
	}
	cert := &model.Certificate{Provider: Name, ID: string(ans.ID), CommonName: r.Names[0], DNSNames: r.Names,
		Status: model.StatusPending, VendorStatus: "pending", Level: levelFor(product), Product: product,
		CreatedAt: answeredAt(resp, c.now), ReplacesID: strings.TrimSpace(r.Replaces)}
	if pending := pendingRequest(&ans); pending != "" {
		cert.VendorStatus = "needs_approval"
		if c.ordering.approve {
			if err := c.approve(ctx, op, pending); err != nil {
				return nil, err
			}
			cert.VendorStatus = "pending"
		}
		return cert, nil
	}
	if len(ans.CertificateChain) > 0 {
		if leaf := parseLeaf(string(ans.CertificateChain[0].PEM)); leaf != nil {
			sum := sha1.Sum(leaf.Raw)
			cert.Status, cert.VendorStatus = model.StatusIssued, "issued"
			cert.SerialNumber = model.NormalizeHex(leaf.SerialNumber.Text(16))
			cert.FingerprintSHA1 = hex.EncodeToString(sum[:])
			cert.NotBefore, cert.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
		}
	}
	return cert, nil
}

// isProductID reports whether p can go into the order path: a name_id of lower-case
// letters, digits and underscores.
func isProductID(p string) bool {
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return p != "" && len(p) <= 64
}

// pendingRequest returns the id of the first request of ans still waiting for an
// approver ("" when none is: approved, or no requests listed). A request without a
// status (older answers) counts as pending unless a certificate came with it.
func pendingRequest(ans *orderCreatedWire) string {
	for _, r := range ans.Requests {
		switch st := strings.ToLower(string(r.Status)); {
		case st == "pending" || st == "submitted":
			return string(r.ID)
		case st == "" && ans.CertificateID == "" && len(ans.CertificateChain) == 0:
			return string(r.ID)
		}
	}
	return ""
}

// answeredAt is the CA's Date header, else now, to the second, UTC.
func answeredAt(resp *retry.Response, now func() time.Time) time.Time {
	if resp != nil {
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			return t.UTC()
		}
	}
	return now().UTC().Truncate(time.Second)
}

// parseLeaf reads the first certificate of a PEM text (CertCentral sends \r\n line
// breaks), or nil.
func parseLeaf(text string) *x509.Certificate {
	block, _ := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	return leaf
}

// approve approves request id (PUT /request/{id}/status, 204 with no body). A request
// already processed counts as approved, as CertCentral's other clients treat it.
func (c *Client) approve(ctx context.Context, op, id string) error {
	if !validID(id) {
		return c.http.Error(op, model.ErrUnavailable, "the CA's request id %q is not one it gives", id)
	}
	body := []byte(`{"status":"approved","processor_comment":"approved by anyca"}`)
	_, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPut, Path: "request/" + wire.PathSegment(id) + "/status",
		Body: body, ContentType: "application/json", Idempotent: true})
	var me *model.Error
	if errors.As(err, &me) && strings.HasPrefix(me.Code, "request_already_processed") {
		return nil
	}
	return err
}

// revokeReasons are CertCentral's revocation_reason words (camelCase).
var revokeReasons = map[model.RevocationReason]string{
	model.ReasonUnspecified:          "unspecified",
	"":                               "unspecified",
	model.ReasonKeyCompromise:        "keyCompromise",
	model.ReasonAffiliationChanged:   "affiliationChanged",
	model.ReasonSuperseded:           "superseded",
	model.ReasonCessationOfOperation: "cessationOfOperation",
}

// RevocationReason is the revocation_reason word CertCentral takes for r, and false for a
// reason it does not take.
func RevocationReason(r model.RevocationReason) (string, bool) {
	w, ok := revokeReasons[r]
	return w, ok
}

// revokeRequestWire is the 201 answer of a revocation that created a request.
type revokeRequestWire struct {
	ID     flexString `json:"id"`
	Status flexString `json:"status"`
	Type   flexString `json:"type"`
}

var docRevokeRequest = wire.Document{Name: "a CertCentral request", Fields: []string{"id"}}

// Revoke revokes the certificate of order certificateID (PUT
// /certificate/{certificate id}/revoke, with revocation_reason in CertCentral's
// spelling and comments). The order is read first: one already revoked is done without
// a write; one without an issued certificate is model.ErrFailedPrecondition. A 204 is
// done (its empty body is never decoded). A 201 is a revoke request waiting for an
// approver: with Config.ApproveRequests it is approved and the order read again, and
// Revoke returns nil only once the order reads revoked; otherwise it is
// model.ErrFailedPrecondition with code ApprovalRequired and the request id in the
// message. Nothing is reported revoked that the CA does not report revoked or did not
// answer 204 for.
func (c *Client) Revoke(ctx context.Context, certificateID string, reason model.RevocationReason) error {
	const op = "Revoke"
	word, ok := RevocationReason(reason)
	if !ok {
		return c.http.Error(op, model.ErrInvalidArgument, "DigiCert takes no revocation reason %q", reason)
	}
	o, err := c.orderForChange(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch mapStatus(string(o.Status)) {
	case model.StatusRevoked:
		return nil
	case model.StatusIssued, model.StatusExpired:
	default:
		return c.failedPrecondition(op, "order %s is %s: there is no issued certificate to revoke (cancel it instead)", certificateID, o.Status)
	}
	certID := strings.TrimSpace(string(o.Certificate.ID))
	if !validID(certID) {
		return c.http.Error(op, model.ErrUnavailable, "order %s has no certificate id to revoke", certificateID)
	}
	body, _ := json.Marshal(map[string]any{"revocation_reason": word, "comments": "revoked through anyca", "skip_approval": c.ordering.skipApproval})
	var req revokeRequestWire
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPut, Path: "certificate/" + wire.PathSegment(certID) + "/revoke",
		Body: body, ContentType: "application/json", Idempotent: true})
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil // revoked; the body is empty and never read
	}
	if err := c.readDocBytes(op, resp, docRevokeRequest, &req); err != nil {
		return err
	}
	if st := strings.ToLower(string(req.Status)); st == "approved" {
		return c.confirmRevoked(ctx, op, certificateID, string(req.ID))
	}
	if !c.ordering.approve {
		e := c.failedPrecondition(op, "revocation of order %s waits for an approver: CertCentral request %s", certificateID, req.ID)
		e.Code = ApprovalRequired
		return e
	}
	if err := c.approve(ctx, op, string(req.ID)); err != nil {
		return err
	}
	return c.confirmRevoked(ctx, op, certificateID, string(req.ID))
}

// confirmRevoked reads order id after its revoke request was approved: nil when it is
// revoked, else model.ErrFailedPrecondition with code ApprovalRequired naming the request.
func (c *Client) confirmRevoked(ctx context.Context, op, id, request string) error {
	o, err := c.orderForChange(ctx, op, id)
	if err != nil {
		return err
	}
	if mapStatus(string(o.Status)) == model.StatusRevoked {
		return nil
	}
	e := c.failedPrecondition(op, "revocation of order %s was approved (CertCentral request %s) but the order is %s, not revoked yet", id, request, o.Status)
	e.Code = ApprovalRequired
	return e
}

// Cancel withdraws order certificateID (PUT /order/certificate/{id}/status with status
// "canceled", lower case, and the required note; 204 with no body). The order is read
// first: one already cancelled is done without a write; an issued, revoked or expired
// one is model.ErrFailedPrecondition (revoke instead). After the 204 the order is read
// again and Cancel returns nil only when it reads cancelled.
func (c *Client) Cancel(ctx context.Context, certificateID string) error {
	const op = "Cancel"
	o, err := c.orderForChange(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch mapStatus(string(o.Status)) {
	case model.StatusCancelled:
		return nil
	case model.StatusPending, model.StatusDraft:
	default:
		return c.failedPrecondition(op, "order %s is %s: only an order not issued yet can be cancelled", certificateID, o.Status)
	}
	id := strings.TrimSpace(certificateID)
	body := []byte(`{"status":"canceled","note":"cancelled through anyca"}`)
	if _, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPut, Path: "order/certificate/" + wire.PathSegment(id) + "/status",
		Body: body, ContentType: "application/json", Idempotent: true}); err != nil {
		return err
	}
	after, err := c.orderForChange(ctx, op, id)
	if err != nil {
		return err
	}
	if st := mapStatus(string(after.Status)); st != model.StatusCancelled {
		return c.failedPrecondition(op, "order %s reads %s after the cancellation, not cancelled", id, after.Status)
	}
	return nil
}

// orderForChange reads order id (Order info) for Revoke and Cancel; an id that can never
// be one (wire.CheckID) is model.ErrInvalidArgument without a request.
func (c *Client) orderForChange(ctx context.Context, op, id string) (*orderWire, error) {
	id = strings.TrimSpace(id)
	if !validID(id) {
		return nil, c.badID(op, id)
	}
	var o orderWire
	if _, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "order/certificate/" + wire.PathSegment(id)}, docOrder, 0, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

func (c *Client) failedPrecondition(op, format string, args ...any) *model.Error {
	return c.http.Error(op, model.ErrFailedPrecondition, format, args...)
}

// readDocBytes decodes a body Do read whole as doc into v.
func (c *Client) readDocBytes(op string, resp *retry.Response, doc wire.Document, v any) error {
	return c.readDoc(op, resp, strings.NewReader(string(resp.Body)), doc, 0, v)
}

// FindOrder finds the order an Order call for req made at or after since (after an
// error with code retry.OutcomeUnknown): List orders searched by req's first name,
// newest first (sort=-date_created), read until an order older than since minus one
// second or orderfind.ScanLimit orders; the newest order with exactly req's names, or
// model.ErrNotFound.
func (c *Client) FindOrder(ctx context.Context, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	const op = "FindOrder"
	want, err := orderfind.Names(Name, op, req.Names)
	if err != nil {
		return nil, err
	}
	base := url.Values{}
	base.Set("filters[search]", "%"+want[0])
	base.Set("sort", "-date_created")
	list := listing(c, op, "order/certificate", base, docOrderList, MaxPageSize, certID,
		func(l *orderListWire) ([]*model.Certificate, *page, error) {
			out, err := mapEach(l.Orders, mapOrder)
			return out, l.Page, err
		}).Seq(ctx)
	return orderfind.Scan(Name, list, want, since, true)
}
