package digicerttest

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// The DCV check and download endpoints, and the test PKI behind the downloads.

// WithPublished sets the hook that decides whether a challenge is published, asked by
// check-dcv for every domain not yet approved (besides the domains given to Publish).
// It is called with the Server's lock held and must not call the Server.
func WithPublished(fn func(model.Challenge) bool) Option { return fakeca.WithHook[*Server](fn) }

// SetDownload makes the download of order id answer body (as PEM text) instead of the
// order's chain, to test what the adapter does with a wrong or broken file; nil restores
// the real chain.
func (s *Server) SetDownload(id string, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.findOrder(id); o != nil {
		o.download = body
	}
}

// Roots returns a pool holding the root that signs every chain the fakes issue.
func Roots() *x509.CertPool { return fakeca.TestPKI().RootPool() }

// hasCertificate reports whether an order in status st holds an issued certificate.
func hasCertificate(st model.CertificateStatus) bool {
	return st == model.StatusIssued || st == model.StatusRevoked || st == model.StatusExpired
}

// issueLeaf gives o a real leaf signed by the test PKI, with the order's names and
// dates, and the seeded serial when it is a usable one; the order's serial and
// thumbprint become the leaf's. Callers hold s.mu.
func issueLeaf(o *order) {
	c := &o.cert
	spec := fakeca.LeafSpec{Serial: c.SerialNumber, Seed: "digicert|" + c.ID, Names: c.DNSNames,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, PublicKey: o.publicKey}
	if !c.NotAfter.IsZero() {
		spec.NotAfter = c.NotAfter.Add(24*time.Hour - time.Second) // valid_till is a date
	}
	leaf, err := fakeca.TestPKI().Issue(spec)
	if err != nil {
		spec.Serial = ""
		if leaf, err = fakeca.TestPKI().Issue(spec); err != nil {
			return
		}
	}
	o.leaf = leaf
	c.SerialNumber, c.FingerprintSHA1 = leaf.Serial, leaf.SHA1
}

// refusal is the 400 code and message check-dcv answers when a domain's proof is not
// found, as CertCentral words them per method.
func refusal(method, name, token string) (string, string) {
	switch method {
	case "dns-txt-token":
		return "invalid_dns_txt", fmt.Sprintf("No TXT record with the random value %s was found on %s.", token, name)
	case "dns-cname-token":
		return "invalid_dns_cname", fmt.Sprintf("No CNAME record _dnsauth.%s pointing to %s.dcv.digicert.com was found.", name, token)
	case "http-token":
		return "file_random_value_not_found", fmt.Sprintf("The file http://%s/.well-known/pki-validation/fileauth.txt was not found or does not hold the random value.", name)
	}
	return "invalid_dcv_method", "This order's DCV method cannot be checked."
}

// checkDCV answers PUT /order/certificate/{id}/check-dcv: each domain not yet approved
// is approved when its challenge is published; when one is not, 400 with the method's
// code; when all are approved, a pending order is issued (a leaf is signed).
// It runs under onOrder.
func (s *Server) checkDCV(w http.ResponseWriter, o *order) {
	if o.cert.Status != model.StatusPending {
		writeErr(w, http.StatusBadRequest, "invalid_order_status", "The order is not pending validation.")
		return
	}
	var failCode, failMsg string
	for i := range o.nameScopes {
		d := &o.nameScopes[i]
		if d.status == "approved" {
			continue
		}
		if d.method == "email" {
			continue // approved by email only: not checked here, and the order waits for it
		}
		ch := expectChallenge(d.name, d.method, o.randomValue, mapWord(d.status), o.rvExpires)
		if s.Published(d.name, ch) {
			d.status = "approved"
			s.validateDomain(d, o.cert.Level)
			continue
		}
		if failCode == "" {
			failCode, failMsg = refusal(d.method, d.name, o.randomValue)
		}
	}
	if failCode != "" {
		writeErr(w, http.StatusBadRequest, failCode, failMsg)
		return
	}
	if allApproved(o.nameScopes) {
		o.cert.Status, o.cert.VendorStatus = model.StatusIssued, "issued"
		if o.cert.NotBefore.IsZero() {
			now := day(time.Now())
			o.cert.NotBefore, o.cert.NotAfter = now, now.AddDate(0, 0, 397)
		}
		issueLeaf(o)
	}
	vals := []map[string]any{}
	for _, d := range o.nameScopes {
		vals = append(vals, map[string]any{"dns_name": d.name, "status": d.status})
	}
	writeJSON(w, map[string]any{"order_status": o.cert.VendorStatus, "certificate_id": o.certID,
		"dcv_status": "valid", "dns_name_validations": vals})
}

