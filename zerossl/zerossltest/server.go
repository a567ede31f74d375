// Package zerossltest is an in-memory fake of ZeroSSL's REST API, for tests, examples and
// the CLI simulator. It is seeded from model values and answers in ZeroSSL's wire format
// with its quirks: errors with HTTP 200 and "success":false, "page" as a string, "type"
// as a string, nulls before issuance, PHP's [] for empty objects. Faults (429, 5xx, HTML
// pages, slow or cut answers) are injected with FailNext and SetChaos.
package zerossltest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// DefaultAPIKey is the key a Server accepts unless WithAPIKey sets another.
const DefaultAPIKey = "zerossltest-0123456789abcdef0123456789abcdef"

// Fault is a misbehaviour to inject with FailNext, and FaultKind says which: one of
// providertest's fault kinds (providertest.FaultRateLimit, FaultServerError, ...), the
// one vocabulary of faults every fake shares.
type (
	Fault     = fakeca.Fault
	FaultKind = fakeca.FaultKind
)

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the only access_key the server accepts.
func WithAPIKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// WithPageAsString makes list answers send "page" (and "limit") as a JSON string (true,
// the default, as ZeroSSL sometimes does) or as a number (false).
func WithPageAsString(b bool) Option { return func(s *Server) { s.pageAsString = b } }

// WithQuota limits the certificates POST /certificates creates to n, as ZeroSSL's free
// plan does (3): the next create answers error 2817 certificate_limit_reached.
func WithQuota(n int) Option { return func(s *Server) { s.quota = n } }

// baseTime is the creation time given to certificates seeded without one, one minute
// apart in seeding order, so listings are deterministic.
var baseTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Server is a running fake ZeroSSL API. Its URL (fakeca.Base's) is the base URL to give
// the adapter (http://127.0.0.1:port). Its methods are safe for concurrent use.
type Server struct {
	// APIKey is the access_key the server accepts.
	APIKey string

	pageAsString bool
	verifyCounters
	// Base is the shared fake machinery; its methods (Close, Handler, FailNext,
	// SetChaos, Requests, Injected, EndpointRequests) are the Server's.
	*fakeca.Base
	fakeca.Publication // Publish, and the hook WithPublished sets

	quota int // WithQuota: certificates POST /certificates may create (0: no limit)

	mu    sync.Mutex
	seq   int
	certs map[string]*entry
	order []*entry // certs as sorted returns them; nil when a change made it stale
}

// entry is one stored certificate and its validation data.
type entry struct {
	seq        int
	cert       model.Certificate // as the adapter must report it
	wireStatus string
	wireType   string
	validation Validation
	leaf       *fakeca.Leaf // the issued certificate, for download
	download   *[2]string   // SetDownload's override
	days       int          // certificate_validity_days of a created certificate (0: 90)
	publicKey  any          // the created certificate's CSR key, certified by the leaf
	placed     bool         // made by POST /certificates
	replacedBy string       // the certificate created to replace this one
}

// Validation is a certificate's DCV data as the fake serves it.
type Validation struct {
	// Method is the DCV method chosen (validation_type); "" means none chosen yet (null).
	Method model.ChallengeType
	// Challenges are the certificate's validation entries: for each domain, dns-cname
	// (RecordName, RecordValue), http-file / https-file (URL, Content with lines joined by
	// "\n") and email (Emails). Status is ignored: the fake serves no per-challenge state.
	Challenges []model.Challenge
	// EmailStatus is what GET /certificates/{id}/status reports per domain ("Email Sent",
	// "Validated", ...). Nil makes that endpoint answer error 2838, as ZeroSSL does for
	// methods other than email.
	EmailStatus map[string]string
}

// NewServer starts a fake on a loopback port; call Close when done.
// URL (fakeca.Base's) is then the base URL to give the adapter.
func NewServer(opts ...Option) *Server { return fakeca.Started(newServer(opts...)) }

// NewUnstarted returns a fake that is not listening, for mounting Handler elsewhere
// (the CLI simulator). URL is empty.
func NewUnstarted(opts ...Option) *Server { return newServer(opts...) }

func newServer(opts ...Option) *Server {
	s := fakeca.Configure(&Server{APIKey: DefaultAPIKey, pageAsString: true, certs: map[string]*entry{}}, opts)
	s.Base = fakeca.NewBase("", errorBodyForStatus, &fakeca.Auth{
		KeyOf: func(r *http.Request) string { return r.URL.Query().Get("access_key") },
		Key:   s.APIKey,
		Unauthorized: func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, 101, "invalid_access_key", "You have not supplied a valid API Access Key.")
		},
	}, func(w http.ResponseWriter, _ *http.Request) { writeError(w, 104, "route_not_found", "") })
	s.DeclarePaging(fakeca.Paging{Params: []string{"page"}, Total: "total_count"})
	s.routes()
	return s
}

