package zerossltest

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// The verify (POST /certificates/{id}/challenges) and download endpoints, and the test
// PKI behind the downloads.

// WithPublished sets the hook that decides whether a challenge is published, asked by a
// verify for each domain of the certificate (besides the domains given to Publish). It
// is called with the Server's lock held and must not call the Server.
func WithPublished(fn func(model.Challenge) bool) Option { return fakeca.WithHook[*Server](fn) }

// VerifyRequests returns how many verify POSTs reached the handler (faults injected
// before it excluded).
func (s *Server) VerifyRequests() int64 { return s.verifies.Load() }

// EmailsSent returns how many times a verify with EMAIL sent the validation emails.
func (s *Server) EmailsSent() int64 { return s.emails.Load() }

// SetDownload makes the download of certificate id answer {"certificate.crt": leaf,
// "ca_bundle.crt": bundle} with these texts instead of the real chain, to test what the
// adapter does with a wrong or broken file; both empty restores the real chain.
func (s *Server) SetDownload(id, leaf, bundle string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.certs[id]; ok {
		e.download = nil
		if leaf != "" || bundle != "" {
			e.download = &[2]string{leaf, bundle}
		}
	}
}

// Roots returns a pool holding the root that signs every chain the fakes issue.
func Roots() *x509.CertPool { return fakeca.TestPKI().RootPool() }

// verifyCounters are the Server's verify counters.
type verifyCounters struct {
	verifies, emails atomic.Int64
}

// hasCertificate reports whether a certificate in status st was issued.
func hasCertificate(st model.CertificateStatus) bool {
	return st == model.StatusIssued || st == model.StatusRevoked || st == model.StatusExpired
}

// issueLeaf signs a leaf for e with its names and expiry; its fingerprint becomes the
// certificate's. Callers hold s.mu.
func issueLeaf(e *entry, notBefore time.Time) {
	leaf, err := fakeca.TestPKI().Issue(fakeca.LeafSpec{Seed: "zerossl|" + e.cert.ID, Names: e.cert.DNSNames,
		NotBefore: notBefore, NotAfter: e.cert.NotAfter, PublicKey: e.publicKey})
	if err != nil {
		return
	}
	e.leaf = leaf
	e.cert.FingerprintSHA1 = leaf.SHA1
	if e.cert.NotAfter.IsZero() {
		e.cert.NotAfter = leaf.Cert.NotAfter.UTC()
	}
}

// verifyParams reads validation_method and validation_email from a form or JSON body.
func verifyParams(r *http.Request) (method, emails string, ok bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return "", "", false
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var v struct {
			Method string `json:"validation_method"`
			Email  string `json:"validation_email"`
		}
		if json.Unmarshal(body, &v) != nil {
			return "", "", false
		}
		return v.Method, v.Email, true
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return "", "", false
	}
	return q.Get("validation_method"), q.Get("validation_email"), true
}

var methods = map[string]model.ChallengeType{"EMAIL": model.ChallengeEmail, "CNAME_CSR_HASH": model.ChallengeDNSCNAME,
	"HTTP_CSR_HASH": model.ChallengeHTTPFile, "HTTPS_CSR_HASH": model.ChallengeHTTPSFile}

