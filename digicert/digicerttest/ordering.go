package digicerttest

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Ordering, revocation, cancellation and CertCentral's request approvals.

// request is a CertCentral request: an order's (new_request) or a revocation's (revoke).
type request struct {
	id, kind, status string
	order            *order
}

// orderBodyWire is what the fake reads of an order body.
type orderBodyWire struct {
	Certificate struct {
		CommonName    string   `json:"common_name"`
		DNSNames      []string `json:"dns_names"`
		CSR           string   `json:"csr"`
		SignatureHash string   `json:"signature_hash"`
	} `json:"certificate"`
	Organization *struct {
		ID json.Number `json:"id"`
	} `json:"organization"`
	OrderValidity *struct {
		Days  int `json:"days"`
		Years int `json:"years"`
	} `json:"order_validity"`
	DCVMethod        string      `json:"dcv_method"`
	PaymentMethod    string      `json:"payment_method"`
	SkipApproval     bool        `json:"skip_approval"`
	RenewalOfOrderID json.Number `json:"renewal_of_order_id"`
}

// placeOrder answers POST /order/certificate/{product} in one of CertCentral's three 201
// shapes: a pending request (WithApprovalRequired and no skip_approval), the chain at
// once (every name a domain already validated for the product's level), or the order
// waiting for DCV with its random value.
func (s *Server) placeOrder(w http.ResponseWriter, r *http.Request) {
	product := r.PathValue("product")
	level := productLevel(product)
	if level == "" {
		writeErr(w, http.StatusNotFound, "not_found|product", "Product not found.")
		return
	}
	data, err := io.ReadAll(r.Body)
	var body orderBodyWire
	if err != nil || json.Unmarshal(data, &body) != nil {
		writeErr(w, http.StatusBadRequest, "bad_request_format", "The request body is not valid JSON.")
		return
	}
	cn := norm(body.Certificate.CommonName)
	if cn == "" {
		writeErr(w, http.StatusBadRequest, "missing_common_name", "certificate.common_name is required.")
		return
	}
	block, _ := pem.Decode([]byte(body.Certificate.CSR))
	var csr *x509.CertificateRequest
	if block != nil {
		csr, err = x509.ParseCertificateRequest(block.Bytes)
	}
	if block == nil || err != nil {
		writeErr(w, http.StatusBadRequest, "csr_invalid_cannot_parse", "The CSR cannot be parsed.")
		return
	}
	if level != model.LevelDV && (body.Organization == nil || body.Organization.ID == "") {
		writeErr(w, http.StatusBadRequest, "missing_organization", "organization.id is required for this product.")
		return
	}
	method := body.DCVMethod
	if method == "" {
		method = "email"
	}
	if methodType(method) == "" {
		writeErr(w, http.StatusBadRequest, "invalid_dcv_method", "Invalid DCV method.")
		return
	}
	if !slices.Contains([]string{"balance", "card", "profile", "wire_transfer"}, body.PaymentMethod) {
		writeErr(w, http.StatusBadRequest, "invalid_payment_method", "Invalid payment method.")
		return
	}
	days := 0
	if v := body.OrderValidity; v != nil {
		days = v.Days + 365*v.Years
		if days > 199 {
			writeErr(w, http.StatusBadRequest, "cert_validity_exceeds_order_validity", "Public TLS certificates are valid for at most 199 days.")
			return
		}
	}
	names := model.NormalizeDomains(append([]string{cn}, body.Certificate.DNSNames...))
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := body.RenewalOfOrderID.String(); id != "" && s.findOrder(id) == nil {
		writeErr(w, http.StatusBadRequest, "invalid_renewal_of_order_id", "The order to renew was not found.")
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	c := model.Certificate{ID: strconv.FormatInt(s.newID(), 10), Provider: "digicert", CommonName: cn, DNSNames: names,
		Status: model.StatusPending, VendorStatus: "pending", Product: product, Level: level, CreatedAt: now}
	o := &order{cert: c, certID: s.newID(), publicKey: csr.PublicKey, names: names}
	o.randomValue, o.rvExpires = newToken(), sec(now.Add(30*24*time.Hour))
	for _, n := range names {
		status := "pending"
		if s.validated(n, level) {
			status = "approved"
		}
		o.nameScopes = append(o.nameScopes, orderDomain{name: n, domainID: s.domainIDFor(n, method, o), method: method, status: status})
	}
	if days > 0 {
		o.validityDays = days
	}
	if body.Organization != nil {
		o.organization = body.Organization.ID.String()
	}
	s.byID[c.ID] = o
	s.orders = append(s.orders, o) // the newest id: last in id order
	s.placed = append(s.placed, c.ID)
	req := &request{id: strconv.FormatInt(s.newID(), 10), kind: "new_request", status: "approved", order: o}
	s.requests[req.id] = req
	w.Header().Set("Content-Type", "application/json")
	if s.approval && !body.SkipApproval {
		req.status = "pending"
		o.cert.VendorStatus = "needs_approval"
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": json.Number(c.ID), "requests": []map[string]any{{"id": json.Number(req.id), "status": "pending"}}})
		return
	}
	s.issueIfValidated(o)
	ans := map[string]any{"id": json.Number(c.ID), "requests": []map[string]any{{"id": json.Number(req.id), "status": "approved"}},
		"certificate_id": o.certID}
	if o.cert.Status == model.StatusIssued {
		p := fakeca.TestPKI()
		crlf := func(b []byte) string { return strings.ReplaceAll(string(b), "\n", "\r\n") }
		ans["certificate_chain"] = []map[string]any{
			{"subject_common_name": cn, "pem": crlf(o.leaf.PEM)},
			{"subject_common_name": "anyca fake intermediate", "pem": crlf(p.IntermediatePEM())},
			{"subject_common_name": "anyca fake root", "pem": crlf(p.RootPEM())},
		}
	} else {
		ans["dcv_random_value"] = o.randomValue
	}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(ans)
}

// productLevel is the validation level of a product name_id ("" for an unknown one).
func productLevel(p string) model.ValidationLevel {
	if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" || !strings.HasPrefix(p, "ssl_") && !strings.HasPrefix(p, "private_ssl") && !strings.Contains(p, "_dv_") {
		return ""
	}
	switch {
	case strings.Contains("_"+p+"_", "_dv_"):
		return model.LevelDV
	case strings.Contains("_"+p+"_", "_ev_"):
		return model.LevelEV
	}
	return model.LevelOV
}