// routes registers ZeroSSL's endpoints, each counted under its pattern. Another method on
// a known path is ZeroSSL's error 2800.
func (s *Server) routes() {
	b := s.Base
	b.Handle("GET /certificates", s.serveList)
	b.Handle("GET /certificates/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.serveCertificate(w, r.PathValue("id"))
	})
	b.Handle("GET /certificates/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		s.serveStatus(w, r.PathValue("id"))
	})
	b.Handle("POST /certificates/{id}/challenges", func(w http.ResponseWriter, r *http.Request) {
		s.serveVerify(w, r, r.PathValue("id"))
	})
	b.Handle("GET /certificates/{id}/download/return", func(w http.ResponseWriter, r *http.Request) {
		s.serveDownload(w, r.PathValue("id"))
	})
	b.Handle("POST /certificates", s.serveCreate)
	b.Handle("POST /certificates/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		s.serveCancel(w, r.PathValue("id"))
	})
	b.Handle("POST /certificates/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		s.serveRevoke(w, r, r.PathValue("id"))
	})
	wrongMethod := func(w http.ResponseWriter, _ *http.Request) { writeError(w, 2800, "incorrect_request_type", "") }
	b.Handle("/certificates", wrongMethod)
	b.Handle("/certificates/{id}", wrongMethod)
	b.Handle("/certificates/{id}/status", wrongMethod)
}

// AddCertificate stores c and returns it as the adapter must report it: a 32-hex id
// assigned when ID is empty (deterministically), Provider "zerossl", level dv, names
// normalized with the common name first, times in UTC to the second (CreatedAt set when
// zero), NotBefore and SerialNumber cleared (ZeroSSL does not give them), Product one of
// ZeroSSL's (kept when c names one, else derived from the names), and Status/VendorStatus
// as ZeroSSL can say them (rejected becomes cancelled). Default validation data is
// generated for every name; SetValidation replaces it.
func (s *Server) AddCertificate(c model.Certificate) model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if c.ID == "" {
		c.ID = hashHex(fmt.Sprintf("zerossltest-cert-%d-%s", s.seq, c.CommonName))[:32]
	}
	c.Provider = providerName
	c.Level = model.LevelDV
	c.CommonName = norm(c.CommonName)
	if c.CommonName == "" && len(c.DNSNames) > 0 {
		c.CommonName = norm(c.DNSNames[0])
	}
	c.DNSNames = model.NormalizeDomains(append([]string{c.CommonName}, c.DNSNames...))
	if c.CreatedAt.IsZero() {
		c.CreatedAt = baseTime.Add(time.Duration(s.seq) * time.Minute)
	}
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Second)
	if !c.NotAfter.IsZero() {
		c.NotAfter = c.NotAfter.UTC().Truncate(time.Second)
	}
	c.NotBefore = time.Time{}
	c.SerialNumber = ""
	c.FingerprintSHA1 = model.NormalizeHex(c.FingerprintSHA1)
	typ := typeOfProduct(c.Product)
	if typ == "" {
		typ = deriveType(c.DNSNames)
	}
	c.Product = productName(typ)
	wireStatus := wordFor(c.Status)
	if c.VendorStatus != "" && stateOf(c.VendorStatus) == c.Status {
		wireStatus = c.VendorStatus // keeps "deleted" and unknown words
	}
	if wireStatus == "" {
		if c.Status == model.StatusRejected {
			wireStatus = "cancelled"
		} else {
			wireStatus = "unknown"
		}
	}
	c.Status, c.VendorStatus = stateOf(wireStatus), wireStatus
	c.DNSNames = append([]string(nil), c.DNSNames...)
	e := &entry{seq: s.seq, cert: c, wireStatus: wireStatus, wireType: typ,
		validation: Validation{Challenges: DefaultChallenges(c.ID, c.DNSNames)}}
	if hasCertificate(c.Status) {
		issueLeaf(e, c.CreatedAt)
		c = e.cert
		c.DNSNames = append([]string(nil), c.DNSNames...)
	}
	s.certs[c.ID] = e
	s.order = nil
	return c
}

// SetValidation replaces the DCV data of the certificate with id; false when there is no
// such certificate.
func (s *Server) SetValidation(id string, v Validation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.certs[id]
	if !ok {
		return false
	}
	v.Challenges = append([]model.Challenge(nil), v.Challenges...)
	e.validation = v
	return true
}

