package fakeca

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Auth is how a fake checks the API key of a request. A request whose key equals Key has
// full access; one whose key equals ViewOnly (when set) may only GET. Every other request
// is refused with Unauthorized, and a view-only write with Forbidden, before any route
// runs. Both refusals are counted under "unauthenticated" and "METHOD forbidden".
type Auth struct {
	// KeyOf reads the key from a request (a header or a query parameter).
	KeyOf func(*http.Request) string
	// Key is the key with full access; an empty Key accepts nothing.
	Key string
	// ViewOnly, when not empty, is a key limited to GET requests.
	ViewOnly string
	// Unauthorized answers a request without a valid key, in the vendor's words.
	Unauthorized http.HandlerFunc
	// Forbidden answers a write with the view-only key; nil uses Unauthorized.
	Forbidden http.HandlerFunc
}

// Base is what every vendor fake is built on: a loopback server (Start, Close, URL), the
// key check (Auth), the fault Injector in front of everything, and routes on Go 1.22
// http.ServeMux patterns ("GET /order/certificate/{id}") with one request counter per
// pattern, read from r.Pattern. Requests are routed on the path after Prefix, with any
// trailing slash removed. Base is safe for concurrent use once its routes are set.
type Base struct {
	// URL is the server's origin and Prefix (empty until Start).
	URL string

	prefix   string
	auth     *Auth
	notFound http.HandlerFunc
	inj      *Injector
	mux      *http.ServeMux
	handler  http.Handler
	ts       *httptest.Server

	mu     sync.Mutex
	counts map[string]int64
}

// NewBase returns an unstarted Base serving paths under prefix ("" for the root), with
// injected 429/5xx faults rendered by errorBody, keys checked by auth (nil checks none)
// and unmatched routes answered by notFound.
func NewBase(prefix string, errorBody ErrorBody, auth *Auth, notFound http.HandlerFunc) *Base {
	b := &Base{prefix: strings.TrimSuffix(prefix, "/"), auth: auth, notFound: notFound,
		inj: NewInjector(errorBody), mux: http.NewServeMux(), counts: map[string]int64{}}
	b.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b.count("unknown route")
		b.notFound(w, r)
	})
	b.handler = b.inj.Wrap(http.HandlerFunc(b.serve))
	return b
}

// Handle routes pattern (a ServeMux pattern on the path after the prefix) to h, counted
// under the pattern. It panics, as ServeMux does, on a pattern that conflicts with another.
func (b *Base) Handle(pattern string, h http.HandlerFunc) {
	b.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		b.count(r.Pattern)
		h(w, r)
	})
}

// Start serves the Base on a loopback port and sets URL; Close stops it.
func (b *Base) Start() {
	b.ts = httptest.NewServer(b.handler)
	b.URL = b.ts.URL + b.prefix
}

// Close stops the server started by Start; it does nothing on an unstarted Base.
func (b *Base) Close() {
	if b.ts != nil {
		b.ts.Close()
	}
}

// Handler returns the whole fake (faults, key check, routes) to mount elsewhere.
func (b *Base) Handler() http.Handler { return b.handler }

// DeclarePaging tells the fault injector how the fake's listings page (its paging
// parameters and where it reports the total), so that the paging faults (IgnorePaging,
// WrongTotal, EmptyPage, BlankEntries, Overlap) work in the vendor's format.
func (b *Base) DeclarePaging(p Paging) { b.inj.DeclarePaging(p) }

// Injector returns the fault injector in front of the routes.
func (b *Base) Injector() *Injector { return b.inj }

// Requests returns how many requests reached the fake, faulty ones included.
func (b *Base) Requests() int64 { return b.inj.Requests() }

// FailNext makes the next n requests misbehave with f, before any chaos.
func (b *Base) FailNext(n int, f Fault) { b.inj.FailNext(n, f) }

// SetChaos makes each request misbehave with probability rate, with a kind drawn from
// kinds (every transient kind when none are given), reproducibly for seed.
func (b *Base) SetChaos(rate float64, seed uint64, kinds ...FaultKind) {
	b.inj.SetChaos(rate, seed, kinds...)
}

// Injected returns how many faults of each kind were injected so far (FailNext and chaos).
func (b *Base) Injected() map[FaultKind]int { return b.inj.Injected() }

// EndpointRequests returns how many requests each route answered (injected faults
// excluded), keyed by pattern, plus "unknown route", "unauthenticated" and
// "METHOD forbidden".
func (b *Base) EndpointRequests() map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return maps.Clone(b.counts)
}

// EndpointRequest returns the count of one key of EndpointRequests.
func (b *Base) EndpointRequest(key string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.counts[key]
}

func (b *Base) count(key string) {
	b.mu.Lock()
	b.counts[key]++
	b.mu.Unlock()
}

func (b *Base) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, b.prefix)
	if !ok || path != "" && path[0] != '/' {
		b.count("unknown route")
		b.notFound(w, r)
		return
	}
	if !b.authorized(w, r) {
		return
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	if path == "" {
		path = "/"
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = path, ""
	b.mux.ServeHTTP(w, r2)
}

func (b *Base) authorized(w http.ResponseWriter, r *http.Request) bool {
	a := b.auth
	if a == nil {
		return true
	}
	key := a.KeyOf(r)
	switch {
	case key != "" && key == a.Key:
		return true
	case key != "" && a.ViewOnly != "" && key == a.ViewOnly:
		if r.Method == http.MethodGet {
			return true
		}
		b.count(r.Method + " forbidden")
		if a.Forbidden != nil {
			a.Forbidden(w, r)
		} else {
			a.Unauthorized(w, r)
		}
		return false
	}
	b.count("unauthenticated")
	a.Unauthorized(w, r)
	return false
}
