package zerossltest

import (
	"strings"

	"github.com/anyca/anyca/model"
)

// ZeroSSL's own words, written down here from its documentation (the adapter's package
// doc and its testdata/ keep the vendor's facts) and never taken from the adapter, so
// that the fake and the adapter can disagree when the adapter maps a word wrongly.

// providerName is the Provider the adapter must report.
const providerName = "zerossl"

// productRow is one certificate "type" of ZeroSSL with the product name the adapter
// reports for it.
type productRow struct{ typ, name string }

// productRows lists ZeroSSL's certificate types 1..7.
var productRows = []productRow{
	{"1", "ZeroSSL 90-day"},
	{"2", "ZeroSSL 90-day wildcard"},
	{"3", "ZeroSSL 90-day multi-domain"},
	{"4", "ZeroSSL 1-year"},
	{"5", "ZeroSSL 1-year wildcard"},
	{"6", "ZeroSSL 1-year multi-domain"},
	{"7", "ZeroSSL ACME 90-day"},
}

// productName is the product the adapter reports for type typ.
func productName(typ string) string {
	for _, r := range productRows {
		if r.typ == typ {
			return r.name
		}
	}
	return "ZeroSSL type " + typ
}

// typeOfProduct is the type of a product name from productRows, "" for any other name.
func typeOfProduct(product string) string {
	for _, r := range productRows {
		if r.name == product {
			return r.typ
		}
	}
	return ""
}

// statusWords maps each status word ZeroSSL sends to the state the adapter reports.
// "deleted" is known from an official client; "canceled" is tolerated as a spelling.
var statusWords = map[string]model.CertificateStatus{
	"draft":              model.StatusDraft,
	"pending_validation": model.StatusPending,
	"issued":             model.StatusIssued,
	"revoked":            model.StatusRevoked,
	"cancelled":          model.StatusCancelled,
	"canceled":           model.StatusCancelled,
	"deleted":            model.StatusCancelled,
	"expired":            model.StatusExpired,
}

// stateOf is the state the adapter must report for word (unknown words are unknown).
func stateOf(word string) model.CertificateStatus {
	if st, ok := statusWords[strings.ToLower(strings.TrimSpace(word))]; ok {
		return st
	}
	return model.StatusUnknown
}

// wordFor is the word the fake sends for state st, "" for a state ZeroSSL never sends
// (rejected, unknown).
func wordFor(st model.CertificateStatus) string { return wireWords[st] }

// wireWords is the word the fake sends for each state ZeroSSL has.
var wireWords = map[model.CertificateStatus]string{
	model.StatusDraft:     "draft",
	model.StatusPending:   "pending_validation",
	model.StatusIssued:    "issued",
	model.StatusRevoked:   "revoked",
	model.StatusCancelled: "cancelled",
	model.StatusExpired:   "expired",
}

// validationTypeWords are the validation_type words for each DCV method.
var validationTypeWords = map[model.ChallengeType]string{
	model.ChallengeEmail:     "EMAIL",
	model.ChallengeDNSCNAME:  "CNAME_CSR_HASH",
	model.ChallengeHTTPFile:  "HTTP_CSR_HASH",
	model.ChallengeHTTPSFile: "HTTPS_CSR_HASH",
}