// validated reports whether name (or its base name, for a wildcard) is a domain of the
// account validated for level. Callers hold s.mu.
func (s *Server) validated(name string, level model.ValidationLevel) bool {
	base := strings.TrimPrefix(name, "*.")
	for _, d := range s.domains {
		if d.dv.Domain != base || d.hidden {
			continue
		}
		for _, l := range d.dv.Levels {
			if l.Status == model.ValidationValid && (l.Level == level || level == model.LevelDV) {
				return true
			}
		}
	}
	return false
}

// domainIDFor returns the id of the domain record of name, adding a hidden one holding
// o's random value when the account has none. Callers hold s.mu.
func (s *Server) domainIDFor(name, method string, o *order) string {
	for _, d := range s.domains {
		if d.dv.Domain == name {
			return d.dv.ID
		}
	}
	return s.addDomain(model.DomainValidation{Domain: name, Method: methodType(method),
		Challenges: []model.Challenge{{Token: o.randomValue, ExpiresAt: o.rvExpires}}}, true).ID
}

// issueIfValidated issues a pending order whose every name is approved. Callers hold s.mu.
func (s *Server) issueIfValidated(o *order) {
	if o.cert.VendorStatus != "pending" || !allApproved(o.nameScopes) {
		return
	}
	o.cert.Status, o.cert.VendorStatus = model.StatusIssued, "issued"
	now := day(time.Now())
	days := o.validityDays
	if days == 0 {
		days = 199
	}
	// valid_till is a date and the leaf runs to its end: days-1 keeps it within days.
	o.cert.NotBefore, o.cert.NotAfter = now, now.AddDate(0, 0, days-1)
	issueLeaf(o)
}

// readBody reads a JSON object body into v; false (after answering 400) when it is not one.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(r.Body)
	if err != nil || json.Unmarshal(data, v) != nil {
		writeErr(w, http.StatusBadRequest, "bad_request_format", "The request body is not valid JSON.")
		return false
	}
	return true
}

// idAndBody returns the request's {id}, which is looked up as it is (ids are opaque: one
// the fake does not hold is its object's "not found", as withID answers), and reads the
// JSON body into v; a body that is not JSON is answered 400 and ok is false.
func idAndBody(w http.ResponseWriter, r *http.Request, v any) (id string, ok bool) {
	return r.PathValue("id"), readBody(w, r, v)
}

