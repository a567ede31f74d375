// Package fakeca holds what the vendor fakes (digicerttest, zerossltest) share: Base (a
// loopback server with the key check and routes on ServeMux patterns, counted per
// pattern), fault injection as an http.Handler middleware (transport and body faults,
// and paging faults that rewrite the real page of any vendor whose paging the fake
// declares, paging.go), the test PKI, and the constructor helpers each fake's NewServer
// and options are written with (Configure, Started, WithHook).
//
// It is test support, public so that an adapter written in another module can build its
// fake on it and pass providertest.Run. The library a program imports (the root package,
// the adapters, model, retry) never imports it.
//
// The Injector works on its own as middleware in front of any http.Handler, not only a
// Base: faults := NewInjector(errorBody); handler = faults.Wrap(h); then faults.FailNext,
// faults.SetChaos and faults.DeclarePaging drive it as they drive a Base.
package fakeca

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// FaultKind is a way for the fake CA to misbehave.
type FaultKind int

// The faults the fakes can inject.
const (
	RateLimit   FaultKind = iota + 1 // 429 with Retry-After and the vendor's error body
	ServerError                      // 500/502/503 with the vendor's JSON error body
	HTMLError                        // 502/503 with an HTML page, as a proxy sends
	Slow                             // wait Delay (or until the client gives up), then answer
	Truncated                        // send half the real body, then close the connection
	Reset                            // close the connection without answering
	// ForeignDocument answers 200 with Fault.Document (default "{}"): a JSON document
	// that is not the one asked for, as a wrong BaseURL, a proxy or another vendor's API
	// sends. It is not in AllFaults: it is not a transient failure to retry through.
	ForeignDocument
	// Redirect answers Status (default 302) with Location: Fault.Location.
	Redirect
	// WrongType answers the real document with the Field-th scalar (counted depth
	// first, object keys in sorted order) replaced by a value of another JSON type; a
	// Field past the last scalar leaves the document as it is.
	WrongType
	// HugeBody answers 200 with a well-formed JSON document of about Size bytes
	// (default 64 MiB), streamed, to prove that bodies are read with a cap.
	HugeBody
	// EchoRequest answers 400 (or Status) with a JSON body quoting the request line and
	// every header, raw, JSON-escaped and URL-encoded, as debugging proxies and some
	// APIs do: whatever carries the key, the body then holds it.
	EchoRequest
	// IgnorePaging serves the request without its paging parameters (Paging.Params), so
	// the fake answers its first page again, as a server that ignores the offset does;
	// a Fault.Total other than 0 replaces the total the answer reports.
	IgnorePaging
	// WrongTotal answers the real page with Fault.Total as the total it reports.
	WrongTotal
	// EmptyPage answers the real page with no items and Fault.Total as its total (0: the
	// answer of an empty account).
	EmptyPage
	// BlankEntries answers the real page with its items replaced by Fault.Size entries
	// without any member ({}), as many as it had when Size is 0; a Fault.Total other
	// than 0 replaces the total. A large Size is an oversized page.
	BlankEntries
	// Overlap answers the real page with the last Fault.Size items of the page the
	// previous Overlap fault answered put before its own, cut to that page's length:
	// what a listing sees when items are added at its head while it is read.
	Overlap
	// WrongScalar answers the real document with its Field-th number or boolean
	// (counted depth first, object keys in sorted order, other values not counted)
	// replaced by a string that reads as neither: what a lenient decoder that takes
	// numbers and booleans as strings must still refuse. A Field past the last leaves
	// the document as it is.
	WrongScalar
	// LostAnswer runs the request (a create request makes its order) and closes the
	// connection before any byte of the answer: a reset after the request was read.
	LostAnswer
	// StalledAnswer runs the request and then holds the answer until the client gives
	// up (at most Delay, 0: 30 s): a timeout after the request was carried out.
	StalledAnswer
	// WrongRoute serves the request at a path no route of the fake matches (the real
	// path under "/anyca-no-such-route"), so the fake answers with its own "no such
	// route" body, as the vendor answers a request sent under a wrong BaseURL path.
	WrongRoute
	// Taint answers the real answer, status and headers kept, with Fault.Message
	// appended to every string of a JSON document (ids, dates, status words, PEM
	// texts), or to the whole body when it is not JSON (a PEM download): what a CA
	// whose values carry text the client must never show raw (the key, a private key,
	// a terminal escape) sends.
	Taint
)

