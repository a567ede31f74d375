package zerossltest

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

// Create, cancel and revoke, in ZeroSSL's words.

// formOf reads a form or JSON body into url.Values (JSON values as text).
func formOf(r *http.Request) (url.Values, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return nil, false
		}
		v := url.Values{}
		for k, x := range m {
			v.Set(k, strings.TrimSuffix(strings.TrimPrefix(fmt.Sprint(x), `"`), `"`))
		}
		return v, true
	}
	v, err := url.ParseQuery(string(data))
	return v, err == nil
}

// serveCreate answers POST /certificates: a draft certificate with its validation data,
// or ZeroSSL's error (2812 no domains, 2819 no CSR, 2818 a CSR that does not parse, 2807
// a validity other than 90 or 365, 2813 to 2816 replacement errors, 2817 the quota).
func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	form, ok := formOf(r)
	if !ok {
		writeError(w, 110, "invalid_request_body", "")
		return
	}
	var names []string
	for _, n := range strings.Split(form.Get("certificate_domains"), ",") {
		if n = norm(n); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		writeError(w, 2812, "no_domains_specified", "")
		return
	}
	if form.Get("certificate_csr") == "" {
		writeError(w, 2819, "missing_certificate_csr", "")
		return
	}
	block, _ := pem.Decode([]byte(form.Get("certificate_csr")))
	var csr *x509.CertificateRequest
	var err error
	if block != nil {
		csr, err = x509.ParseCertificateRequest(block.Bytes)
	}
	if block == nil || err != nil {
		writeError(w, 2818, "invalid_certificate_csr", "")
		return
	}
	days := 90
	switch v := form.Get("certificate_validity_days"); v {
	case "", "90":
	case "365":
		days = 365
	default:
		writeError(w, 2807, "invalid_certificate_validity", "")
		return
	}
	strict := form.Get("strict_domains") == "1"
	s.mu.Lock()
	defer s.mu.Unlock()
	if rep := form.Get("replacement_for_certificate"); rep != "" {
		old, found := s.certs[rep]
		switch {
		case !found:
			writeError(w, 2816, "cannot_find_original_certificate", "")
			return
		case old.replacedBy != "":
			writeError(w, 2813, "cannot_replace_certificate_other_replacement_in_draft", "")
			return
		case old.wireStatus != "issued":
			writeError(w, 2815, "original_certificate_not_active", "")
			return
		}
	}
	if s.quota > 0 && s.placedCount() >= s.quota {
		writeError(w, 2817, "certificate_limit_reached", "")
		return
	}
	if !strict && len(names) == 1 && !strings.HasPrefix(names[0], "*.") && !strings.HasPrefix(names[0], "www.") {
		names = append(names, "www."+names[0]) // ZeroSSL adds the www twin unless strict_domains=1
	}
	s.seq++
	now := time.Now().UTC().Truncate(time.Second)
	c := model.Certificate{ID: hashHex(fmt.Sprintf("zerossltest-created-%d-%s", s.seq, names[0]))[:32], Provider: providerName,
		Level: model.LevelDV, CommonName: names[0], DNSNames: names, CreatedAt: now,
		Status: model.StatusDraft, VendorStatus: "draft"}
	typ := deriveType(names)
	if days == 365 {
		typ = map[string]string{"1": "4", "2": "5", "3": "6"}[typ]
	}
	c.Product = productName(typ)
	e := &entry{seq: s.seq, cert: c, wireStatus: "draft", wireType: typ, days: days, publicKey: csr.PublicKey, placed: true,
		validation: Validation{Challenges: DefaultChallenges(c.ID, names)}}
	if rep := form.Get("replacement_for_certificate"); rep != "" {
		e.cert.ReplacesID = rep
		s.certs[rep].replacedBy = c.ID
	}
	s.certs[c.ID] = e
	s.order = nil
	writeJSON(w, wireCertificate(e))
}

// placedCount is how many certificates POST /certificates made. Callers hold s.mu.
func (s *Server) placedCount() int {
	n := 0
	for _, e := range s.certs {
		if e.placed {
			n++
		}
	}
	return n
}

// serveCancel answers POST /certificates/{id}/cancel: a draft or pending certificate
// becomes cancelled ({"success":1}); any other, an already cancelled one included, is
// the live API's answer: code 2834 with type certificate_cannot_be_cancelled.
func (s *Server) serveCancel(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.certs[id]
	switch {
	case !found:
		writeError(w, 2803, "certificate_not_found", "")
	case e.wireStatus != "draft" && e.wireStatus != "pending_validation":
		writeJSON(w, map[string]any{"success": false, "error": map[string]any{"code": 2834, "type": "certificate_cannot_be_cancelled", "info": nil}})
	default:
		e.wireStatus, e.cert.Status, e.cert.VendorStatus = "cancelled", model.StatusCancelled, "cancelled"
		s.order = nil
		writeJSON(w, map[string]any{"success": 1})
	}
}

// revokeReasons are the reason words ZeroSSL documents, in its spelling.
var revokeReasons = []string{"Unspecified", "keyCompromise", "affiliationChanged", "Superseded", "cessationOfOperation"}

// serveRevoke answers POST /certificates/{id}/revoke: an issued certificate becomes
// revoked, a revoked one answers success again (as documented), a replaced one 2910,
// any other 2907; a reason not spelled as documented is 2900 invalid_revocation_reason.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request, id string) {
	form, ok := formOf(r)
	if !ok {
		writeError(w, 110, "invalid_request_body", "")
		return
	}
	if reason := form.Get("reason"); reason != "" && !slices.Contains(revokeReasons, reason) {
		writeError(w, 2900, "invalid_revocation_reason", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.certs[id]
	switch {
	case !found:
		writeError(w, 2803, "certificate_not_found", "")
	case e.wireStatus == "revoked":
		writeJSON(w, map[string]any{"success": 1})
	case e.replacedBy != "" && e.wireStatus == "issued" && s.certs[e.replacedBy].wireStatus == "issued":
		writeError(w, 2910, "certificate_not_revocable_already_replaced", "")
	case e.wireStatus != "issued":
		writeError(w, 2907, "certificate_not_in_revocable_state", "")
	default:
		e.wireStatus, e.cert.Status, e.cert.VendorStatus = "revoked", model.StatusRevoked, "revoked"
		s.order = nil
		writeJSON(w, map[string]any{"success": 1})
	}
}

// OrdersPlaced returns how many certificates POST /certificates made for each set of
// names (the names sorted and joined by ","), to count duplicates.
func (s *Server) OrdersPlaced() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, e := range s.certs {
		if e.placed {
			names := slices.Clone(e.cert.DNSNames)
			slices.Sort(names)
			out[strings.Join(names, ",")]++
		}
	}
	return out
}
