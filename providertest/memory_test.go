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
	return memoryHarnessWith(name, bugs, false)
}

// memoryHarnessFinal is memoryHarness on a server whose refused checks are final (as
// in ACME), declared with RefusedCheckIsFinal and AsyncVerify.
func memoryHarnessFinal(bugs memca.Bugs) providertest.Harness {
	return memoryHarnessWith(memca.Name, bugs, true)
}

// memoryHarnessWith is memoryHarnessNamed, with memca.Server.FinalRefusal set to final.
func memoryHarnessWith(name string, bugs memca.Bugs, final bool) providertest.Harness {
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
		},
		Start: func(t *testing.T, sc providertest.Scenario) *providertest.Fake {
			srv := memca.NewServer(name, sc.Certificates, sc.Domains, sc.Challenges)
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
}{
	"duplicate":                 {memca.Bugs{DuplicateInListing: true}, "Certificates", "All", "listed more than once", false},
	"prefetch":                  {memca.Bugs{PrefetchAfterBreak: true}, "Certificates", "EarlyBreak", "requests were made after the loop broke", false},
	"timezone":                  {memca.Bugs{WrongTimeZone: true}, "Certificate", "", "CreatedAt: got", false},
	"key-in-errors":             {memca.Bugs{KeyInErrors: true}, "Errors", "BadKey", "the wrong key leaked", false},
	"no-normalize":              {memca.Bugs{NoNormalize: true}, "DomainValidation", "", "an invalid name sent a request", false},
	"status-filter":             {memca.Bugs{IgnoreStatusFilter: true}, "Certificates", "Status", "unexpected certificate", false},
	"verify-ignores-publish":    {memca.Bugs{Loop: memca.LoopBugs{VerifyIgnoresPublish: true}}, "Verify", "PublishedThenValid", "verified before it was published", false},
	"verify-no-problem":         {memca.Bugs{Loop: memca.LoopBugs{VerifyNoProblem: true}}, "Verify", "PublishedThenValid", "failed without a Problem", false},
	"recheck-after-refusal":     {bugs: memca.Bugs{Loop: memca.LoopBugs{RecheckAfterRefusal: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "a refused check is final, but a second Verify changed it"},
	"final-ignores-publish":     {bugs: memca.Bugs{Loop: memca.LoopBugs{VerifyIgnoresPublish: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "verified before it was published"},
	"final-no-problem":          {bugs: memca.Bugs{Loop: memca.LoopBugs{VerifyNoProblem: true}}, final: true, check: "Verify", sub: "PublishedThenValid", says: "failed without a Problem"},
	"verify-issued":             {memca.Bugs{Loop: memca.LoopBugs{VerifyIssued: true}}, "Verify", "Refusals", "Verify of an issued certificate", false},
	"download-pending":          {memca.Bugs{Loop: memca.LoopBugs{DownloadPending: true}}, "Download", "", "Download of a pending certificate", false},
	"download-wrong-leaf":       {memca.Bugs{Loop: memca.LoopBugs{DownloadWrongLeaf: true}}, "Download", "", "leaf serial", false},
	"download-stale-leaf":       {memca.Bugs{Loop: memca.LoopBugs{DownloadStaleLeaf: true}}, "Download", "", "leaf not after", false},
	"download-broken-chain":     {memca.Bugs{Loop: memca.LoopBugs{DownloadBrokenChain: true}}, "Download", "", "chain link broken", false},
	"limiter":                   {memca.Bugs{IgnoreLimiter: true}, "Limiter", "", "waits on Config.Retry.Limiter once", false},
	"prints-key":                {memca.Bugs{PrintsKey: true}, "Wire", "KeyNeverPrinted", "shows the API key", false},
	"foreign-empty":             {memca.Bugs{ForeignAsEmpty: true}, "Wire", "ForeignDocument", "never an empty list", false},
	"domain-id":                 {memca.Bugs{DomainIDNotID: true}, "Wire", "DomainIDs", "ID must be DomainID when set", false},
	"replay-after-retry":        {memca.Bugs{Faults: memca.FaultBugs{ReplayAfterRetry: true}}, "Faults", "ExactlyOnceUnderChaos", "listed more than once", false},
	"follows-redirect":          {memca.Bugs{Faults: memca.FaultBugs{FollowsRedirect: true}}, "Faults", "CrossHostRedirect", "reached the other host", false},
	"wrong-type-ignored":        {memca.Bugs{Faults: memca.FaultBugs{WrongTypeIgnored: true}}, "Faults", "WrongTypes", "a silent wrong answer", false},
	"raw-vendor-text":           {memca.Bugs{RawVendorText: true}, "Errors", "ControlCharacters", "holds the control character", false},
	"raw-tainted-text":          {memca.Bugs{RawVendorText: true}, "Faults", "TaintedAnswers", "shows private key material", false},
	"shaped-ids":                {memca.Bugs{ShapedIDs: true}, "Wire", "OpaqueIDs", "ids are opaque", false},
	"sends-path-ids":            {memca.Bugs{SendsPathIDs: true}, "Wire", "OpaqueIDs", "can never be one", false},
	"cut-before-redact":         {memca.Bugs{CutBeforeRedact: true}, "Faults", "TaintedAnswers", "shows part of the API key", false},
	"wrong-scalar-ignored":      {memca.Bugs{Faults: memca.FaultBugs{WrongScalarIgnored: true}}, "Faults", "WrongTypes", "wrong-scalar", false},
	"no-body-cap":               {memca.Bugs{Faults: memca.FaultBugs{NoBodyCap: true}}, "Faults", "HostileBodies", "a listing answered with a huge-body yielded", false},
	"key-in-fault-errors":       {memca.Bugs{Faults: memca.FaultBugs{KeyInFaultErrors: true}}, "Faults", "KeyAbsentOnFailures", "shows the API key", false},
	"leak-on-break":             {memca.Bugs{Faults: memca.FaultBugs{LeakOnBreak: true}}, "NoLeaks", "", "goroutines left after a break", false},
	"limiter-ignores-cancel":    {memca.Bugs{Faults: memca.FaultBugs{LimiterIgnoresCancel: true}}, "Faults", "LimiterCancel", "waiting on the Limiter must end the call at once", false},
	"retry-wait-ignores-cancel": {memca.Bugs{Faults: memca.FaultBugs{RetryWaitIgnoresContext: true}}, "Faults", "RetryAfterCancel", "must end the call at once", false},
	"read-ahead":                {memca.Bugs{Paging: memca.PagingBugs{ReadAhead: true}}, "Certificates", "EarlyBreak", "with no page read ahead", false},
	"foreign-404-not-found":     {memca.Bugs{Foreign404AsNotFound: true}, "Errors", "NotTheCA404", "the endpoint is missing, not the certificate", false},
	"route-not-found":           {memca.Bugs{RouteAsNotFound: true}, "Errors", "WrongRoute", "the endpoint is missing, not the certificate", false},
	"origin-not-completed":      {memca.Bugs{OriginNotCompleted: true}, "New", "", "(the origin of", false},
	"trusts-repeated-page":      {memca.Bugs{Paging: memca.PagingBugs{TrustsRepeatedPage: true}}, "Paging", "IgnoredOffset", "the listing ended without an error", false},
	"trusts-repeated-huge":      {memca.Bugs{Paging: memca.PagingBugs{TrustsRepeatedPage: true}}, "Paging", "HugeTotal", "too many requests", false},
	"no-request-budget":         {memca.Bugs{Paging: memca.PagingBugs{NoRequestBudget: true}}, "Paging", "GrowingTotal", "too many requests", false},
	"empty-page-ends":           {memca.Bugs{Paging: memca.PagingBugs{EmptyPageEnds: true}}, "Paging", "EmptyPageShortOfTotal", "the listing ended without an error", false},
	"yields-blank-entries":      {memca.Bugs{Paging: memca.PagingBugs{YieldsBlankEntries: true}}, "Paging", "EntriesWithoutID", "yielded a certificate without an id", false},
	"no-dedup-across-pages":     {memca.Bugs{Paging: memca.PagingBugs{NoDedupAcrossPages: true}}, "Paging", "OverlappingPages", "listed more than once", false},
	"accepts-oversized":         {memca.Bugs{Paging: memca.PagingBugs{AcceptsOversized: true}}, "Paging", "OversizedPage", "certificates were yielded", false},
	"empty-list-is-error":       {memca.Bugs{Paging: memca.PagingBugs{EmptyListIsError: true}}, "Paging", "EmptyList", "must list nothing, without an error", false},
	"csr-checked-by-server":     {lifecycleBug(memca.LifecycleBugs{CSRCheckedByServer: true}), "Lifecycle", "BadRequestNoRequest", "a request was sent for an order refused locally", false},
	"retries-create":            {lifecycleBug(memca.LifecycleBugs{RetriesCreate: true}), "Lifecycle", "AtMostOnce/ResetAfterRead", "got no error, want unavailable", false},
	"retries-create-chaos":      {lifecycleBug(memca.LifecycleBugs{RetriesCreate: true}), "Lifecycle", "Chaos", "orders made twice", false},
	"find-order-no-slack":       {lifecycleBug(memca.LifecycleBugs{FindOrderNoSlack: true}), "Lifecycle", "AtMostOnce/ResetAfterRead", "FindOrder after ResetAfterRead", false},
	"id-not-at-once":            {lifecycleBug(memca.LifecycleBugs{IDNotAtOnce: true}), "Lifecycle", "RoundTrip", "at once after Order", false},
	"replaces-dropped":          {lifecycleBug(memca.LifecycleBugs{ReplacesDropped: true}), "Lifecycle", "RoundTrip", "the renewal does not name what it replaces", false},
	"fixed-renewal-window":      {lifecycleBug(memca.LifecycleBugs{FixedRenewalWindow: true}), "Lifecycle", "RoundTrip", "a window the CA advised must say FromCA", false},
	"revoke-not-done":           {lifecycleBug(memca.LifecycleBugs{RevokeNotDone: true}), "Lifecycle", "RoundTrip", "Revoke returned nil and the certificate is not revoked", false},
	"revoke-again-fails":        {lifecycleBug(memca.LifecycleBugs{RevokeAgainFails: true}), "Lifecycle", "RoundTrip", "revoking a revoked certificate is done", false},
	"revoke-any-reason":         {lifecycleBug(memca.LifecycleBugs{RevokeAnyReason: true}), "Lifecycle", "RoundTrip", "an unknown reason", false},
	"revoke-unissued":           {lifecycleBug(memca.LifecycleBugs{RevokeUnissued: true}), "Lifecycle", "Cancel", "revoking an order not issued", false},
	"cancel-not-done":           {lifecycleBug(memca.LifecycleBugs{CancelNotDone: true}), "Lifecycle", "Cancel", "Cancel returned nil and the order is not cancelled", false},
	"cancel-again-fails":        {lifecycleBug(memca.LifecycleBugs{CancelAgainFails: true}), "Lifecycle", "Cancel", "cancelling a cancelled order is done", false},
	"cancel-issued":             {lifecycleBug(memca.LifecycleBugs{CancelIssued: true}), "Lifecycle", "RoundTrip", "cancelling a revoked certificate", false},
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