// String names the fault kind, as test names and logs show it.
func (k FaultKind) String() string {
	switch k {
	case RateLimit:
		return "rate-limit"
	case ServerError:
		return "server-error"
	case HTMLError:
		return "html-error"
	case Slow:
		return "slow"
	case Truncated:
		return "truncated"
	case Reset:
		return "reset"
	case ForeignDocument:
		return "foreign-document"
	case Redirect:
		return "redirect"
	case WrongType:
		return "wrong-type"
	case WrongScalar:
		return "wrong-scalar"
	case HugeBody:
		return "huge-body"
	case EchoRequest:
		return "echo-request"
	case IgnorePaging:
		return "ignore-paging"
	case WrongTotal:
		return "wrong-total"
	case EmptyPage:
		return "empty-page"
	case BlankEntries:
		return "blank-entries"
	case Overlap:
		return "overlap"
	case LostAnswer:
		return "lost-answer"
	case StalledAnswer:
		return "stalled-answer"
	case WrongRoute:
		return "wrong-route"
	case Taint:
		return "taint"
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// AllFaults lists every fault kind, for chaos runs.
func AllFaults() []FaultKind {
	return []FaultKind{RateLimit, ServerError, HTMLError, Slow, Truncated, Reset}
}

// WriteFaults lists every fault kind a create request meets in chaos runs: AllFaults
// plus LostAnswer and StalledAnswer, which carry the request out and lose its answer.
func WriteFaults() []FaultKind {
	return append(AllFaults(), LostAnswer, StalledAnswer)
}

// Fault is one injected misbehaviour.
type Fault struct {
	Kind       FaultKind
	Status     int           // for RateLimit, ServerError, HTMLError; 0 picks 429 / 503 / 502
	RetryAfter string        // Retry-After header value for RateLimit/ServerError; "" sends none
	Delay      time.Duration // for Slow; 0 waits until the client cancels (at most 30 s)
	Document   []byte        // for ForeignDocument; nil sends "{}"
	Location   string        // for Redirect: where to send the client; "" is the same URL again
	Field      int           // for WrongType and WrongScalar: which value to change (0 is the first)
	Size       int64         // for HugeBody: the body's size (0 is 64 MiB); for BlankEntries and Overlap: items
	Total      int64         // for the paging faults: the total the answer reports
	Message    string        // for RateLimit and ServerError: the text of the vendor's error ("" the fake's own); for Taint: the text appended
}

// ErrorBody renders the vendor's JSON error body for status, with message as the text
// the vendor's error carries ("" for the fake's usual text).
type ErrorBody func(status int, message string) []byte

// Injector is fault-injection middleware: Wrap puts it in front of any http.Handler (a
// fake's Base puts it in front of its routes), and it decides, request by request,
// whether to misbehave: first from a queue of faults set with FailNext, then at random at
// the chaos rate. The body faults (Truncated, WrongType, the paging faults, ...) work on
// the wrapped handler's real answer. It is safe for concurrent use.
type Injector struct {
	errorBody ErrorBody

	mu       sync.Mutex
	queue    []Fault
	rate     float64
	kinds    []FaultKind
	rng      *rand.Rand
	injected map[FaultKind]int
	paging   Paging                   // DeclarePaging
	exempt   func(*http.Request) bool // SetExempt
	overlap  []json.RawMessage        // the real items of the last page an Overlap fault answered

	requests atomic.Int64
}

// NewInjector returns an Injector that renders the error bodies of injected 429 and 5xx
// answers with body, in the wrapped server's own format; a nil body sends them empty.
func NewInjector(body ErrorBody) *Injector {
	return &Injector{errorBody: body, injected: map[FaultKind]int{}}
}

// FailNext makes the next n requests misbehave with f, before any chaos.
func (in *Injector) FailNext(n int, f Fault) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for i := 0; i < n; i++ {
		in.queue = append(in.queue, f)
	}
}

// SetChaos makes each request misbehave with probability rate, with a kind drawn from
// kinds (all kinds when none are given), reproducibly for a given seed. Rate 0 stops it.
func (in *Injector) SetChaos(rate float64, seed uint64, kinds ...FaultKind) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(kinds) == 0 {
		kinds = AllFaults()
	}
	in.rate, in.kinds = rate, kinds
	in.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// DeclarePaging tells the injector how the fake's listings page, for the paging faults;
// without it IgnorePaging removes no parameter and no total is rewritten.
func (in *Injector) DeclarePaging(p Paging) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.paging = p
}

// SetExempt makes the requests exempt reports true pass the injector untouched (they
// are counted by Requests): no queued or chaos fault is played on them, and a queued
// fault waits for the next request that is not exempt. For a protocol's own plumbing that precedes a call's request
// whenever the client needs it (an ACME client's newNonce), so that FailNext hits the
// call's request. nil: no request is exempt.
func (in *Injector) SetExempt(exempt func(*http.Request) bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.exempt = exempt
}

