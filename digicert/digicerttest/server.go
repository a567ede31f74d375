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
// It is built on fakeca.Base (lifecycle, key check, faults, ServeMux routes counted per
// pattern); its files each hold one job: server.go the lifecycle and routes, vocab.go
// CertCentral's words, seed.go seeding, orders.go the order endpoints, reports.go the
// Custom Reports GraphQL endpoint, domains.go the domain endpoints and loop.go DCV
// checks and downloads. A Server is safe for concurrent use and
// returns items in a stable order (by id unless sorted otherwise).
package digicerttest

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Fault is a misbehaviour to inject with FailNext; its Kind is one of providertest's
// fault kinds (providertest.FaultRateLimit, FaultServerError, ...), the one vocabulary
// of faults every fake shares.
type Fault = fakeca.Fault

// FaultKind selects a misbehaviour: one of providertest's Fault* constants.
type FaultKind = fakeca.FaultKind

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

// WithApprovalRequired makes orders and revocations sent without skip_approval wait
// for an approver, as on an account with request approval turned on: an order answers
// 201 with a pending request and status needs_approval, a revocation 201 with a pending
// revoke request; PUT /request/{id}/status approves them.
func WithApprovalRequired() Option { return func(s *Server) { s.approval = true } }

// WithReportsAPI(false) makes the Reports API answer 403 as for an account without it.
func WithReportsAPI(enabled bool) Option { return func(s *Server) { s.reports = enabled } }

// WithGraphQLBatchLimit makes a Reports query with more than n queries answer 400.
func WithGraphQLBatchLimit(n int) Option { return func(s *Server) { s.batchLimit = n } }

// WithPartialSearchDefault sets whether filters[search] on List domains matches substrings
// when filters[search_criteria] is absent (the account setting; default true).
func WithPartialSearchDefault(partial bool) Option {
	return func(s *Server) { s.partialDefault = partial }
}

// Server is a running fake CertCentral. Its URL (fakeca.Base's) is the base URL
// including /services/v2, for digicert.Config.BaseURL.
type Server struct {
	// APIKey is the key with full access.
	APIKey string

	viewOnly       string
	reports        bool
	batchLimit     int
	partialDefault bool

	// Base is the shared fake machinery; its methods (Close, Handler, FailNext,
	// SetChaos, Requests, Injected, EndpointRequests) are the Server's.
	*fakeca.Base
	fakeca.Publication // Publish, and the hook WithPublished sets

	mu       sync.Mutex
	nextID   int64
	orders   []*order
	byID     map[string]*order
	domains  []*domain
	requests map[string]*request
	approval bool // orders and revocations without skip_approval wait for an approver
	// organizations are the account's (WithOrganizations, when orgsSet), else
	// DefaultOrganization alone.
	organizations []Organization
	orgsSet       bool
	placed        []string // ids of the orders placed through POST, in order
}

type order struct {
	cert         model.Certificate
	certID       int64
	nameScopes   []orderDomain
	randomValue  string
	rvExpires    time.Time
	leaf         *fakeca.Leaf // the issued certificate, for download
	download     []byte       // SetDownload's override of the download body
	publicKey    any          // the ordered CSR's key, certified by the leaf
	names        []string     // the names ordered, common name first (OrdersPlaced)
	validityDays int          // the order_validity asked for, in days (0: 199)
	organization string       // the organization.id the order was placed with
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
// URL (fakeca.Base's) is then the base URL to give the adapter.
func NewServer(opts ...Option) *Server { return fakeca.Started(newServer(opts...)) }

// NewUnstarted returns a Server that is not listening, for mounting Handler elsewhere
// (URL is empty).
func NewUnstarted(opts ...Option) *Server { return newServer(opts...) }

func newServer(opts ...Option) *Server {
	s := fakeca.Configure(&Server{APIKey: DefaultAPIKey, reports: true, partialDefault: true, nextID: 100000,
		byID: map[string]*order{}, requests: map[string]*request{}}, opts)
	s.Base = fakeca.NewBase(BasePath, errorJSON, &fakeca.Auth{
		KeyOf:    func(r *http.Request) string { return r.Header.Get("X-DC-DEVKEY") },
		Key:      s.APIKey,
		ViewOnly: s.viewOnly,
		Unauthorized: func(w http.ResponseWriter, _ *http.Request) {
			writeErr(w, http.StatusUnauthorized, "invalid_api_key", "The API key is invalid or missing.")
		},
		Forbidden: func(w http.ResponseWriter, _ *http.Request) {
			writeErr(w, http.StatusForbidden, "access_denied|missing_permission", "You do not have permission to perform this action.")
		},
	}, routeNotFound)
	s.DeclarePaging(fakeca.Paging{Params: []string{"offset"}, Total: "page.total"})
	s.routes()
	return s
}

// routes registers CertCentral's endpoints, each counted under its pattern.
func (s *Server) routes() {
	b := s.Base
	b.Handle("GET /order/certificate", s.listOrders)
	b.Handle("GET /order/certificate/{id}", withID(s.orderInfo))
	b.Handle("GET /order/certificate/{id}/validation", withID(s.onOrder(s.orderValidation)))
	b.Handle("PUT /order/certificate/{id}/dcv-random-value", withID(s.onOrder(s.randomValue)))
	b.Handle("PUT /order/certificate/{id}/check-dcv", withID(s.onOrder(s.checkDCV)))
	b.Handle("GET /certificate/download/order/{id}/format/{format}", func(w http.ResponseWriter, r *http.Request) {
		id, format := r.PathValue("id"), r.PathValue("format")
		if !isFormat(format) {
			routeNotFound(w, r)
			return
		}
		s.download(w, id, format)
	})
	b.Handle("POST /reports/query", s.reportQuery)
	b.Handle("POST /order/certificate/{product}", s.placeOrder)
	b.Handle("GET /organization", s.listOrganizations)
	b.Handle("PUT /order/certificate/{id}/status", s.orderStatus)
	b.Handle("PUT /certificate/{id}/revoke", s.revoke)
	b.Handle("PUT /request/{id}/status", s.requestStatus)
	b.Handle("GET /domain", s.listDomains)
	b.Handle("GET /domain/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if strings.Trim(id, "0123456789") != "" {
			routeNotFound(w, r)
			return
		}
		s.domainInfo(w, r, id)
	})
}

// withID adapts an order handler to a route with an {id}. Ids are the CA's and opaque
// (DigiCert's own SDK test data has "OID-223344"): any id the route matches is looked
// up, and one the fake does not hold is "not_found|order", never an unknown route.
func withID(h func(http.ResponseWriter, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.PathValue("id"))
	}
}

// isFormat reports whether s can be a download format name: non-empty lower-case
// letters, digits and '_' ("pem_all", "p7b").
func isFormat(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return s != ""
}

func routeNotFound(w http.ResponseWriter, _ *http.Request) {
	writeErr(w, http.StatusNotFound, "not_found|route", "Route not found")
}