// validateDomain records a passed DCV on the account's domain behind an order's name
// (its domain_id, else the record of that name or of a parent name: CertCentral
// validates the registered domain), as CertCentral does: the domain becomes validated at
// the order's level (OV when the order has none) for 397 days from now, approved now,
// its token active. Runs with the Server's lock held.
func (s *Server) validateDomain(d *orderDomain, level model.ValidationLevel) {
	var rec *domain
	for _, r := range s.domains {
		if d.domainID != "" && r.dv.ID == d.domainID {
			rec = r
			break
		}
		if r.dv.Domain == d.name || strings.HasSuffix(d.name, "."+r.dv.Domain) {
			if rec == nil || len(r.dv.Domain) > len(rec.dv.Domain) {
				rec = r
			}
		}
	}
	if rec == nil {
		return
	}
	if level == "" || level == model.LevelDV {
		level = model.LevelOV // CertCentral's domain validations are OV and EV
	}
	now := sec(time.Now())
	l := model.LevelValidation{Level: level, Status: model.ValidationValid, VendorStatus: "active", ValidUntil: now.AddDate(0, 0, 397)}
	replaced := false
	for i := range rec.dv.Levels {
		if rec.dv.Levels[i].Level == level {
			rec.dv.Levels[i], replaced = l, true
		}
	}
	if !replaced {
		rec.dv.Levels = append(rec.dv.Levels, l)
		rank := []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV}
		slices.SortStableFunc(rec.dv.Levels, func(a, b model.LevelValidation) int {
			return slices.Index(rank, a.Level) - slices.Index(rank, b.Level)
		})
	}
	rec.dv.Status, rec.dv.VendorStatus = model.ValidationValid, ""
	rec.dv.ValidatedAt, rec.submitted = now, now
	if rec.dv.VendorMethod == "" {
		rec.dv.VendorMethod = d.method
		rec.dv.Method = methodType(d.method)
	}
	rec.dv.Challenges = nil
	if ch := expectChallenge(rec.dv.Domain, rec.dv.VendorMethod, rec.token, rec.dv.Status, rec.tokenExp); ch != nil {
		rec.dv.Challenges = []model.Challenge{*ch}
	}
}

// allApproved reports whether an order has domains and every one is approved.
func allApproved(ds []orderDomain) bool {
	for _, d := range ds {
		if d.status != "approved" {
			return false
		}
	}
	return len(ds) > 0
}

// mapWord maps the fake's per-domain status word back to a model status.
func mapWord(word string) model.ValidationStatus {
	for _, st := range model.ValidationStatuses() {
		if challengeWord(st) == word {
			return st
		}
	}
	return model.ValidationUnknown
}

// download answers GET /certificate/download/order/{id}/format/{format} for pem_all
// (leaf, intermediate, root) and pem_noroot.
func (s *Server) download(w http.ResponseWriter, id, format string) {
	s.mu.Lock()
	o := s.findOrder(id)
	var body []byte
	switch {
	case o == nil:
	case o.download != nil:
		body = o.download
	case o.cert.Status == model.StatusIssued && o.leaf != nil:
		p := fakeca.TestPKI()
		body = append(append([]byte(nil), o.leaf.PEM...), p.IntermediatePEM()...)
		if format == "pem_all" {
			body = append(body, p.RootPEM()...)
		}
	}
	status := o != nil && o.cert.Status == model.StatusIssued
	s.mu.Unlock()
	switch {
	case o == nil:
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
	case format != "pem_all" && format != "pem_noroot":
		writeErr(w, http.StatusBadRequest, "invalid_format", "Unsupported certificate format.")
	case body == nil || !status && o.download == nil:
		writeErr(w, http.StatusBadRequest, "invalid_order_status", "The certificate is not issued.")
	default:
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(body)
	}
}
