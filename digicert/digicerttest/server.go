// Package digicerttest is an in-memory fake of DigiCert CertCentral's Services API and
// Custom Reports API, for tests, benchmarks and the CLI's simulator.
//
// A Server is seeded from model values and answers in CertCentral's wire format: numeric
// ids, error bodies {"errors":[{"code","message"}]}, 401 for a bad key, 404
// not_found|order, offset/limit paging with page{total,limit,offset}, filters, include_*
// switches (date-only Mountain-Time DCV expirations unless include_dcv_expiration_time is
// set; dcv_expiration.ov_status, ev_status and dcv_approval_date with
// include_validation_reuse_status; List domains with only active validations, no DCV token
// and last_submitted_datetime for domains submitted for DCV) and GraphQL order_details_by_id queries under aliases with flat string fields.
// Faults are injected with fakeca's Injector. A Server is safe for concurrent use and
// returns items in a stable order (by id unless sorted otherwise).
package digicerttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Mountain Time on machines without zoneinfo

	"github.com/anyca/anyca/internal/fakeca"
	"github.com/anyca/anyca/model"
)

// Fault is a misbehaviour to inject; the kinds are re-exported below.
type Fault = fakeca.Fault

// FaultKind selects a misbehaviour.
type FaultKind = fakeca.FaultKind

// The fault kinds.
const (
	RateLimit   = fakeca.RateLimit
	ServerError = fakeca.ServerError
	HTMLError   = fakeca.HTMLError
	Slow        = fakeca.Slow
	Truncated   = fakeca.Truncated
	Reset       = fakeca.Reset
	// ForeignDocument answers 200 with a document that is not the one asked for.
	ForeignDocument = fakeca.ForeignDocument
)

// DefaultAPIKey is the key a Server accepts unless WithAPIKey sets another.
const DefaultAPIKey = "digicerttest-key-0123456789abcdef"

// BasePath is the path prefix of every endpoint, as on www.digicert.com.
const BasePath = "/services/v2"

// Option configures a Server.
type Option func(*Server)

// WithAPIKey sets the key the Server accepts for every request.
func WithAPIKey(key string) Option { return func(s *Server) { s.APIKey = key } }

// WithViewOnlyKey adds a key with CertCentral's View Only role: GET requests only; POST
// and PUT answer 403 access_denied|missing_permission.
func WithViewOnlyKey(key string) Option { return func(s *Server) { s.viewOnly = key } }

// WithReportsAPI(false) makes the Reports API answer 403 as for an account without it.
func WithReportsAPI(enabled bool) Option { return func(s *Server) { s.reports = enabled } }

// WithGraphQLBatchLimit makes a Reports query with more than n queries answer 400.
func WithGraphQLBatchLimit(n int) Option { return func(s *Server) { s.batchLimit = n } }

// WithPartialSearchDefault sets whether filters[search] on List domains matches substrings
// when filters[search_criteria] is absent (the account setting; default true).
func WithPartialSearchDefault(partial bool) Option {
	return func(s *Server) { s.partialDefault = partial }
}

// Server is a running fake CertCentral.
type Server struct {
	// URL is the base URL including /services/v2, for digicert.Config.BaseURL.
	URL string
	// APIKey is the key with full access.
	APIKey string

	viewOnly       string
	reports        bool
	batchLimit     int
	partialDefault bool
	published      func(model.Challenge) bool // WithPublished
	publishedNames map[string]bool            // Publish

	ts  *httptest.Server
	inj *fakeca.Injector

	mu      sync.Mutex
	nextID  int64
	orders  []*order
	byID    map[string]*order
	domains []*domain
	counts  map[string]int64
	handler http.Handler
}

type order struct {
	cert        model.Certificate
	certID      int64
	nameScopes  []orderDomain
	randomValue string
	rvExpires   time.Time
	leaf        *fakeca.Leaf // the issued certificate, for download
	download    []byte       // SetDownload's override of the download body
}

type orderDomain struct {
	name     string
	domainID string
	method   string
	status   string
}

type domain struct {
	dv       model.DomainValidation
	token    string
	tokenExp time.Time
	hidden   bool // known to orders only: served by Domain info, not listed
	// submitted is when the domain was last submitted for DCV (last_submitted_datetime):
	// the approval time of a validated domain, a later time for a pending one.
	submitted time.Time
}

// NewServer starts a fake CertCentral on a loopback port; Close stops it.
func NewServer(opts ...Option) *Server {
	s := newServer(opts...)
	s.ts = httptest.NewServer(s.handler)
	s.URL = s.ts.URL + BasePath
	return s
}

// NewUnstarted returns a Server that is not listening, for mounting Handler elsewhere
// (URL is empty).
func NewUnstarted(opts ...Option) *Server { return newServer(opts...) }

func newServer(opts ...Option) *Server {
	s := &Server{APIKey: DefaultAPIKey, reports: true, partialDefault: true, nextID: 100000,
		counts: map[string]int64{}, byID: map[string]*order{}}
	for _, o := range opts {
		o(s)
	}
	s.inj = fakeca.NewInjector(errorJSON)
	s.handler = s.inj.Wrap(http.HandlerFunc(s.serve))
	return s
}