// Replace stores c over the certificate with the same id, keeping its validation data,
// and returns it as the adapter must report it (see AddCertificate).
func (s *Server) Replace(c model.Certificate) model.Certificate {
	s.mu.Lock()
	old, ok := s.certs[c.ID]
	s.mu.Unlock()
	got := s.AddCertificate(c)
	if ok {
		s.mu.Lock()
		s.certs[got.ID].validation = old.validation
		s.certs[got.ID].seq = old.seq
		s.order = nil
		s.mu.Unlock()
	}
	return got
}

// Validation returns the DCV data stored for the certificate with id (zero if none).
func (s *Server) Validation(id string) Validation {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.certs[id]
	if !ok {
		return Validation{}
	}
	v := e.validation
	v.Challenges = append([]model.Challenge(nil), v.Challenges...)
	return v
}

// Certificates returns the stored certificates as the adapter must report them, newest
// first (as ZeroSSL lists them).
func (s *Server) Certificates() []model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []model.Certificate
	for _, e := range s.sorted() {
		c := e.cert
		c.DNSNames = append([]string(nil), c.DNSNames...)
		out = append(out, c)
	}
	return out
}

// DefaultChallenges returns the validation entries the fake generates for a certificate:
// for each name a dns-cname, an http-file and https-file (not for wildcards), and an
// email challenge, derived deterministically from id and the name, in the case ZeroSSL
// uses (upper-case hashes). Their Status is empty.
func DefaultChallenges(id string, names []string) []model.Challenge {
	var out []model.Challenge
	for _, d := range names {
		base := strings.TrimPrefix(d, "*.")
		h := strings.ToUpper(hashHex(id + "|" + d))
		out = append(out, model.Challenge{Domain: d, Type: model.ChallengeDNSCNAME,
			RecordName: "_" + h[:32] + "." + base, RecordValue: h[:32] + "." + h[32:64] + ".COMODOCA.COM"})
		if !strings.HasPrefix(d, "*.") {
			content := h[:32] + "\ncomodoca.com\n" + strings.ToLower(h[32:48])
			file := "/.well-known/pki-validation/" + h[:32] + ".txt"
			out = append(out,
				model.Challenge{Domain: d, Type: model.ChallengeHTTPFile, URL: "http://" + base + file, Content: content},
				model.Challenge{Domain: d, Type: model.ChallengeHTTPSFile, URL: "https://" + base + file, Content: content})
		}
		var emails []string
		for _, local := range []string{"admin", "administrator", "hostmaster", "postmaster", "webmaster"} {
			emails = append(emails, local+"@"+base)
		}
		out = append(out, model.Challenge{Domain: d, Type: model.ChallengeEmail, Emails: emails})
	}
	return out
}

func deriveType(names []string) string {
	switch {
	case len(names) > 0 && strings.HasPrefix(names[0], "*."):
		return "2"
	case len(names) > 2:
		return "3"
	}
	return "1"
}

func norm(s string) string { return fakeca.NormName(s) }

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sorted returns the entries newest first (creation time, then seeding order). The
// slice is cached until the next change (sorting 10,000 entries on every list request
// made each page cost O(n log n)); callers hold s.mu and must not modify it.
func (s *Server) sorted() []*entry {
	if s.order != nil {
		return s.order
	}
	out := make([]*entry, 0, len(s.certs))
	for _, e := range s.certs {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.cert.CreatedAt.Equal(b.cert.CreatedAt) {
			return a.cert.CreatedAt.After(b.cert.CreatedAt)
		}
		return a.seq > b.seq
	})
	s.order = out
	return out
}

func (s *Server) serveCertificate(w http.ResponseWriter, id string) {
	s.mu.Lock()
	e, ok := s.certs[id]
	var body map[string]any
	if ok {
		body = wireCertificate(e)
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, 2803, "certificate_not_found", "")
		return
	}
	writeJSON(w, body)
}

