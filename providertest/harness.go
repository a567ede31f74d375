// Package providertest is the conformance suite every anyca adapter runs, in the manner
// of gocloud.dev's drivertest: an adapter's test calls Run(t, harness) once from
// TestConformance, and the suite checks, against the adapter's fake CA, that what the
// Provider returns equals the scenario the fake was seeded with.
//
// # Writing a harness
//
// A Harness names the adapter, declares its Capabilities and has a Start function that
// starts a fresh fake CA seeded with a Scenario (DefaultScenario, in model values) and
// returns a Fake: a Config that reaches the fake with a valid key and fast retries,
// Want (the scenario as this CA reports it: ids assigned, placeholder ids remapped in
// ReplacesID and Challenges keys, vendor words filled, what the CA cannot keep
// dropped), and the fake's FailNext and Requests:
//
//	func TestConformance(t *testing.T) {
//		providertest.Run(t, providertest.Harness{
//			Name: "exampleca",
//			Capabilities: providertest.Capabilities{
//				DomainLister:        true,
//				Levels:              []model.ValidationLevel{model.LevelDV},
//				CertificateStatuses: []model.CertificateStatus{model.StatusIssued, model.StatusExpired},
//				ChallengeTypes:      []model.ChallengeType{model.ChallengeDNSCNAME},
//			},
//			Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
//				srv := examplecatest.NewServer()
//				t.Cleanup(srv.Close)
//				for _, c := range sc.Certificates {
//					srv.AddCertificate(c) // adapt to what the CA can represent
//				}
//				return &providertest.Fake{
//					Config: anyca.Config{Provider: "exampleca", APIKey: srv.APIKey, BaseURL: srv.URL,
//						Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond}},
//					Want:     providertest.Scenario{Certificates: srv.Certificates(), Domains: srv.Domains(), Challenges: srv.Challenges()},
//					FailNext: srv.FailNext,
//					Requests: srv.Requests,
//				}
//			},
//		})
//	}
//
// A harness that declares Verifier also sets Fake.Publish (the suite publishes a domain's
// challenges with it, then expects the next check to pass), and one that declares
// Downloader sets Fake.Roots (the root the fake's chains verify against).
// One that declares Chaos sets Fake.SetChaos and Fake.Injected (a fake built on
// fakeca.Base has both methods), and the suite then proves the wire-level guarantees
// under random faults; the other Faults checks need only FailNext (faults.go,
// hostile.go, limiter.go, leaks.go). The Paging checks (paging.go) need a fake whose
// FailNext plays the paging fault kinds (FaultIgnorePaging, FaultWrongTotal,
// FaultEmptyPage, FaultBlankEntries, FaultOverlap) on the page it would send: a fake
// built on fakeca.Base gets them from one line, b.DeclarePaging(fakeca.Paging{Params:
// []string{"offset"}, Total: "page.total"}), naming its paging parameters and where its
// answers report the total.
//
// A CA that does not fit that model declares how it differs, and the suite asserts that
// behaviour instead: Capabilities.Paging (next links without a total, requests per
// item), Capabilities.RefusedCheckIsFinal and AsyncVerify (ACME's DCV),
// Fake.Secrets, WrongCredential and WrongCredentialKind (a credential that is not an
// API key). A RenewalAdvisor's advice is the round trip's renewal window when the CA
// gives one. Checks that need a client of their own (timeouts) clone the transport of
// the fake's Config.HTTPClient, keeping the roots a TLS fake needs.
//
// Want is computed by the harness, but the suite checks it against the scenario
// (WantMatchesScenario), so a harness cannot pass by reporting what the provider
// happens to return. A capability the CA lacks is declared false and then checked to
// fail with model.ErrUnsupported (or the interface to be absent), never skipped.
//
// Run's subtests are parallel and each starts its own fake; run one with
// go test -run 'TestConformance/Certificates'. Lists of values are compared
// order-insensitively where the contract fixes no order, and nil and empty slices are
// treated alike; everything else must be equal, field by field.
package providertest