// Close shuts the server down.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Handler returns the fake's handler (faults included), serving paths under BasePath.
func (s *Server) Handler() http.Handler { return s.handler }

// FailNext makes the next n requests misbehave with f.
func (s *Server) FailNext(n int, f Fault) { s.inj.FailNext(n, f) }

// SetChaos makes each request misbehave with probability rate (reproducible per seed).
func (s *Server) SetChaos(rate float64, seed uint64, kinds ...FaultKind) {
	s.inj.SetChaos(rate, seed, kinds...)
}

// Requests returns how many requests reached the server, faulty ones included.
func (s *Server) Requests() int64 { return s.inj.Requests() }

// Injected returns how many faults of each kind were injected so far (FailNext and chaos).
func (s *Server) Injected() map[FaultKind]int { return s.inj.Injected() }

// EndpointRequests returns how many requests each endpoint answered (faults excluded),
// keyed like "GET /order/certificate/{id}" or "POST /reports/query".
func (s *Server) EndpointRequests() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// EndpointRequest returns the count of one endpoint (see EndpointRequests).
func (s *Server) EndpointRequest(endpoint string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[endpoint]
}

func (s *Server) newID() int64 {
	s.nextID++
	return s.nextID
}

// vendorStatus returns the order status word for c.
func vendorStatus(c model.Certificate) string {
	if c.VendorStatus != "" && statusOf(c.VendorStatus) == c.Status {
		return c.VendorStatus
	}
	switch c.Status {
	case model.StatusCancelled:
		return "canceled"
	case "", model.StatusUnknown:
		if c.VendorStatus != "" {
			return c.VendorStatus
		}
		return "unknown_state"
	}
	return string(c.Status)
}

// statusOf mirrors CertCentral's documented words, for deciding what the adapter reports.
func statusOf(word string) model.CertificateStatus {
	switch word {
	case "needs_approval", "pending", "waiting_pickup":
		return model.StatusPending
	case "issued", "reissue_pending", "renewed":
		return model.StatusIssued
	case "not_renewed", "expired":
		return model.StatusExpired
	case "canceled", "cancelled":
		return model.StatusCancelled
	case "rejected", "denied":
		return model.StatusRejected
	case "revoked":
		return model.StatusRevoked
	case "draft":
		return model.StatusDraft
	}
	return model.StatusUnknown
}

// productFor returns a product name_id of level l (the adapter derives Level from it).
func productFor(product string, l model.ValidationLevel) string {
	p := strings.ToLower(strings.TrimSpace(product))
	switch l {
	case model.LevelDV:
		if strings.Contains("_"+p+"_", "_dv_") {
			return p
		}
		return "ssl_dv_geotrust"
	case model.LevelEV:
		if strings.Contains("_"+p+"_", "_ev_") {
			return p
		}
		return "ssl_ev_plus"
	case model.LevelOV:
		if strings.HasPrefix(p, "ssl_") && !strings.Contains("_"+p+"_", "_ev_") && !strings.Contains("_"+p+"_", "_dv_") {
			return p
		}
		return "ssl_plus"
	}
	return ""
}

func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

func sec(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// AddCertificate stores c as an order and returns what the adapter reports for it: a
// numeric order id assigned when ID is empty, names normalized (common name first),
// Product a CertCentral name_id of c's level, dates truncated to what CertCentral keeps
// (validity as dates, creation to the second), ReplacesID cleared.
func (s *Server) AddCertificate(c model.Certificate) model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = strconv.FormatInt(s.newID(), 10)
	} else if n, err := strconv.ParseInt(c.ID, 10, 64); err == nil && n > s.nextID {
		s.nextID = n
	}
	c.Provider = "digicert"
	c.CommonName = norm(c.CommonName)
	names := c.DNSNames
	if c.CommonName != "" {
		names = append([]string{c.CommonName}, names...)
	}
	c.DNSNames = model.NormalizeDomains(names)
	if len(c.DNSNames) == 0 {
		c.DNSNames = nil
	}
	if c.Status == "" {
		c.Status = model.StatusIssued
	}
	c.VendorStatus = vendorStatus(c)
	c.Status = statusOf(c.VendorStatus)
	c.Product = productFor(c.Product, c.Level)
	if c.Product == "" {
		c.Level = ""
	}
	c.SerialNumber = model.NormalizeHex(c.SerialNumber)
	c.FingerprintSHA1 = model.NormalizeHex(c.FingerprintSHA1)
	c.CreatedAt, c.NotBefore, c.NotAfter = sec(c.CreatedAt), day(c.NotBefore), day(c.NotAfter)
	c.ReplacesID = ""
	o := &order{cert: c, certID: s.newID()}
	if hasCertificate(c.Status) {
		issueLeaf(o)
		c = o.cert
	}
	if old := s.byID[c.ID]; old != nil {
		*old = *o // the same id again replaces the order
		return c
	}
	s.byID[c.ID] = o
	// Insert after every order with an id not above c.ID: the order a stable sort of the
	// appended slice gives, without re-sorting on every seed (quadratic for large seeds).
	at := sort.Search(len(s.orders), func(i int) bool { return idLess(c.ID, s.orders[i].cert.ID) })
	s.orders = slices.Insert(s.orders, at, o)
	return c
}