func (s *Server) serveStatus(w http.ResponseWriter, id string) {
	s.mu.Lock()
	e, ok := s.certs[id]
	var details map[string]any
	completed := 0
	if ok && e.validation.EmailStatus != nil {
		details = map[string]any{}
		for d, st := range e.validation.EmailStatus {
			details[d] = map[string]any{"method": "admin@" + strings.TrimPrefix(d, "*."), "status": st}
		}
		if e.cert.Status == model.StatusIssued {
			completed = 1
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, 2803, "certificate_not_found", "")
	case details == nil:
		writeError(w, 2838, "failed_getting_validation_status", "")
	default:
		writeJSON(w, map[string]any{"validation_completed": completed, "details": details})
	}
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, page := 100, 1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, 2800, "invalid_limit", "")
			return
		}
		limit = min(n, 1000)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, 2800, "invalid_page", "")
			return
		}
		page = n
	}
	statuses := map[string]bool{}
	for _, st := range model.SplitList(q.Get("certificate_status")) {
		statuses[strings.ToLower(st)] = true
	}
	search := strings.ToLower(strings.TrimSpace(q.Get("search")))
	if len(search) < 4 {
		search = "" // ZeroSSL ignores searches under 4 characters
	}
	s.mu.Lock()
	var matched []*entry
	for _, e := range s.sorted() {
		if len(statuses) > 0 && !statuses[e.wireStatus] {
			continue
		}
		if search != "" && !matchesSearch(e.cert.DNSNames, search) {
			continue
		}
		matched = append(matched, e)
	}
	results := []any{}
	start := (page - 1) * limit
	for i := start; i < len(matched) && i < start+limit; i++ {
		results = append(results, wireCertificate(matched[i]))
	}
	s.mu.Unlock()
	var pageV, limitV any = page, limit
	if s.pageAsString {
		pageV, limitV = strconv.Itoa(page), strconv.Itoa(limit)
	}
	writeJSON(w, map[string]any{"total_count": len(matched), "result_count": len(results), "page": pageV,
		"limit": limitV, "acmeUsageLevel": "LOW", "isAcmeLocked": false, "results": results})
}

func matchesSearch(names []string, search string) bool {
	for _, n := range names {
		if strings.Contains(n, search) {
			return true
		}
	}
	return false
}

// wireCertificate renders e in ZeroSSL's format. Called with s.mu held.
func wireCertificate(e *entry) map[string]any {
	c := e.cert
	var additional []string
	for _, n := range c.DNSNames {
		if n != c.CommonName {
			additional = append(additional, n)
		}
	}
	m := map[string]any{
		"id": c.ID, "type": e.wireType, "common_name": c.CommonName,
		"additional_domains": strings.Join(additional, ","),
		"created":            c.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
		"expires":            nil, "status": e.wireStatus,
		"validation_type": nil, "validation_emails": nil,
		"replacement_for": c.ReplacesID, "fingerprint_sha1": nil, "brand_validation": nil,
		"signature_algorithm_properties": nil,
	}
	if !c.NotAfter.IsZero() {
		m["expires"] = c.NotAfter.UTC().Format("2006-01-02 15:04:05")
	}
	if c.FingerprintSHA1 != "" {
		m["fingerprint_sha1"] = strings.ToUpper(c.FingerprintSHA1)
	}
	if vt := validationTypeWords[e.validation.Method]; vt != "" {
		m["validation_type"] = vt
	}
	emailValidation := map[string]any{}
	other := map[string]map[string]any{}
	var chosenEmails []string
	for _, ch := range e.validation.Challenges {
		om := other[ch.Domain]
		if om == nil && ch.Type != model.ChallengeEmail {
			om = map[string]any{}
			other[ch.Domain] = om
		}
		switch ch.Type {
		case model.ChallengeDNSCNAME:
			om["cname_validation_p1"], om["cname_validation_p2"] = ch.RecordName, ch.RecordValue
		case model.ChallengeHTTPFile:
			om["file_validation_url_http"] = ch.URL
			om["file_validation_content"] = strings.Split(ch.Content, "\n")
		case model.ChallengeHTTPSFile:
			om["file_validation_url_https"] = ch.URL
			om["file_validation_content"] = strings.Split(ch.Content, "\n")
		case model.ChallengeEmail:
			emailValidation[ch.Domain] = ch.Emails
			if len(ch.Emails) > 0 {
				chosenEmails = append(chosenEmails, ch.Emails[0])
			}
		}
	}
	if e.validation.Method == model.ChallengeEmail && len(chosenEmails) > 0 {
		m["validation_emails"] = strings.Join(chosenEmails, ",")
	}
	validation := map[string]any{"email_validation": []any{}, "other_methods": []any{}} // PHP's empty []
	if len(emailValidation) > 0 {
		validation["email_validation"] = emailValidation
	}
	if len(other) > 0 {
		validation["other_methods"] = other
	}
	m["validation"] = validation
	return m
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// writeError answers as ZeroSSL does: HTTP 200 with success false and the error object.
func writeError(w http.ResponseWriter, code int, typ, info string) {
	e := map[string]any{"code": code, "type": typ}
	if info != "" {
		e["info"] = info
	}
	writeJSON(w, map[string]any{"success": false, "error": e})
}

// errorBodyForStatus is the JSON error body of injected 429/5xx faults.
func errorBodyForStatus(status int, message string) []byte {
	var e map[string]any
	switch {
	case status == http.StatusTooManyRequests:
		e = map[string]any{"code": "429", "type": "too_many_requests"}
	default:
		e = map[string]any{"code": 111, "type": "internal_server_error"}
	}
	if message != "" {
		e["info"] = message
	}
	b, _ := json.Marshal(map[string]any{"success": 0, "error": e})
	return b
}
