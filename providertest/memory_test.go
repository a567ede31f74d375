package providertest_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/memca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
)

func init() {
	anyca.Register(memca.Name, memca.New)
	anyca.Register(memca.NameBasic, memca.NewBasic)
}

// memoryHarness connects the suite to the in-memory CA, which can represent every
// scenario value as it is: Want is the scenario with ids assigned.
func memoryHarness(bugs memca.Bugs) providertest.Harness {
	return memoryHarnessNamed(memca.Name, bugs)
}

// memoryHarnessNamed is memoryHarness for the provider registered as name.
func memoryHarnessNamed(name string, bugs memca.Bugs) providertest.Harness {
	return memoryHarnessWith(name, bugs, false, false)
}

// memoryHarnessFinal is memoryHarness on a server whose refused checks are final (as
// in ACME), declared with RefusedCheckIsFinal and AsyncVerify.
func memoryHarnessFinal(bugs memca.Bugs) providertest.Harness {
	return memoryHarnessWith(memca.Name, bugs, true, false)
}

// memoryHarnessURLIDs is memoryHarness on a server whose certificate ids are URLs on its
// own origin (as ACME's order URLs), declared with URLIDs.
func memoryHarnessURLIDs(bugs memca.Bugs) providertest.Harness {
	return memoryHarnessWith(memca.Name, bugs, false, true)
}

// memoryHarnessWith is memoryHarnessNamed, with memca.Server.FinalRefusal set to final
// and, with urlIDs, ids that are URLs (memca.URLIDs).
func memoryHarnessWith(name string, bugs memca.Bugs, final, urlIDs bool) providertest.Harness {
	var opts []memca.Option
	if urlIDs {
		opts = append(opts, memca.URLIDs())
	}
	return providertest.Harness{
		Name: name,
		Capabilities: providertest.Capabilities{
			DomainLister:        name != memca.NameBasic,
			BatchGetter:         false,
			Levels:              []model.ValidationLevel{model.LevelDV, model.LevelOV, model.LevelEV},
			CertificateStatuses: model.CertificateStatuses(),
			ChallengeTypes:      model.ChallengeTypes(),
			Verifier:            name != memca.NameBasic,
			Downloader:          name != memca.NameBasic,
			Orderer:             name != memca.NameBasic,
			Revoker:             name != memca.NameBasic,
			Canceller:           name != memca.NameBasic,
			Chaos:               true,
			RefusedCheckIsFinal: final,
			AsyncVerify:         final,
			URLIDs:              urlIDs,
		},
		Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
			srv := memca.NewServer(name, sc.Certificates, sc.Domains, sc.Challenges, opts...)
			srv.Bugs = bugs
			srv.FinalRefusal = final
			t.Cleanup(srv.Close)
			return &providertest.Fake{
				Config: anyca.Config{Provider: name, APIKey: srv.APIKey, BaseURL: srv.URL,
					Retry: retry.Config{MinWait: time.Millisecond, MaxWait: 20 * time.Millisecond, RequestsPerSecond: -1}},
				Want: providertest.Scenario{
					Certificates: srv.Certificates(),
					Domains:      srv.Domains(),
					Challenges:   srv.Challenges(),
				},
				FailNext:     srv.FailNext,
				Requests:     srv.Requests,
				Publish:      srv.Publish,
				Roots:        memca.Roots(),
				SetChaos:     srv.SetChaos,
				Injected:     srv.Injected,
				OrdersPlaced: srv.OrdersPlaced,
			}
		},
	}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, memoryHarness(memca.Bugs{}))
}

// TestConformanceBasic runs the suite against a provider without DomainLister: the
// capability is declared missing and checked to be reported as unsupported.
func TestConformanceBasic(t *testing.T) {
	providertest.Run(t, memoryHarnessNamed(memca.NameBasic, memca.Bugs{}))
}

// TestConformanceFinalRefusal runs the suite against a server whose refused checks are
// final (as in ACME), so that the Verify check asserts the final refusal.
func TestConformanceFinalRefusal(t *testing.T) {
	providertest.Run(t, memoryHarnessFinal(memca.Bugs{}))
}

// TestConformanceURLIDs runs the suite against a server whose ids are URLs on its own
// origin (as ACME's), so that OpaqueIDs asserts the URL rule.
func TestConformanceURLIDs(t *testing.T) {
	providertest.Run(t, memoryHarnessURLIDs(memca.Bugs{}))
}