func idLess(a, b string) bool {
	na, ea := strconv.ParseInt(a, 10, 64)
	nb, eb := strconv.ParseInt(b, 10, 64)
	if ea == nil && eb == nil {
		return na < nb
	}
	return a < b
}

func norm(s string) string {
	if n, err := model.NormalizeDomain(s); err == nil {
		return n
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func methodWord(t model.ChallengeType) string {
	switch t {
	case model.ChallengeDNSTXT:
		return "dns-txt-token"
	case model.ChallengeDNSCNAME:
		return "dns-cname-token"
	case model.ChallengeHTTPFile:
		return "http-token"
	case model.ChallengeEmail:
		return "email"
	}
	return ""
}

func methodType(w string) model.ChallengeType {
	switch w {
	case "dns-txt-token":
		return model.ChallengeDNSTXT
	case "dns-cname-token":
		return model.ChallengeDNSCNAME
	case "http-token":
		return model.ChallengeHTTPFile
	case "email":
		return model.ChallengeEmail
	}
	return ""
}

var tokenSeq atomic.Int64

func newToken() string { return fmt.Sprintf("dcvtok%010d", tokenSeq.Add(1)) }

// expectChallenge builds the challenge the adapter reports for domain.
func expectChallenge(domain, method, token string, status model.ValidationStatus, exp time.Time) *model.Challenge {
	t := methodType(method)
	if t == "" {
		return nil
	}
	ch := &model.Challenge{Domain: domain, Type: t, Status: status, ExpiresAt: exp}
	host := strings.TrimPrefix(domain, "*.")
	switch t {
	case model.ChallengeEmail:
		for _, l := range []string{"admin", "administrator", "webmaster", "hostmaster", "postmaster"} {
			ch.Emails = append(ch.Emails, l+"@"+host)
		}
		ch.ExpiresAt = time.Time{}
		return ch
	case model.ChallengeDNSTXT:
		ch.RecordName, ch.RecordValue = host, token
	case model.ChallengeDNSCNAME:
		ch.RecordName, ch.RecordValue = "_dnsauth."+host, token+".dcv.digicert.com"
	case model.ChallengeHTTPFile:
		ch.URL, ch.Content = "http://"+host+"/.well-known/pki-validation/fileauth.txt", token
	}
	ch.Token = token
	return ch
}

func levelWord(st model.ValidationStatus) string {
	switch st {
	case model.ValidationValid:
		return "active"
	case model.ValidationPending:
		return "pending"
	case model.ValidationExpired:
		return "expired"
	case model.ValidationFailed:
		return "rejected"
	case model.ValidationNotStarted:
		return "not_started"
	}
	return "under_review"
}

func levelStatus(word string, until, now time.Time) model.ValidationStatus {
	switch word {
	case "active":
		if !until.IsZero() && !now.Before(until) {
			return model.ValidationExpired
		}
		return model.ValidationValid
	case "pending":
		return model.ValidationPending
	case "expired":
		return model.ValidationExpired
	case "rejected":
		return model.ValidationFailed
	case "not_started":
		return model.ValidationNotStarted
	}
	return model.ValidationUnknown
}

// AddDomain stores d and returns what DomainValidation reports for it: a numeric id
// assigned when ID is empty, the name normalized, levels limited to dv/ov/ev in that
// order with times to the second, status derived from the levels as CertCentral's
// validations imply, the method's CertCentral word, and one challenge built from the
// domain's random value (d.Challenges[0].Token, or a generated one).
func (s *Server) AddDomain(d model.DomainValidation) model.DomainValidation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDomain(d, false)
}

func (s *Server) addDomain(d model.DomainValidation, hidden bool) model.DomainValidation {
	if d.ID == "" {
		d.ID = strconv.FormatInt(s.newID(), 10)
	}
	d.DomainID, d.CertificateID = d.ID, "" // CertCentral's domain record; no order behind it
	d.Provider = "digicert"
	d.Domain = norm(d.Domain)
	now := time.Now()
	var levels []model.LevelValidation
	for _, want := range []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV} {
		for _, l := range d.Levels {
			if l.Level == want {
				l.ValidUntil = sec(l.ValidUntil)
				l.VendorStatus = levelWord(l.Status)
				l.Status = levelStatus(l.VendorStatus, l.ValidUntil, now)
				levels = append(levels, l)
				break
			}
		}
	}
	d.Levels = levels
	pending := d.Status == model.ValidationPending
	d.Status, d.VendorStatus = model.ValidationNotStarted, ""
	found := false
	for _, st := range []model.ValidationStatus{model.ValidationValid, model.ValidationPending,
		model.ValidationExpired, model.ValidationFailed, model.ValidationUnknown} {
		for _, l := range levels {
			if l.Status == st && !found {
				d.Status, found = st, true
			}
		}
	}
	if !found && pending {
		d.Status = model.ValidationPending
	}
	d.VendorMethod = methodWord(d.Method)
	d.Method = methodType(d.VendorMethod)
	d.ValidatedAt = sec(d.ValidatedAt)
	rec := &domain{hidden: hidden, submitted: d.ValidatedAt}
	if d.Status == model.ValidationPending {
		rec.submitted = sec(now)
		if !d.ValidatedAt.IsZero() && !rec.submitted.After(d.ValidatedAt) {
			rec.submitted = d.ValidatedAt.Add(time.Second)
		}
	}
	if len(d.Challenges) > 0 {
		rec.token, rec.tokenExp = d.Challenges[0].Token, sec(d.Challenges[0].ExpiresAt)
	}
	if rec.token == "" {
		rec.token = newToken()
	}
	d.Challenges = nil
	if ch := expectChallenge(d.Domain, d.VendorMethod, rec.token, d.Status, rec.tokenExp); ch != nil {
		d.Challenges = []model.Challenge{*ch}
	}
	rec.dv = d
	// As in AddCertificate: the stable-sorted position, found by binary search.
	at := sort.Search(len(s.domains), func(i int) bool { return idLess(d.ID, s.domains[i].dv.ID) })
	s.domains = slices.Insert(s.domains, at, rec)
	return d
}

