package preflight

import "github.com/anyca/anyca/model"

// Status is the verdict of a Check.
type Status string

// The verdicts of a Check.
const (
	StatusOK           Status = "ok"             // published as the CA wants it, and CAA (if checked) allows the CA
	StatusMissing      Status = "missing"        // nothing is published there (NXDOMAIN, no record, 404)
	StatusMismatch     Status = "mismatch"       // something else is published there; Found says what
	StatusBlockedByCAA Status = "blocked_by_caa" // a CAA record forbids the CA, whatever is published
	StatusError        Status = "error"          // the check could not be completed (SERVFAIL, timeout, ...)
	StatusNotCheckable Status = "not_checkable"  // the method cannot be checked from outside (email)
)

// Statuses lists every Status.
func Statuses() []Status {
	return []Status{StatusOK, StatusMissing, StatusMismatch, StatusBlockedByCAA, StatusError, StatusNotCheckable}
}

// Reason says why a Check gave its Status, finer than the Status itself. It is "" when
// the Status says it all (ok, not checkable).
type Reason string

// The reasons a Check reports.
const (
	ReasonNXDOMAIN        Reason = "nxdomain"         // the record's name does not exist
	ReasonNoData          Reason = "nodata"           // the name exists but has no record of the type
	ReasonServFail        Reason = "servfail"         // an authoritative server answered SERVFAIL
	ReasonRefused         Reason = "refused"          // a server refused the query, or answered with another rcode
	ReasonLame            Reason = "lame"             // a server neither answered authoritatively nor referred
	ReasonTimeout         Reason = "timeout"          // a DNS query or an HTTP connect or read timed out
	ReasonTruncated       Reason = "truncated"        // the UDP answer was truncated and the TCP retry failed
	ReasonNetwork         Reason = "network"          // no server could be reached
	ReasonWrongValue      Reason = "wrong_value"      // a TXT value, CNAME target or file body differs
	ReasonCNAMELoop       Reason = "cname_loop"       // a CNAME chain loops or is too long
	ReasonCNAMEConflict   Reason = "cname_conflict"   // a CNAME coexists with other records at its name
	ReasonRedirect        Reason = "redirect"         // the file URL answers with a redirect
	ReasonHTTPStatus      Reason = "http_status"      // the file URL answers with a non-200 status
	ReasonTooLarge        Reason = "too_large"        // the file body is larger than the cap
	ReasonTrailingNewline Reason = "trailing_newline" // the body differs only by trailing line breaks
	ReasonBOM             Reason = "bom"              // the body differs only by a byte-order mark
	ReasonWhitespace      Reason = "whitespace"       // the body differs only in whitespace
	ReasonCase            Reason = "case"             // the value differs only in letter case
	ReasonCAAForbids      Reason = "caa_forbids"      // a CAA set applies and does not allow the CA
	ReasonCAAError        Reason = "caa_error"        // the CAA set could not be read
	ReasonCanceled        Reason = "canceled"         // ctx ended before the check completed
	ReasonInvalid         Reason = "invalid"          // the challenge or the options cannot be checked as given
	ReasonNonPublic       Reason = "non_public"       // a file host or nameserver address is not public (Options.AllowNonPublic)
)

// Result is what a Check found. Found holds raw values as published (they may contain
// any bytes); Message is one line for a person, with every value quoted so that it
// carries no raw control characters.
type Result struct {
	// Status is the overall verdict: the challenge's own verdict, unless CAA forbids the
	// CA (StatusBlockedByCAA) or could not be read while the challenge is ok (StatusError).
	Status Status
	// Reason refines Status; see the Reason constants.
	Reason Reason
	// Type is the challenge's type.
	Type model.ChallengeType
	// Name is what was looked at: the record name (fully qualified, no trailing dot) or the URL.
	Name string
	// Wanted is the value the CA expects: the TXT value, CNAME target or file body.
	Wanted string
	// Found lists every value published there: each TXT record (its strings joined), the
	// CNAME chain's targets in order, or the file body (or a redirect's Location).
	Found []string
	// Message is one line a person can act on, naming the value actually found.
	Message string
	// Notes records how the answer was obtained: CNAME chains followed, TCP retries,
	// the server that answered.
	Notes []string
	// ChallengeStatus is the challenge's own verdict, before CAA is taken into account.
	ChallengeStatus Status
	// CAA is the CAA verdict, nil when Options.CAAIdentities is empty.
	CAA *CAAResult
	// Err is the underlying error when Status is StatusError (it unwraps to
	// context.Canceled or context.DeadlineExceeded when ctx ended); nil otherwise.
	Err error
}

// CAAResult is the outcome of the CAA part of a Check.
type CAAResult struct {
	// Status is StatusOK (no CAA set, or one that allows an identity), StatusBlockedByCAA
	// or StatusError.
	Status Status
	// Domain is the name whose CAA set applies (the checked name or a parent); "" when no
	// name up to the top-level domain has CAA records.
	Domain string
	// Records is the applicable CAA set in presentation form, e.g. `0 issue "digicert.com"`.
	Records []string
	// Identities are the CA issuer identities that were checked.
	Identities []string
	// Allowed is the identity the set allows, "" when none is allowed or no set applies.
	Allowed string
	// Message is one line for a person, like Result.Message.
	Message string
	// Err is the lookup error when Status is StatusError.
	Err error
}