// serveVerify answers a verify: every domain whose challenge of the method is published
// passes; when all pass the certificate is issued (a leaf is signed) and returned; else
// success false, code 0, domain_control_validation_failed with per-domain details in
// ZeroSSL's shapes. EMAIL "sends" the emails and leaves the certificate pending.
func (s *Server) serveVerify(w http.ResponseWriter, r *http.Request, id string) {
	s.verifies.Add(1)
	method, emails, ok := verifyParams(r)
	if !ok {
		writeError(w, 110, "invalid_request_body", "")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, found := s.certs[id]
	if !found {
		writeError(w, 2803, "certificate_not_found", "")
		return
	}
	if e.wireStatus != "draft" && e.wireStatus != "pending_validation" {
		writeError(w, 2831, "certificate_not_ready_to_validate", "")
		return
	}
	t, known := methods[method]
	if !known {
		writeError(w, 2812, "invalid_validation_method", "")
		return
	}
	if t == model.ChallengeEmail {
		given := strings.Split(emails, ",")
		if len(given) != len(e.cert.DNSNames) {
			writeError(w, 2813, "invalid_validation_email", "")
			return
		}
		for i, d := range e.cert.DNSNames {
			if !s.offers(e, d, strings.TrimSpace(given[i])) {
				writeError(w, 2813, "invalid_validation_email", "")
				return
			}
		}
		s.emails.Add(1)
		e.validation.Method, e.wireStatus = t, "pending_validation"
		e.cert.Status, e.cert.VendorStatus = model.StatusPending, "pending_validation"
		e.validation.EmailStatus = map[string]string{}
		for _, d := range e.cert.DNSNames {
			e.validation.EmailStatus[d] = "Email Sent"
		}
		s.order = nil
		writeJSON(w, wireCertificate(e))
		return
	}
	e.validation.Method = t
	details := map[string]any{}
	failed := false
	for _, d := range e.cert.DNSNames {
		var ch *model.Challenge
		for i := range e.validation.Challenges {
			if c := e.validation.Challenges[i]; c.Domain == d && c.Type == t {
				ch = &c
				break
			}
		}
		if s.Published(d, ch) {
			details[d] = map[string]any{"validation_successful": true}
			continue
		}
		failed = true
		switch {
		case ch == nil:
			details[d] = map[string]any{d: map[string]any{"error": true, "error_slug": "no_validation_data", "error_info": "no challenge of this method"}}
		case t == model.ChallengeDNSCNAME:
			details[d] = map[string]any{ch.RecordName: map[string]any{"cname_found": 0, "record_correct": 0,
				"target_host": ch.RecordName, "target_record": ch.RecordValue, "actual_record": ""}}
		default:
			details[d] = map[string]any{ch.URL: map[string]any{"file_found": 0, "error": 1,
				"error_slug": "file_not_found", "error_info": "The validation file was not found (HTTP 404)."}}
		}
	}
	if failed {
		e.wireStatus, e.cert.Status, e.cert.VendorStatus = "pending_validation", model.StatusPending, "pending_validation"
		s.order = nil
		writeJSON(w, map[string]any{"success": false, "error": map[string]any{"code": 0,
			"type": "domain_control_validation_failed", "details": details}})
		return
	}
	e.wireStatus, e.cert.Status, e.cert.VendorStatus = "issued", model.StatusIssued, "issued"
	now := time.Now().UTC().Truncate(time.Second)
	days := e.days
	if days == 0 {
		days = 90
	}
	e.cert.NotAfter = now.Add(time.Duration(days) * 24 * time.Hour)
	issueLeaf(e, now)
	s.order = nil
	writeJSON(w, wireCertificate(e))
}

// offers reports whether addr is one of the email choices of domain d on e.
func (s *Server) offers(e *entry, d, addr string) bool {
	for _, ch := range e.validation.Challenges {
		if ch.Domain == d && ch.Type == model.ChallengeEmail {
			for _, a := range ch.Emails {
				if strings.EqualFold(a, addr) {
					return true
				}
			}
		}
	}
	return false
}

// serveDownload answers GET /certificates/{id}/download/return for issued certificates.
func (s *Server) serveDownload(w http.ResponseWriter, id string) {
	s.mu.Lock()
	e, ok := s.certs[id]
	var leaf, bundle string
	issued := ok && e.wireStatus == "issued"
	if issued {
		switch {
		case e.download != nil:
			leaf, bundle = e.download[0], e.download[1]
		case e.leaf != nil:
			leaf, bundle = string(e.leaf.PEM), string(fakeca.TestPKI().IntermediatePEM())
		default:
			issued = false
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, 2803, "certificate_not_found", "")
	case !issued:
		writeError(w, 2832, "certificate_not_issued", "")
	default:
		writeJSON(w, map[string]string{"certificate.crt": leaf, "ca_bundle.crt": bundle})
	}
}