func challengeWord(st model.ValidationStatus) string {
	switch st {
	case model.ValidationValid:
		return "approved"
	case model.ValidationPending:
		return "pending"
	case model.ValidationExpired:
		return "expired"
	case model.ValidationFailed:
		return "rejected"
	case model.ValidationNotStarted:
		return "not_started"
	}
	return "under_review"
}

// SetChallenges sets the per-domain validation of order id from chs (one entry per
// domain) and returns what Challenges reports: the order's one random value (the first
// token given, or a generated one) on every token challenge, records, URLs and email
// addresses built as CertCentral documents them. Domains not added with AddDomain get a
// hidden domain record holding the order's random value, for the view-only fallback.
func (s *Server) SetChallenges(id string, chs []model.Challenge) []model.Challenge {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrder(id)
	if o == nil {
		return nil
	}
	o.nameScopes = nil
	o.randomValue, o.rvExpires = "", time.Time{}
	for _, ch := range chs {
		if ch.Token != "" && o.randomValue == "" && ch.Type != model.ChallengeEmail {
			o.randomValue, o.rvExpires = ch.Token, sec(ch.ExpiresAt)
		}
	}
	if o.randomValue == "" {
		o.randomValue = newToken()
		o.rvExpires = sec(time.Now().Add(30 * 24 * time.Hour))
	}
	var out []model.Challenge
	for _, ch := range chs {
		name := norm(ch.Domain)
		method := methodWord(ch.Type)
		if method == "" {
			continue
		}
		var rec *domain
		for _, d := range s.domains {
			if d.dv.Domain == name {
				rec = d
				break
			}
		}
		if rec == nil {
			s.addDomain(model.DomainValidation{Domain: name, Method: ch.Type,
				Challenges: []model.Challenge{{Token: o.randomValue, ExpiresAt: o.rvExpires}}}, true)
			for _, d := range s.domains {
				if d.dv.Domain == name {
					rec = d
				}
			}
		}
		o.nameScopes = append(o.nameScopes, orderDomain{name: name, domainID: rec.dv.ID, method: method,
			status: challengeWord(ch.Status)})
		st := ch.Status
		if !st.Valid() || st == "" {
			st = model.ValidationUnknown
		}
		if e := expectChallenge(name, method, o.randomValue, st, o.rvExpires); e != nil {
			out = append(out, *e)
		}
	}
	return out
}

func (s *Server) findOrder(id string) *order {
	if o := s.byID[id]; o != nil {
		return o
	}
	for _, o := range s.orders {
		c := o.cert
		if c.ID == id || c.SerialNumber != "" && strings.EqualFold(c.SerialNumber, id) ||
			c.FingerprintSHA1 != "" && strings.EqualFold(c.FingerprintSHA1, id) {
			return o
		}
	}
	return nil
}