import (
	"crypto/x509"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Scenario is an account's content in model values: what a fake CA is seeded with, and
// what the provider must report back.
type Scenario struct {
	Certificates []model.Certificate
	Domains      []model.DomainValidation
	// Challenges holds, by certificate ID, what Provider.Challenges must return for it.
	Challenges map[string][]model.Challenge
}

// Capabilities declares what the CA behind a harness can do. The suite checks both
// sides: a declared capability must work, a missing one must fail with
// model.ErrUnsupported (or the interface must be absent), never be skipped silently.
type Capabilities struct {
	DomainLister bool // the provider implements anyca.DomainLister
	BatchGetter  bool // the provider implements anyca.BatchGetter
	// Levels the CA reports on certificates and domains (ZeroSSL: dv only).
	Levels []model.ValidationLevel
	// CertificateStatuses the CA can report; the suite filters by each of them.
	CertificateStatuses []model.CertificateStatus
	// ChallengeTypes the CA hands out.
	ChallengeTypes []model.ChallengeType
	// Verifier: the provider implements anyca.Verifier (Fake.Publish is then required).
	Verifier bool
	// Downloader: the provider implements anyca.Downloader (Fake.Roots is then required).
	Downloader bool
	// Orderer, Revoker and Canceller: the provider implements anyca.Orderer (and
	// anyca.OrderFinder or a listing FindOrder can search), anyca.Revoker and
	// anyca.Canceller; Fake.OrdersPlaced is then required. A capability declared false is
	// checked to be model.ErrUnsupported.
	Orderer, Revoker, Canceller bool
	// OrderMethod is the DCV method the suite orders and verifies with ("" the CA's
	// default).
	OrderMethod model.ChallengeType
	// Paging is how the CA pages the certificate listing (zero: the REST model).
	Paging Paging
	// RefusedCheckIsFinal: a DCV check the CA refused is final (ACME: an invalid
	// authorization invalidates its order). The Verify check then asserts that a check
	// after a refusal, even once published, leaves the domain failed with the CA's
	// Problem (or is refused with model.ErrFailedPrecondition), and proves that a
	// published domain passes on another pending certificate, checked once.
	RefusedCheckIsFinal bool
	// AsyncVerify: Verify asks the CA to check and may return before the CA has decided
	// (ACME). The Verify check then reads Challenges until the checked domains leave
	// pending (within the test's context) before asserting their state; without it, the
	// answer of Verify itself must hold the outcome.
	AsyncVerify bool
	// ReadsArePOST: the provider reads with POST requests (ACME's POST-as-GET), which a
	// 301 or 302 redirect turns into a GET the CA refuses. The CrossHostRedirect check
	// then asserts that a 301 or 302 within the host fails with a *model.Error, never
	// a wrong answer, and that 307 and 308 (which keep the method) are followed.
	ReadsArePOST bool
	// URLIDs: the CA's ids are the URLs of its objects (ACME: a certificate's id is its
	// order URL), checked by model.CheckURLID rather than model.CheckID. The OpaqueIDs
	// check then asserts the URL rule: an id that is not a URL on the CA's origin (another
	// shape, another host) names none of its objects and is ErrNotFound with no request
	// sent (a signed request never goes where the CA did not point); a URL on the origin
	// the CA does not know is the CA's own ErrNotFound; and what can never be a URL id (a
	// control character, a dot segment, over model.MaxURLIDLength bytes) is
	// ErrInvalidArgument, before any request.
	URLIDs bool
	// Chaos: the fake injects random faults (Fake.SetChaos and Fake.Injected are then
	// required). Every fake built on fakeca has it; a harness without it fails the
	// Faults/ExactlyOnceUnderChaos check rather than skipping it.
	Chaos bool
}

// Paging declares how a CA pages the certificate listing. The zero value is the REST
// model: pages asked for with the client's page size (query parameters), answers that
// report a total, and one request per page.
type Paging struct {
	// NextLink: the CA links each page to the next (RFC 8288 Link rel="next", as ACME's
	// orders list), sizes its pages itself (PageSize) and reports no total. The paging
	// cases that need a total or a page size the client asks for (HugeTotal,
	// GrowingTotal, EmptyPageShortOfTotal, OversizedPage), and OverlappingPages (a next
	// link keeps its place when items are added at the head), then cannot apply: the
	// Paging check logs them as not applicable and asserts the others. The fake's
	// FailNext must then play the paging faults on page requests only, and EmptyPage
	// without the next link (fakeca.Paging.Pages, NextHeader, PagePath).
	NextLink bool
	// PageSize is the page size of a NextLink CA, which the request bounds count pages
	// with.
	PageSize int
	// RequestsPerItem is how many requests the provider makes for each listed item
	// besides its pages (ACME reads each order): the early break's first value may cost
	// 1+RequestsPerItem requests, and every request bound adds RequestsPerItem for each
	// item listed.
	RequestsPerItem int
}

// Fault is a misbehaviour the suite asks a fake to inject.
type Fault = fakeca.Fault

// FaultKind names a kind of Fault.
type FaultKind = fakeca.FaultKind

// The fault kinds, re-exported for harness authors.
const (
	FaultRateLimit   = fakeca.RateLimit
	FaultServerError = fakeca.ServerError
	FaultHTMLError   = fakeca.HTMLError
	FaultSlow        = fakeca.Slow
	FaultTruncated   = fakeca.Truncated
	FaultReset       = fakeca.Reset
	// FaultLostAnswer carries the request out and closes the connection before any byte
	// of the answer: a reset after the request was read.
	FaultLostAnswer = fakeca.LostAnswer
	// FaultStalledAnswer carries the request out and holds the answer until the client
	// gives up (at most Fault.Delay, 0: 30 s): a timeout after the request was read.
	FaultStalledAnswer = fakeca.StalledAnswer
	// FaultForeignDocument answers 200 with a JSON document that is not the one asked
	// for (Fault.Document, default "{}").
	FaultForeignDocument = fakeca.ForeignDocument
	// FaultRedirect redirects to Fault.Location with Fault.Status (default 302).
	FaultRedirect = fakeca.Redirect
	// FaultWrongType changes the type of the Fault.Field-th scalar of the real answer.
	FaultWrongType = fakeca.WrongType
	// FaultWrongScalar replaces the Fault.Field-th number or boolean of the real answer
	// by a string that is neither ("not/a-number", "maybe").
	FaultWrongScalar = fakeca.WrongScalar
	// FaultHugeBody answers a well-formed JSON document of Fault.Size bytes.
	FaultHugeBody = fakeca.HugeBody
	// FaultWrongRoute serves the request at a path the fake has no route for, so that it
	// answers its vendor's own "no such route" body (a wrong BaseURL path).
	FaultWrongRoute = fakeca.WrongRoute
	// FaultTaint appends Fault.Message to every string of the answer (or to a body
	// that is not JSON).
	FaultTaint = fakeca.Taint
	// FaultEchoRequest answers an error quoting the request line and headers.
	FaultEchoRequest = fakeca.EchoRequest
	// FaultIgnorePaging serves the request as if it asked for the first page (the
	// fake's paging parameters dropped); a Fault.Total other than 0 replaces the total.
	FaultIgnorePaging = fakeca.IgnorePaging
	// FaultWrongTotal answers the real page reporting Fault.Total items in all.
	FaultWrongTotal = fakeca.WrongTotal
	// FaultEmptyPage answers the real page with no items and Fault.Total as its total.
	FaultEmptyPage = fakeca.EmptyPage
	// FaultBlankEntries answers the real page with Fault.Size entries without any
	// member (as many as it had when 0); a Fault.Total other than 0 replaces the total.
	FaultBlankEntries = fakeca.BlankEntries
	// FaultOverlap puts the last Fault.Size items of the page the previous Overlap
	// answered before the real page's own, cut to that page's length.
	FaultOverlap = fakeca.Overlap
)

// Fake is a running fake CA seeded with a scenario.
type Fake struct {
	// Config reaches the fake with a valid key (Provider, APIKey, BaseURL set, and
	// Retry tuned for tests: short waits, no client-side rate limit). The fake serves
	// the vendor's documented paths, so that the origin of BaseURL alone reaches it too
	// (the New check gives the adapter the origin, which it must complete).
	Config anyca.Config
	// Want is the seeded scenario as this CA reports it: IDs assigned, fields the CA
	// does not keep cleared, derived values (such as ZeroSSL's per-domain state) filled.
	Want Scenario
	// FailNext makes the next n requests misbehave with f.
	FailNext func(n int, f Fault)
	// Requests returns how many HTTP requests the fake has received so far.
	Requests func() int64
	// Publish marks the challenges of a domain as published, so that the fake's next DCV
	// check passes it (for Verifier; see loop.go). A fake approves a domain only when
	// it is published, and issues the certificate once every domain has passed.
	Publish func(domain string)
	// Roots holds the root the fake's downloaded chains verify against (for Downloader).
	Roots *x509.CertPool
	// SetChaos makes each later request misbehave with probability rate, with a fault
	// drawn reproducibly from seed among kinds (every transient kind when none are
	// given); rate 0 stops it (for Chaos).
	SetChaos func(rate float64, seed uint64, kinds ...FaultKind)
	// Injected returns how many faults of each kind were injected so far, FailNext's
	// included (for Chaos).
	Injected func() map[FaultKind]int
	// OrdersPlaced returns how many orders the fake's create endpoint made for each set
	// of names (sorted, joined by ","), to count what was lost or duplicated (for
	// Orderer).
	OrdersPlaced func() map[string]int
	// Secrets are the credentials Config carries, which no printed form of the Provider
	// or the Config and no error may show (nil: Config.APIKey alone). A CA whose
	// credential is not an API key (an ACME account key) names it here; the last is
	// one line, which TaintedAnswers plants in the CA's answers.
	Secrets []string
	// WrongCredential returns cfg with its credential replaced by one the CA does not
	// know, and that credential as it must never be printed (nil: Config.APIKey replaced
	// by a wrong key). A call made with it must fail with model.ErrUnauthenticated (an
	// ACME CA that does not know the account key: accountDoesNotExist).
	WrongCredential func(cfg anyca.Config) (anyca.Config, string)
	// WrongCredentialKind is the model error kind a call made with WrongCredential's
	// Config fails with (nil: model.ErrUnauthenticated). An ACME adapter refuses a key
	// without an account, which it may not register on its own, with
	// model.ErrInvalidArgument naming the CA's terms.
	WrongCredentialKind error
	// Close, when set, stops the fake before the test ends (a leak check needs its
	// goroutines gone); Start's cleanup stops it in any case, and a second stop is harmless.
	Close func()
}

// Harness connects the suite to one adapter.
type Harness struct {
	// Name is the provider name the adapter is registered under (anyca.New finds it).
	Name         string
	Capabilities Capabilities
	// Start starts a fresh fake CA seeded with sc and registers its shutdown with
	// t.Cleanup. The harness may adapt sc to what the CA can represent (IDs, levels,
	// products) and reports the result in Fake.Want.
	Start func(t *testing.T, sc Scenario) *Fake
}

// secrets returns the credentials no output may show: Fake.Secrets, or Config.APIKey.
func (f *Fake) secrets() []string {
	if len(f.Secrets) > 0 {
		return f.Secrets
	}
	return []string{f.Config.APIKey}
}

// wrongCredential returns a Config reaching the fake with a credential it does not know,
// and that credential: Fake.WrongCredential's, or Config.APIKey with a suffix.
func (f *Fake) wrongCredential() (anyca.Config, string) {
	if f.WrongCredential != nil {
		return f.WrongCredential(f.Config)
	}
	cfg := f.Config
	cfg.APIKey = f.Config.APIKey + "-refused-Zq8Xv3Lm9Tr2Wp7K"
	return cfg, cfg.APIKey
}

// wrongCredentialKind is the kind of a call's error with a wrong credential.
func (f *Fake) wrongCredentialKind() error {
	if f.WrongCredentialKind != nil {
		return f.WrongCredentialKind
	}
	return model.ErrUnauthenticated
}

// assertNeverPrintsAny is AssertNeverPrints for each of secrets.
func assertNeverPrintsAny(t testing.TB, what string, v any, secrets []string) {
	t.Helper()
	for _, k := range secrets {
		AssertNeverPrints(t, what, v, k)
	}
}

// checkNoSecrets is checkNoSecret for each of secrets.
func checkNoSecrets(err error, secrets []string) error {
	for _, k := range secrets {
		if e := checkNoSecret(err, k); e != nil {
			return e
		}
	}
	return nil
}

// writeFaults are the fault kinds a create request meets in the ordering chaos run.
func writeFaults() []FaultKind { return fakeca.WriteFaults() }