// orderStatus answers PUT /order/certificate/{id}/status: "canceled" (lower case, as
// documented now) with a note cancels an order not issued yet; 204 with no body.
func (s *Server) orderStatus(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	id, ok := idAndBody(w, r, &body)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrder(id)
	switch {
	case o == nil:
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
	case body.Status != "canceled":
		writeErr(w, http.StatusBadRequest, "invalid_status", "status must be one of canceled, renewed, not_renewed.")
	case strings.TrimSpace(body.Note) == "":
		writeErr(w, http.StatusBadRequest, "missing_note", "A note is required to cancel an order.")
	case o.cert.Status != model.StatusPending:
		writeErr(w, http.StatusBadRequest, "invalid_order_status", "Only pending orders can be canceled.")
	default:
		o.cert.Status, o.cert.VendorStatus = model.StatusCancelled, "canceled"
		w.WriteHeader(http.StatusNoContent)
	}
}

// revoke answers PUT /certificate/{id}/revoke (a certificate id, or the certificate's
// serial number): with skip_approval 204 and the order revoked at once; without it 201
// with a pending revoke request, the order unchanged until the request is approved.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Reason       string `json:"revocation_reason"`
		Comments     string `json:"comments"`
		SkipApproval bool   `json:"skip_approval"`
	}
	id, ok := idAndBody(w, r, &body)
	if !ok {
		return
	}
	if body.Reason != "" && !slices.Contains([]string{"unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"}, body.Reason) {
		writeErr(w, http.StatusBadRequest, "invalid_revocation_reason", "Invalid revocation reason.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var o *order
	for _, x := range s.orders {
		if strconv.FormatInt(x.certID, 10) == id || x.cert.SerialNumber != "" && strings.EqualFold(x.cert.SerialNumber, id) {
			o = x
		}
	}
	switch {
	case o == nil:
		writeErr(w, http.StatusNotFound, "not_found|certificate", "Certificate not found.")
	case o.cert.Status != model.StatusIssued && o.cert.Status != model.StatusRevoked:
		writeErr(w, http.StatusBadRequest, "invalid_certificate_status", "Only issued certificates can be revoked.")
	case body.SkipApproval:
		o.cert.Status, o.cert.VendorStatus = model.StatusRevoked, "revoked"
		w.WriteHeader(http.StatusNoContent)
	default:
		req := &request{id: strconv.FormatInt(s.newID(), 10), kind: "revoke", status: "pending", order: o}
		s.requests[req.id] = req
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": json.Number(req.id), "date": stamp(time.Now()), "type": "revoke",
			"status": "pending", "requester": map[string]any{"id": 242140, "first_name": "Fake", "last_name": "Requester"},
			"comments": body.Comments})
	}
}

// requestStatus answers PUT /request/{id}/status: "approved" carries the request out
// (an order leaves needs_approval, a revocation revokes), "rejected" rejects it; 204.
// A request already processed is 400 request_already_processed.
func (s *Server) requestStatus(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Status string `json:"status"`
	}
	id, ok := idAndBody(w, r, &body)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.requests[id]
	switch {
	case req == nil:
		writeErr(w, http.StatusNotFound, "not_found|request", "Request not found.")
	case req.status != "pending":
		writeErr(w, http.StatusBadRequest, "request_already_processed", "The request was already processed.")
	case body.Status == "rejected":
		req.status = "rejected"
		if req.kind == "new_request" {
			req.order.cert.Status, req.order.cert.VendorStatus = model.StatusRejected, "rejected"
		}
		w.WriteHeader(http.StatusNoContent)
	case body.Status == "approved":
		req.status = "approved"
		switch req.kind {
		case "revoke":
			req.order.cert.Status, req.order.cert.VendorStatus = model.StatusRevoked, "revoked"
		case "new_request":
			req.order.cert.VendorStatus = "pending"
			s.issueIfValidated(req.order)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeErr(w, http.StatusBadRequest, "invalid_status", "status must be approved or rejected.")
	}
}

// PendingRequests returns the ids of the requests waiting for an approver, oldest first.
func (s *Server) PendingRequests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, r := range s.requests {
		if r.status == "pending" {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if model.LessID(a, b) {
			return -1
		}
		return 1
	})
	return out
}

// OrdersPlaced returns how many orders POST /order/certificate made for each set of
// names (the names sorted and joined by ","), to count duplicates.
func (s *Server) OrdersPlaced() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, id := range s.placed {
		o := s.byID[id]
		names := slices.Clone(o.names)
		slices.Sort(names)
		out[strings.Join(names, ",")]++
	}
	return out
}