func errorJSON(status int) []byte {
	code, msg := "server_error", "Internal server error"
	switch status {
	case http.StatusTooManyRequests:
		code, msg = "request_limit_exceeded", "Service unavailable, please limit request volume"
	case http.StatusServiceUnavailable:
		code, msg = "service_unavailable", "The service is down for maintenance"
	}
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	return b
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

var (
	reOrder      = regexp.MustCompile(`^/order/certificate/([A-Za-z0-9]+)$`)
	reValidation = regexp.MustCompile(`^/order/certificate/([A-Za-z0-9]+)/validation$`)
	reRandom     = regexp.MustCompile(`^/order/certificate/([A-Za-z0-9]+)/dcv-random-value$`)
	reDomain     = regexp.MustCompile(`^/domain/([0-9]+)$`)
)

func (s *Server) count(endpoint string) {
	s.mu.Lock()
	s.counts[endpoint]++
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, BasePath)
	if !ok {
		writeErr(w, http.StatusNotFound, "not_found|route", "Route not found")
		return
	}
	path = strings.TrimSuffix(path, "/")
	key := r.Header.Get("X-DC-DEVKEY")
	switch {
	case key != "" && key == s.APIKey:
	case key != "" && s.viewOnly != "" && key == s.viewOnly:
		if r.Method != http.MethodGet {
			s.count(r.Method + " forbidden")
			writeErr(w, http.StatusForbidden, "access_denied|missing_permission", "You do not have permission to perform this action.")
			return
		}
	default:
		s.count("unauthenticated")
		writeErr(w, http.StatusUnauthorized, "invalid_api_key", "The API key is invalid or missing.")
		return
	}
	switch {
	case r.Method == http.MethodGet && path == "/order/certificate":
		s.count("GET /order/certificate")
		s.listOrders(w, r)
	case r.Method == http.MethodGet && reOrder.MatchString(path):
		s.count("GET /order/certificate/{id}")
		s.orderInfo(w, reOrder.FindStringSubmatch(path)[1])
	case r.Method == http.MethodGet && reValidation.MatchString(path):
		s.count("GET /order/certificate/{id}/validation")
		s.orderValidation(w, reValidation.FindStringSubmatch(path)[1])
	case r.Method == http.MethodPut && reRandom.MatchString(path):
		s.count("PUT /order/certificate/{id}/dcv-random-value")
		s.randomValue(w, reRandom.FindStringSubmatch(path)[1])
	case r.Method == http.MethodPut && reCheckDCV.MatchString(path):
		s.count("PUT /order/certificate/{id}/check-dcv")
		s.checkDCV(w, reCheckDCV.FindStringSubmatch(path)[1])
	case r.Method == http.MethodGet && reDownload.MatchString(path):
		s.count("GET /certificate/download/order/{id}/format/{format}")
		m := reDownload.FindStringSubmatch(path)
		s.download(w, m[1], m[2])
	case r.Method == http.MethodPost && path == "/reports/query":
		s.count("POST /reports/query")
		s.reportQuery(w, r)
	case r.Method == http.MethodGet && path == "/domain":
		s.count("GET /domain")
		s.listDomains(w, r)
	case r.Method == http.MethodGet && reDomain.MatchString(path):
		s.count("GET /domain/{id}")
		s.domainInfo(w, r, reDomain.FindStringSubmatch(path)[1])
	default:
		s.count("unknown route")
		writeErr(w, http.StatusNotFound, "not_found|route", "Route not found")
	}
}

func paging(w http.ResponseWriter, r *http.Request) (offset, limit int, ok bool) {
	q := r.URL.Query()
	offset, limit = 0, 1000
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, "invalid_offset", "offset must be a non-negative integer")
			return 0, 0, false
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, http.StatusBadRequest, "invalid_limit", "limit must be between 1 and 1000")
			return 0, 0, false
		}
		limit = n
	}
	return offset, limit, true
}

func window[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(offset+limit, len(items))]
}

func date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02")
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05+00:00")
}

func (o *order) wire() map[string]any {
	c := o.cert
	id, _ := strconv.ParseInt(c.ID, 10, 64)
	cert := map[string]any{
		"id":           o.certID,
		"common_name":  c.CommonName,
		"dns_names":    c.DNSNames,
		"date_created": stamp(c.CreatedAt),
	}
	if c.SerialNumber != "" {
		cert["serial_number"] = strings.ToUpper(c.SerialNumber)
	}
	if c.FingerprintSHA1 != "" {
		cert["thumbprint"] = strings.ToUpper(c.FingerprintSHA1)
	}
	if !c.NotBefore.IsZero() {
		cert["valid_from"] = date(c.NotBefore)
	}
	if !c.NotAfter.IsZero() {
		cert["valid_till"] = date(c.NotAfter)
	}
	out := map[string]any{
		"id":           id,
		"status":       c.VendorStatus,
		"date_created": stamp(c.CreatedAt),
		"certificate":  cert,
	}
	if c.Product != "" {
		out["product"] = map[string]any{"name_id": c.Product, "name": c.Product, "type": "ssl_certificate",
			"validation_type": string(c.Level)}
	}
	return out
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	offset, limit, ok := paging(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	status, search := q.Get("filters[status]"), q.Get("filters[search]")
	s.mu.Lock()
	var match []*order
	for _, o := range s.orders {
		c := o.cert
		if status != "" && c.VendorStatus != status && !(status == "issued" && c.Status == model.StatusExpired) {
			continue
		}
		if search != "" && !orderMatches(c, search) {
			continue
		}
		match = append(match, o)
	}
	// Render only the page asked for: rendering every match made each page cost O(account).
	page := []map[string]any{}
	for _, o := range window(match, offset, limit) {
		page = append(page, o.wire())
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"orders": page, "page": map[string]int{"total": len(match), "limit": limit, "offset": offset}})
}