// Requests returns how many requests reached the fake, faulty and exempt ones included.
func (in *Injector) Requests() int64 { return in.requests.Load() }

// Injected returns how many faults of each kind were injected so far.
func (in *Injector) Injected() map[FaultKind]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return maps.Clone(in.injected)
}

// next picks the fault for request r: the first queued one (a paging fault only for a
// page request, when Paging.Pages tells them apart), else maybe a chaos one.
func (in *Injector) next(r *http.Request) (Fault, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var f Fault
	in.requests.Add(1)
	if in.exempt != nil && in.exempt(r) {
		return Fault{}, false
	}
	switch {
	case len(in.queue) > 0 && isPaging(in.queue[0].Kind) && in.paging.Pages != nil && !in.paging.Pages(r):
		return Fault{}, false
	case len(in.queue) > 0:
		f, in.queue = in.queue[0], in.queue[1:]
	case in.rate > 0 && in.rng.Float64() < in.rate:
		kind := in.kinds[in.rng.IntN(len(in.kinds))]
		f = Fault{Kind: kind, RetryAfter: "0", Delay: 20 * time.Millisecond}
		if kind == ServerError || kind == HTMLError {
			f.Status = []int{500, 502, 503}[in.rng.IntN(3)]
		}
		if kind == StalledAnswer {
			f.Delay = 0 // until the client gives up
		}
	default:
		return Fault{}, false
	}
	in.injected[f.Kind]++
	return f, true
}

// Wrap returns h behind the injector: every request is counted (Requests), and each one
// the injector picks a fault for is answered by that fault instead of, or by rewriting
// the answer of, h.
func (in *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := in.next(r)
		if !ok {
			h.ServeHTTP(w, r)
			return
		}
		in.serveFault(w, r, h, f)
	})
}

func (in *Injector) serveFault(w http.ResponseWriter, r *http.Request, h http.Handler, f Fault) {
	switch f.Kind {
	case WrongRoute:
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/anyca-no-such-route" + r.URL.Path
		r2.URL.RawPath = ""
		h.ServeHTTP(w, r2)
	case RateLimit:
		in.writeError(w, f, http.StatusTooManyRequests)
	case ServerError:
		in.writeError(w, f, http.StatusServiceUnavailable)
	case HTMLError:
		status := f.Status
		if status == 0 {
			status = http.StatusBadGateway
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html><head><title>" + strconv.Itoa(status) + " " + http.StatusText(status) +
			"</title></head><body><h1>" + http.StatusText(status) + "</h1><p>The server is temporarily unable to service your request.</p></body></html>\n"))
	case Slow:
		// Consume the request body first: net/http cancels r.Context() when the client
		// hangs up only once the body is read, so a slow POST never saw the cancel and
		// held the connection (and Server.Close) for the full 30 s.
		if body, err := io.ReadAll(r.Body); err == nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		d := f.Delay
		if d <= 0 {
			d = 30 * time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			h.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	case Truncated:
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
		w.WriteHeader(rec.status())
		_, _ = w.Write(rec.body.Bytes()[:rec.body.Len()/2])
		hangUp(w)
	case Reset:
		hangUp(w)
	case LostAnswer:
		h.ServeHTTP(&recorder{header: http.Header{}}, r)
		hangUp(w)
	case StalledAnswer:
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		d := f.Delay
		if d <= 0 {
			d = 30 * time.Second
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status())
			_, _ = w.Write(rec.body.Bytes())
		case <-r.Context().Done():
		}
	case ForeignDocument:
		doc := f.Document
		if doc == nil {
			doc = []byte("{}")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(doc)
	case Redirect, WrongType, WrongScalar, HugeBody, EchoRequest, Taint:
		serveHostile(w, r, h, f)
	case IgnorePaging, WrongTotal, EmptyPage, BlankEntries, Overlap:
		in.servePaging(w, r, h, f)
	}
}

func (in *Injector) writeError(w http.ResponseWriter, f Fault, def int) {
	status := f.Status
	if status == 0 {
		status = def
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if in.errorBody != nil {
		_, _ = w.Write(in.errorBody(status, f.Message))
	}
}

// hangUp closes the client connection abruptly; the client sees a reset or an
// unexpected EOF.
// The connection is reached through http.ResponseController, so that a writer wrapped
// by middleware (with an Unwrap method) still hangs up; where none can be reached, the
// handler aborts, which net/http also answers by closing the connection.
func hangUp(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// recorder captures a handler's answer so Truncated can send part of it.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
