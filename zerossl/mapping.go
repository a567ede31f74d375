package zerossl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// validID reports whether id can be a ZeroSSL certificate id. The API documents a
// 32-character hex hash, but ids are the CA's and opaque: any id the kit's wire.CheckID
// accepts is looked up (escaped with wire.PathSegment), and only what can never be an id
// (a control character, '/', "..") is refused.
func validID(id string) bool { return wire.CheckID(id) == nil }

// products maps the certificate "type" to a product name.
var products = map[string]string{
	"1": "ZeroSSL 90-day",
	"2": "ZeroSSL 90-day wildcard",
	"3": "ZeroSSL 90-day multi-domain",
	"4": "ZeroSSL 1-year",
	"5": "ZeroSSL 1-year wildcard",
	"6": "ZeroSSL 1-year multi-domain",
	"7": "ZeroSSL ACME 90-day",
}

// Product returns the product name of a ZeroSSL certificate type ("1".."7"); an unknown
// type is "ZeroSSL type N", an empty one "".
func Product(typ string) string {
	typ = strings.TrimSpace(typ)
	if typ == "" {
		return ""
	}
	if p, ok := products[typ]; ok {
		return p
	}
	return "ZeroSSL type " + typ
}

// ProductType returns the certificate type ("1".."7") of a product name Product returns,
// or "" for any other name.
func ProductType(product string) string {
	for k, v := range products {
		if v == product {
			return k
		}
	}
	return ""
}

// statusWords are ZeroSSL's certificate status words; "cancelled" is the one sent.
var statusWords = wire.Words[model.CertificateStatus]{
	{"draft", model.StatusDraft},
	{"pending_validation", model.StatusPending},
	{"issued", model.StatusIssued},
	{"revoked", model.StatusRevoked},
	{"cancelled", model.StatusCancelled}, {"canceled", model.StatusCancelled}, {"deleted", model.StatusCancelled},
	{"expired", model.StatusExpired},
}

// Status returns the normalized state of a ZeroSSL status word. "deleted" (known to one
// official client, absent from the docs) is StatusCancelled: the certificate is withdrawn
// from the account. Unknown words are StatusUnknown.
func Status(vendor string) model.CertificateStatus {
	return statusWords.Value(strings.ToLower(strings.TrimSpace(vendor)), model.StatusUnknown)
}

// VendorStatus returns the status word ZeroSSL uses for s, "" for states ZeroSSL never
// reports (rejected, unknown).
func VendorStatus(s model.CertificateStatus) string { return statusWords.Word(s) }

// validationTypes are ZeroSSL's validation_type words, one per challenge type.
var validationTypes = wire.Words[model.ChallengeType]{
	{"EMAIL", model.ChallengeEmail},
	{"CNAME_CSR_HASH", model.ChallengeDNSCNAME},
	{"HTTP_CSR_HASH", model.ChallengeHTTPFile},
	{"HTTPS_CSR_HASH", model.ChallengeHTTPSFile},
}

// Method returns the challenge type of a validation_type (EMAIL, CNAME_CSR_HASH,
// HTTP_CSR_HASH, HTTPS_CSR_HASH), "" for none or an unknown word.
func Method(validationType string) model.ChallengeType {
	return validationTypes.Value(strings.ToUpper(strings.TrimSpace(validationType)), "")
}

// ValidationType is the inverse of Method: the validation_type word for a challenge type,
// "" for one ZeroSSL does not have.
func ValidationType(t model.ChallengeType) string { return validationTypes.Word(t) }

// ChallengeStatus is the state of a certificate's challenges, decided by the
// certificate's status: issued -> valid, draft -> not_started, pending_validation ->
// pending, expired/revoked/cancelled/deleted -> expired (the challenge can no longer be
// used), anything else unknown.
func ChallengeStatus(s model.CertificateStatus) model.ValidationStatus {
	switch s {
	case model.StatusIssued:
		return model.ValidationValid
	case model.StatusDraft:
		return model.ValidationNotStarted
	case model.StatusPending:
		return model.ValidationPending
	case model.StatusExpired, model.StatusRevoked, model.StatusCancelled:
		return model.ValidationExpired
	}
	return model.ValidationUnknown
}

// mapCertificate converts a wire certificate. It fails on an id the adapter would refuse
// to look up (validID: it would be a silent wrong answer no later call accepts) and on
// an unreadable date. NotBefore stays zero: the API does not give it (created is the
// order's creation).
func mapCertificate(w *wireSummary) (*model.Certificate, error) {
	if id := strings.TrimSpace(w.ID); !validID(id) {
		return nil, fmt.Errorf("zerossl: certificate %s: id: %w", wire.QuoteWhole(id), wire.CheckID(id))
	}
	created, err := model.ParseTime(w.Created)
	if err != nil {
		return nil, fmt.Errorf("zerossl: certificate %s: created: %w", wire.QuoteWhole(w.ID), err)
	}
	expires, err := model.ParseTime(w.Expires)
	if err != nil {
		return nil, fmt.Errorf("zerossl: certificate %s: expires: %w", wire.QuoteWhole(w.ID), err)
	}
	cn := wire.ReportedDomain(w.CommonName)
	names := wire.ReportedDomains(append([]string{cn}, model.SplitList(w.AdditionalDomains)...))
	return &model.Certificate{
		Provider:        Name,
		ID:              strings.TrimSpace(w.ID),
		CommonName:      cn,
		DNSNames:        names,
		Status:          Status(w.Status),
		VendorStatus:    strings.TrimSpace(w.Status),
		Level:           model.LevelDV,
		Product:         Product(string(w.Type)),
		FingerprintSHA1: model.NormalizeHex(w.FingerprintSHA1),
		CreatedAt:       created,
		NotAfter:        expires,
		ReplacesID:      strings.TrimSpace(w.ReplacementFor),
	}, nil
}