func orderMatches(c model.Certificate, search string) bool {
	sub, partial := strings.CutPrefix(search, "%")
	sub = strings.ToLower(sub)
	cands := append([]string{c.ID, c.CommonName, c.SerialNumber}, c.DNSNames...)
	for _, v := range cands {
		if partial && strings.Contains(strings.ToLower(v), sub) || !partial && strings.EqualFold(v, sub) {
			return true
		}
	}
	return false
}

func (s *Server) orderInfo(w http.ResponseWriter, id string) {
	s.mu.Lock()
	o := s.findOrder(id)
	var body map[string]any
	if o != nil {
		body = o.wire()
	}
	s.mu.Unlock()
	if o == nil {
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
		return
	}
	writeJSON(w, body)
}

func (s *Server) orderValidation(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrder(id)
	if o == nil {
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
		return
	}
	vals := []map[string]any{}
	method := ""
	for _, d := range o.nameScopes {
		if method == "" {
			method = d.method
		}
		did, _ := strconv.ParseInt(d.domainID, 10, 64)
		vals = append(vals, map[string]any{"domain_id": did, "name_scope": d.name, "status": d.status,
			"method": d.method, "dns_names": []string{d.name}})
	}
	writeJSON(w, map[string]any{"order_id": o.cert.ID, "order_status": o.cert.VendorStatus,
		"order_dcv_method": method, "dns_name_validations": vals})
}

func (s *Server) randomValue(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.findOrder(id)
	if o == nil {
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
		return
	}
	if o.randomValue == "" {
		o.randomValue = newToken()
		o.rvExpires = sec(time.Now().Add(30 * 24 * time.Hour))
	}
	writeJSON(w, map[string]any{"dcv_random_value": o.randomValue, "expiration_date": stamp(o.rvExpires)})
}

// alias is one "name: order_details_by_id(id: N) { fields }" of a Reports query.
type alias struct {
	name, id string
	fields   []string
}

// parseQuery reads "query { alias... }" or "{ alias... }" with order_details_by_id
// queries only, in one linear pass; anything else is a syntax error (ok false).
func parseQuery(q string) (out []alias, ok bool) {
	q = strings.TrimSpace(q)
	q = strings.TrimSpace(strings.TrimPrefix(q, "query"))
	if !strings.HasPrefix(q, "{") || !strings.HasSuffix(q, "}") {
		return nil, false
	}
	body := q[1 : len(q)-1]
	for {
		body = strings.TrimSpace(body)
		if body == "" {
			return out, len(out) > 0
		}
		name, rest, found := strings.Cut(body, ":")
		name = strings.TrimSpace(name)
		if !found || !isIdent(name) {
			return nil, false
		}
		fn, rest, found := strings.Cut(rest, "(")
		if !found || strings.TrimSpace(fn) != "order_details_by_id" {
			return nil, false
		}
		args, rest, found := strings.Cut(rest, ")")
		if !found {
			return nil, false
		}
		key, val, found := strings.Cut(args, ":")
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if !found || strings.TrimSpace(key) != "id" || val == "" || strings.Trim(val, "0123456789") != "" {
			return nil, false
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "{") {
			return nil, false
		}
		fields, rest, found := strings.Cut(rest[1:], "}")
		if !found || strings.ContainsAny(fields, "{(") {
			return nil, false
		}
		a := alias{name: name, id: val}
		for _, f := range strings.FieldsFunc(fields, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
			if !isIdent(f) {
				return nil, false
			}
			a.fields = append(a.fields, f)
		}
		if len(a.fields) == 0 {
			return nil, false // at least one field is required
		}
		out = append(out, a)
		body = rest
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (s *Server) reportQuery(w http.ResponseWriter, r *http.Request) {
	if !s.reports {
		writeErr(w, http.StatusForbidden, "access_denied|reports_not_enabled", "Custom Reports API is not enabled for this account.")
		return
	}
	var body struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request_format", "The request body is not valid JSON.")
		return
	}
	aliases, ok := parseQuery(body.Query)
	if !ok {
		writeErr(w, http.StatusBadRequest, "syntax_error", "Syntax error in the query.")
		return
	}
	if s.batchLimit > 0 && len(aliases) > s.batchLimit {
		writeErr(w, http.StatusBadRequest, "query_too_complex", fmt.Sprintf("At most %d queries per request.", s.batchLimit))
		return
	}
	data := make(map[string]any, len(aliases))
	s.mu.Lock()
	for _, a := range aliases {
		o := s.byID[a.id]
		if o == nil {
			data[a.name] = nil
			continue
		}
		flat := o.flat()
		obj := make(map[string]any, len(a.fields))
		for _, f := range a.fields {
			obj[f] = flat[f]
		}
		data[a.name] = obj
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"data": data})
}