// brokenEnv names the bug a child process of TestConformanceBroken runs the suite with.
const brokenEnv = "PROVIDERTEST_MEMCA_BUG"

var bugs = map[string]struct {
	bugs memca.Bugs
	// check is the subtest of Run that must fail, in its part sub when sub is set;
	// says is what the failing suite must print.
	check, sub, says string
	// final runs the suite on a server whose refused checks are final
	// (memoryHarnessFinal).
	final bool
	// urlIDs runs the suite on a server whose ids are URLs (memoryHarnessURLIDs).
	urlIDs bool
}{
	"duplicate":                 {memca.Bugs{DuplicateInListing: true}, "Certificates", "All", "listed more than once", false, false},
	"prefetch":                  {memca.Bugs{PrefetchAfterBreak: true}, "Certificates", "EarlyBreak", "requests were made after the loop broke", false, false},
	"timezone":                  {memca.Bugs{WrongTimeZone: true}, "Certificate", "", "CreatedAt: got", false, false},
	"key-in-errors":             {memca.Bugs{KeyInErrors: true}, "Errors", "BadKey", "the wrong key leaked", false, false},
	"no-normalize":              {memca.Bugs{NoNormalize: true}, "DomainValidation", "", "an invalid name sent a request", false, false},
	"status-filter":             {memca.Bugs{IgnoreStatusFilter: true}, "Certificates", "Status", "unexpected certificate", false, false},
	"verify-ignores-publish":    {memca.Bugs{Loop: memca.LoopBugs{VerifyIgnoresPublish: true}}, "Verify", "PublishedThenValid", "verified before it was published", false, false},
	"verify-no-problem":         {memca.Bugs{Loop: memca.LoopBugs{VerifyNoProblem: true}}, "Verify", "PublishedThenValid", "failed without a Problem", false, false},
	"recheck-after-refusal":     {bugs: memca.Bugs{Loop: memca.LoopBugs{RecheckAfterRefusal: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "a refused check is final, but a second Verify changed it"},
	"final-ignores-publish":     {bugs: memca.Bugs{Loop: memca.LoopBugs{VerifyIgnoresPublish: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "verified before it was published"},
	"final-no-problem":          {bugs: memca.Bugs{Loop: memca.LoopBugs{VerifyNoProblem: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "failed without a Problem"},
	"verify-issued":             {memca.Bugs{Loop: memca.LoopBugs{VerifyIssued: true}}, "Verify", "Refusals", "Verify of an issued certificate", false, false},
	"download-pending":          {memca.Bugs{Loop: memca.LoopBugs{DownloadPending: true}}, "Download", "", "Download of a pending certificate", false, false},
	"download-wrong-leaf":       {memca.Bugs{Loop: memca.LoopBugs{DownloadWrongLeaf: true}}, "Download", "", "leaf serial", false, false},
	"download-stale-leaf":       {memca.Bugs{Loop: memca.LoopBugs{DownloadStaleLeaf: true}}, "Download", "", "leaf not after", false, false},
	"download-broken-chain":     {memca.Bugs{Loop: memca.LoopBugs{DownloadBrokenChain: true}}, "Download", "", "chain link broken", false, false},
	"limiter":                   {memca.Bugs{IgnoreLimiter: true}, "Limiter", "", "waits on Config.Retry.Limiter once", false, false},
	"prints-key":                {memca.Bugs{PrintsKey: true}, "Wire", "KeyNeverPrinted", "shows the API key", false, false},
	"foreign-empty":             {memca.Bugs{ForeignAsEmpty: true}, "Wire", "ForeignDocument", "never an empty list", false, false},
	"domain-id":                 {memca.Bugs{DomainIDNotID: true}, "Wire", "DomainIDs", "ID must be DomainID when set", false, false},
	"replay-after-retry":        {memca.Bugs{Faults: memca.FaultBugs{ReplayAfterRetry: true}}, "Faults", "ExactlyOnceUnderChaos", "listed more than once", false, false},
	"follows-redirect":          {memca.Bugs{Faults: memca.FaultBugs{FollowsRedirect: true}}, "Faults", "CrossHostRedirect", "reached the other host", false, false},
	"wrong-type-ignored":        {memca.Bugs{Faults: memca.FaultBugs{WrongTypeIgnored: true}}, "Faults", "WrongTypes", "a silent wrong answer", false, false},
	"raw-vendor-text":           {memca.Bugs{RawVendorText: true}, "Errors", "ControlCharacters", "holds the control character", false, false},
	"raw-tainted-text":          {memca.Bugs{RawVendorText: true}, "Faults", "TaintedAnswers", "shows private key material", false, false},
	"shaped-ids":                {memca.Bugs{ShapedIDs: true}, "Wire", "OpaqueIDs", "ids are opaque", false, false},
	"sends-path-ids":            {memca.Bugs{SendsPathIDs: true}, "Wire", "OpaqueIDs", "can never be one", false, false},
	"sends-foreign-urls":        {bugs: memca.Bugs{SendsForeignURLs: true}, urlIDs: true, check: "Wire", sub: "OpaqueIDs", says: "requests sent for an id that is not a URL of the CA"},
	"url-sends-path-ids":        {bugs: memca.Bugs{SendsPathIDs: true}, urlIDs: true, check: "Wire", sub: "OpaqueIDs", says: "can never be one"},
	"cut-before-redact":         {memca.Bugs{CutBeforeRedact: true}, "Faults", "TaintedAnswers", "shows part of the API key", false, false},
	"wrong-scalar-ignored":      {memca.Bugs{Faults: memca.FaultBugs{WrongScalarIgnored: true}}, "Faults", "WrongTypes", "wrong-scalar", false, false},
	"no-body-cap":               {memca.Bugs{Faults: memca.FaultBugs{NoBodyCap: true}}, "Faults", "HostileBodies", "a listing answered with a huge-body yielded", false, false},
	"key-in-fault-errors":       {memca.Bugs{Faults: memca.FaultBugs{KeyInFaultErrors: true}}, "Faults", "KeyAbsentOnFailures", "shows the API key", false, false},
	"leak-on-break":             {memca.Bugs{Faults: memca.FaultBugs{LeakOnBreak: true}}, "NoLeaks", "", "goroutines left after a break", false, false},
	"limiter-ignores-cancel":    {memca.Bugs{Faults: memca.FaultBugs{LimiterIgnoresCancel: true}}, "Faults", "LimiterCancel", "waiting on the Limiter must end the call at once", false, false},
	"retry-wait-ignores-cancel": {memca.Bugs{Faults: memca.FaultBugs{RetryWaitIgnoresContext: true}}, "Faults", "RetryAfterCancel", "must end the call at once", false, false},
	"read-ahead":                {memca.Bugs{Paging: memca.PagingBugs{ReadAhead: true}}, "Certificates", "EarlyBreak", "with no page read ahead", false, false},
	"foreign-404-not-found":     {memca.Bugs{Foreign404AsNotFound: true}, "Errors", "NotTheCA404", "the endpoint is missing, not the certificate", false, false},
	"route-not-found":           {memca.Bugs{RouteAsNotFound: true}, "Errors", "WrongRoute", "the endpoint is missing, not the certificate", false, false},
	"origin-not-completed":      {memca.Bugs{OriginNotCompleted: true}, "New", "", "(the origin of", false, false},
	"trusts-repeated-page":      {memca.Bugs{Paging: memca.PagingBugs{TrustsRepeatedPage: true}}, "Paging", "IgnoredOffset", "the listing ended without an error", false, false},
	"trusts-repeated-huge":      {memca.Bugs{Paging: memca.PagingBugs{TrustsRepeatedPage: true}}, "Paging", "HugeTotal", "too many requests", false, false},
	"no-request-budget":         {memca.Bugs{Paging: memca.PagingBugs{NoRequestBudget: true}}, "Paging", "GrowingTotal", "too many requests", false, false},
	"empty-page-ends":           {memca.Bugs{Paging: memca.PagingBugs{EmptyPageEnds: true}}, "Paging", "EmptyPageShortOfTotal", "the listing ended without an error", false, false},
	"yields-blank-entries":      {memca.Bugs{Paging: memca.PagingBugs{YieldsBlankEntries: true}}, "Paging", "EntriesWithoutID", "yielded a certificate without an id", false, false},
	"no-dedup-across-pages":     {memca.Bugs{Paging: memca.PagingBugs{NoDedupAcrossPages: true}}, "Paging", "OverlappingPages", "listed more than once", false, false},
	"accepts-oversized":         {memca.Bugs{Paging: memca.PagingBugs{AcceptsOversized: true}}, "Paging", "OversizedPage", "certificates were yielded", false, false},
	"empty-list-is-error":       {memca.Bugs{Paging: memca.PagingBugs{EmptyListIsError: true}}, "Paging", "EmptyList", "must list nothing, without an error", false, false},
	"csr-checked-by-server":     {lifecycleBug(memca.LifecycleBugs{CSRCheckedByServer: true}), "Lifecycle", "BadRequestNoRequest", "a request was sent for an order refused locally", false, false},
	"retries-create":            {lifecycleBug(memca.LifecycleBugs{RetriesCreate: true}), "Lifecycle", "AtMostOnce/ResetAfterRead", "got no error, want unavailable", false, false},
	"retries-create-chaos":      {lifecycleBug(memca.LifecycleBugs{RetriesCreate: true}), "Lifecycle", "Chaos", "orders made twice", false, false},
	"find-order-no-slack":       {lifecycleBug(memca.LifecycleBugs{FindOrderNoSlack: true}), "Lifecycle", "AtMostOnce/ResetAfterRead", "FindOrder after ResetAfterRead", false, false},
	"id-not-at-once":            {lifecycleBug(memca.LifecycleBugs{IDNotAtOnce: true}), "Lifecycle", "RoundTrip", "at once after Order", false, false},
	"replaces-dropped":          {lifecycleBug(memca.LifecycleBugs{ReplacesDropped: true}), "Lifecycle", "RoundTrip", "the renewal does not name what it replaces", false, false},
	"fixed-renewal-window":      {lifecycleBug(memca.LifecycleBugs{FixedRenewalWindow: true}), "Lifecycle", "RoundTrip", "a window the CA advised must say FromCA", false, false},
	"revoke-not-done":           {lifecycleBug(memca.LifecycleBugs{RevokeNotDone: true}), "Lifecycle", "RoundTrip", "Revoke returned nil and the certificate is not revoked", false, false},
	"revoke-again-fails":        {lifecycleBug(memca.LifecycleBugs{RevokeAgainFails: true}), "Lifecycle", "RoundTrip", "revoking a revoked certificate is done", false, false},
	"revoke-any-reason":         {lifecycleBug(memca.LifecycleBugs{RevokeAnyReason: true}), "Lifecycle", "RoundTrip", "an unknown reason", false, false},
	"revoke-unissued":           {lifecycleBug(memca.LifecycleBugs{RevokeUnissued: true}), "Lifecycle", "Cancel", "revoking an order not issued", false, false},
	"cancel-not-done":           {lifecycleBug(memca.LifecycleBugs{CancelNotDone: true}), "Lifecycle", "Cancel", "Cancel returned nil and the order is not cancelled", false, false},
	"cancel-again-fails":        {lifecycleBug(memca.LifecycleBugs{CancelAgainFails: true}), "Lifecycle", "Cancel", "cancelling a cancelled order is done", false, false},
	"cancel-issued":             {lifecycleBug(memca.LifecycleBugs{CancelIssued: true}), "Lifecycle", "RoundTrip", "cancelling a revoked certificate", false, false},
}

// lifecycleBug is the Bugs with only the lifecycle bugs b.
func lifecycleBug(b memca.LifecycleBugs) memca.Bugs { return memca.Bugs{Lifecycle: b} }

// TestConformanceBroken shows that Run fails a provider with a bug: it runs the suite
// in a child process (the test binary itself) against the in-memory CA with one bug
// switched on, and checks that the child fails with the expected message.
func TestConformanceBroken(t *testing.T) {
	if name := os.Getenv(brokenEnv); name != "" {
		b, ok := bugs[name]
		if !ok {
			t.Fatalf("unknown bug %q", name)
		}
		h := memoryHarness(b.bugs)
		if b.final {
			h = memoryHarnessFinal(b.bugs)
		}
		if b.urlIDs {
			h = memoryHarnessURLIDs(b.bugs)
		}
		providertest.Run(t, h)
		return
	}
	for name, b := range bugs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestConformanceBroken$/^"+b.check+"$", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the suite passed a provider with the bug %q:\n%s", name, out)
			failed := "--- FAIL: TestConformanceBroken/" + b.check
			if b.sub != "" {
				failed += "/" + b.sub
			}
			assert.Contains(t, string(out), failed)
			assert.Contains(t, string(out), b.says)
		})
	}
}