// mapChallenges converts a certificate's validation object into challenges: per domain
// (in the certificate's name order, then any other domain the validation object lists,
// sorted) a dns-cname, http-file, https-file and email challenge, each only when its keys
// are all present. status is given to every challenge; emailStatus, when not nil,
// overrides it for email challenges by domain. A file URL that is not one file under
// its own domain's /.well-known/pki-validation/ (wire.FileURL: another host, port,
// path or a query) is an error: the CA does not choose what preflight fetches.
func mapChallenges(w *wireCertificate, names []string, status model.ValidationStatus,
	emailStatus map[string]model.ValidationStatus) ([]model.Challenge, error) {
	v, err := w.Validation.get()
	if v == nil || err != nil {
		return nil, nil // challenges and chooseEmails report an unreadable validation object
	}
	other := map[string]wireOtherMethod{}
	for d, m := range v.OtherMethods {
		other[wire.ReportedDomain(d)] = m
	}
	emails := map[string][]string{}
	for d, list := range v.EmailValidation {
		n := wire.ReportedDomain(d)
		emails[n] = append(emails[n], list...)
	}
	order := append([]string(nil), names...)
	listed := map[string]bool{}
	for _, n := range order {
		listed[n] = true
	}
	var extra []string
	for d := range other {
		if !listed[d] {
			listed[d] = true
			extra = append(extra, d)
		}
	}
	for d := range emails {
		if !listed[d] {
			listed[d] = true
			extra = append(extra, d)
		}
	}
	sort.Strings(extra)
	order = append(order, extra...)

	var out []model.Challenge
	for _, d := range order {
		if d == "" {
			continue
		}
		if m, ok := other[d]; ok {
			if name, target := wire.ReportedDomain(m.CNAMEName), cnameTarget(m.CNAMETarget); name != "" && target != "" {
				out = append(out, model.Challenge{Domain: d, Type: model.ChallengeDNSCNAME, RecordName: name, RecordValue: target, Status: status})
			}
			content := fileContent(m.FileContent)
			for _, f := range []struct {
				raw, scheme string
				typ         model.ChallengeType
			}{{m.FileURLHTTP, "http", model.ChallengeHTTPFile}, {m.FileURLHTTPS, "https", model.ChallengeHTTPSFile}} {
				if strings.TrimSpace(f.raw) == "" || content == "" {
					continue
				}
				u, err := wire.FileURL(d, f.raw, f.scheme)
				if err != nil {
					return nil, fmt.Errorf("zerossl: validation of %s: file_validation_url_%s %s: %w", d, f.scheme, wire.QuoteWhole(f.raw), err)
				}
				out = append(out, model.Challenge{Domain: d, Type: f.typ, URL: u, Content: content, Status: status})
			}
		}
		if addrs := cleanEmails(emails[d]); len(addrs) > 0 {
			st := status
			if s, ok := emailStatus[d]; ok {
				st = s
			}
			out = append(out, model.Challenge{Domain: d, Type: model.ChallengeEmail, Emails: addrs, Status: st})
		}
	}
	return out, nil
}

// cnameTarget lower-cases a CNAME target and drops a trailing dot.
func cnameTarget(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// fileContent joins the validation file's lines with "\n"; "" when there are none.
func fileContent(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n")
}

// cleanEmails trims, lower-cases and deduplicates addresses, keeping their order.
func cleanEmails(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range list {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || seen[a] {
			continue
		}
		seen[a] = true
		out = append(out, a)
	}
	return out
}

// emailValidationStatus maps a /status detail word ("Email Sent", "Validated", ...).
func emailValidationStatus(word string) (model.ValidationStatus, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	switch {
	case w == "":
		return "", false
	case strings.Contains(w, "fail") || strings.Contains(w, "invalid") || strings.Contains(w, "reject") || strings.Contains(w, "error"):
		return model.ValidationFailed, true
	case strings.Contains(w, "valid") || strings.Contains(w, "approved") || strings.Contains(w, "success") || strings.Contains(w, "complete"):
		return model.ValidationValid, true
	case strings.Contains(w, "sent") || strings.Contains(w, "pending") || strings.Contains(w, "wait"):
		return model.ValidationPending, true
	}
	return model.ValidationUnknown, true
}