// flat is the order as the Reports API shows it: every field a string or null.
func (o *order) flat() map[string]any {
	c := o.cert
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var extra []string
	for _, n := range c.DNSNames {
		if n != c.CommonName {
			extra = append(extra, n)
		}
	}
	created := any(nil)
	if !c.CreatedAt.IsZero() {
		created = c.CreatedAt.UTC().Format("2006-01-02 15:04:05")
	}
	return map[string]any{
		"id":                     c.ID,
		"certificate_tracker_id": strconv.FormatInt(o.certID, 10),
		"common_name":            str(c.CommonName),
		"dns_names":              str(strings.Join(extra, ",")),
		"status":                 c.VendorStatus,
		"valid_from":             date(c.NotBefore),
		"valid_till":             date(c.NotAfter),
		"date_created":           created,
		"serial_number":          str(strings.ToUpper(c.SerialNumber)),
		"thumbprint":             str(strings.ToUpper(c.FingerprintSHA1)),
		"product_name_id":        str(c.Product),
	}
}

func (s *Server) listDomains(w http.ResponseWriter, r *http.Request) {
	offset, limit, ok := paging(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	search := strings.ToLower(strings.TrimSpace(q.Get("filters[search]")))
	partial := s.partialDefault
	switch q.Get("filters[search_criteria]") {
	case "partial":
		partial = true
	case "exact":
		partial = false
	}
	validation := q.Get("filters[validation]")
	withTime := q.Get("include_dcv_expiration_time") == "true"
	reuse := q.Get("include_validation_reuse_status") == "true" || q.Get("filters[include_validation_reuse_status]") == "true"
	now := time.Now()
	s.mu.Lock()
	var match []*domain
	for _, d := range s.domains {
		if d.hidden {
			continue
		}
		name := d.dv.Domain
		if search != "" && !(partial && strings.Contains(name, search) || !partial && name == search) {
			continue
		}
		if validation != "" {
			ok, known := validationFilter(d.dv, validation, now)
			if !known {
				s.mu.Unlock()
				writeErr(w, http.StatusBadRequest, "invalid_filter|validation", "Unknown validation filter value.")
				return
			}
			if !ok {
				continue
			}
		}
		match = append(match, d)
	}
	switch sortKey := q.Get("sort"); sortKey {
	case "", "id":
	case "-id":
		slicesReverse(match)
	case "name", "-name":
		sort.SliceStable(match, func(i, j int) bool {
			if sortKey == "name" {
				return match[i].dv.Domain < match[j].dv.Domain
			}
			return match[i].dv.Domain > match[j].dv.Domain
		})
	default:
		s.mu.Unlock()
		writeErr(w, http.StatusBadRequest, "invalid_sort", "Unknown sort property.")
		return
	}
	out := make([]map[string]any, 0, limit)
	for _, d := range window(match, offset, limit) {
		out = append(out, d.listWire(withTime, reuse, now))
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"domains": out, "page": map[string]int{"total": len(match), "limit": limit, "offset": offset}})
}

func slicesReverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func validationFilter(d model.DomainValidation, v string, now time.Time) (match, known bool) {
	lvl := func(l model.ValidationLevel) *model.LevelValidation {
		for i := range d.Levels {
			if d.Levels[i].Level == l {
				return &d.Levels[i]
			}
		}
		return nil
	}
	expiring := func(l model.ValidationLevel, days int) bool {
		x := lvl(l)
		return x != nil && x.Status == model.ValidationValid && !x.ValidUntil.IsZero() &&
			x.ValidUntil.Before(now.Add(time.Duration(days)*24*time.Hour))
	}
	switch v {
	case "completed":
		return d.Status == model.ValidationValid, true
	case "ov_expired", "ev_expired":
		x := lvl(model.ValidationLevel(v[:2]))
		return x != nil && x.Status == model.ValidationExpired, true
	case "ov_expiring", "ev_expiring", "ov_expiring_within_30_days", "ev_expiring_within_30_days":
		return expiring(model.ValidationLevel(v[:2]), 30), true
	case "ov_expiring_within_7_days", "ev_expiring_within_7_days":
		return expiring(model.ValidationLevel(v[:2]), 7), true
	}
	return false, false
}

// mountain is the zone of date-only DCV expirations.
var mountain = func() *time.Location {
	loc, err := time.LoadLocation("America/Denver")
	if err != nil {
		return time.FixedZone("MST", -7*3600)
	}
	return loc
}()

// expirationDate renders a dcv_expiration value: a UTC timestamp with
// include_dcv_expiration_time, else a date in Mountain Time.
func expirationDate(t time.Time, withTime bool) any {
	if withTime {
		return stamp(t)
	}
	return t.In(mountain).Format("2006-01-02")
}

// reuseStatus is the dcv_expiration.ov_status / ev_status word for level l: valid while
// active and unexpired, expired once past validated_until, else the level's own word.
func reuseStatus(l model.LevelValidation, now time.Time) string {
	if l.VendorStatus == "active" {
		if !l.ValidUntil.IsZero() && !now.Before(l.ValidUntil) {
			return "expired"
		}
		return "valid"
	}
	return l.VendorStatus
}

// listWire renders a domain as List domains does: only active validations in
// validations[], no dcv_token and no is_pending_validation; dcv_method; the approval and
// last submission times; dcv_expiration with the OV and EV expiration dates (UTC with
// withTime, Mountain-Time dates without) and, with reuse (include_validation_reuse_status),
// ov_status, ev_status and dcv_approval_date.
func (d *domain) listWire(withTime, reuse bool, now time.Time) map[string]any {
	out := d.common()
	if !d.submitted.IsZero() {
		out["last_submitted_datetime"] = stamp(d.submitted)
	}
	var vals []map[string]any
	exp := map[string]any{}
	var latest time.Time
	for _, l := range d.dv.Levels {
		if l.VendorStatus == "active" {
			vals = append(vals, validationWire(l))
		}
		if l.Level != model.LevelOV && l.Level != model.LevelEV {
			continue
		}
		if !l.ValidUntil.IsZero() {
			exp[string(l.Level)] = expirationDate(l.ValidUntil, withTime)
			if l.ValidUntil.After(latest) {
				latest = l.ValidUntil
			}
		}
		if reuse {
			exp[string(l.Level)+"_status"] = reuseStatus(l, now)
		}
	}
	if vals != nil {
		out["validations"] = vals
	}
	if reuse && !d.dv.ValidatedAt.IsZero() {
		exp["dcv_approval_date"] = expirationDate(d.dv.ValidatedAt, withTime)
	}
	if !d.dv.ValidatedAt.IsZero() && !latest.IsZero() {
		out["dcv_expiration_datetime"] = stamp(latest)
	}
	if len(exp) > 0 {
		out["dcv_expiration"] = exp
	}
	if d.dv.VendorMethod != "" {
		out["dcv_method"] = d.dv.VendorMethod
	}
	return out
}

// common holds the fields List domains and Domain info share.
func (d *domain) common() map[string]any {
	id, _ := strconv.ParseInt(d.dv.ID, 10, 64)
	out := map[string]any{
		"id":           id,
		"is_active":    true,
		"status":       "pending", // deprecated and deliberately misleading
		"name":         d.dv.Domain,
		"date_created": "2021-04-27T14:49:28+00:00",
		"organization": map[string]any{"id": 1, "status": "active", "name": "Example Corp.", "is_active": "1"},
	}
	if !d.dv.ValidatedAt.IsZero() {
		out["dcv_approval_datetime"] = stamp(d.dv.ValidatedAt)
	}
	return out
}

func validationWire(l model.LevelValidation) map[string]any {
	return map[string]any{"type": string(l.Level), "name": strings.ToUpper(string(l.Level)),
		"validated_until": stamp(l.ValidUntil), "status": l.VendorStatus}
}

// infoWire renders a domain as Domain info does: every validation and, with dcv
// (include_dcv), the method and the token, pending only while a DCV is under way.
func (d *domain) infoWire(withTime, dcv bool) map[string]any {
	out := d.common()
	if d.dv.Status == model.ValidationPending && len(d.dv.Levels) == 0 {
		out["is_pending_validation"] = true
	}
	var vals []map[string]any
	exp := map[string]any{}
	for _, l := range d.dv.Levels {
		vals = append(vals, validationWire(l))
		if !l.ValidUntil.IsZero() {
			exp[string(l.Level)] = expirationDate(l.ValidUntil, withTime)
		}
	}
	if vals != nil {
		out["validations"] = vals
	}
	if len(exp) > 0 {
		out["dcv_expiration"] = exp
	}
	if dcv && d.dv.VendorMethod != "" {
		out["dcv_method"] = d.dv.VendorMethod
	}
	if dcv && d.dv.VendorMethod != "" && d.dv.VendorMethod != "email" {
		tok := map[string]any{"token": d.token}
		switch d.dv.Status {
		case model.ValidationValid:
			tok["status"] = "active"
		case model.ValidationPending:
			tok["status"] = "pending"
		default:
			tok["status"] = "inactive" // not started, expired, failed: no DCV under way
		}
		if !d.tokenExp.IsZero() {
			tok["expiration_date"] = stamp(d.tokenExp)
		}
		if d.dv.VendorMethod == "dns-cname-token" {
			tok["verification_value"] = "dcv.digicert.com"
		}
		out["dcv_token"] = tok
	}
	return out
}

func (s *Server) domainInfo(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	s.mu.Lock()
	// s.domains is sorted by id (see addDomain): binary search, so reading every domain
	// of a large account is not quadratic; the scan stays for ids idLess calls equal.
	var found *domain
	if i := sort.Search(len(s.domains), func(i int) bool { return idLess(id, s.domains[i].dv.ID) }); i > 0 && s.domains[i-1].dv.ID == id {
		found = s.domains[i-1]
	} else {
		for _, d := range s.domains {
			if d.dv.ID == id {
				found = d
			}
		}
	}
	var body map[string]any
	if found != nil {
		body = found.infoWire(q.Get("include_dcv_expiration_time") == "true", q.Get("include_dcv") == "true")
		if q.Get("include_validation") != "true" {
			delete(body, "validations")
		}
	}
	s.mu.Unlock()
	if found == nil {
		writeErr(w, http.StatusNotFound, "not_found|domain", "Domain not found.")
		return
	}
	writeJSON(w, body)
}
