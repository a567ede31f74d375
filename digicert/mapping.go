package digicert

import (
	"fmt"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// mapStatus maps every order status word CertCentral documents; other words are
// model.StatusUnknown (the caller keeps the word in VendorStatus).
//
//   - needs_approval, pending, waiting_pickup: pending (awaiting an approver, validation or pickup)
//   - issued, reissue_pending, renewed: issued (the order holds an issued certificate; a
//     reissue in progress and a renewal by a newer order leave it valid until NotAfter)
//   - not_renewed, expired: expired
//   - canceled, cancelled: cancelled; rejected, denied: rejected; revoked: revoked; draft: draft
func mapStatus(word string) model.CertificateStatus {
	return statusWords.Value(strings.ToLower(strings.TrimSpace(word)), model.StatusUnknown)
}

// statusWords are the order status words mapStatus knows, as listed above.
var statusWords = wire.Words[model.CertificateStatus]{
	{"needs_approval", model.StatusPending}, {"pending", model.StatusPending}, {"waiting_pickup", model.StatusPending},
	{"issued", model.StatusIssued}, {"reissue_pending", model.StatusIssued}, {"renewed", model.StatusIssued},
	{"not_renewed", model.StatusExpired}, {"expired", model.StatusExpired},
	{"canceled", model.StatusCancelled}, {"cancelled", model.StatusCancelled},
	{"rejected", model.StatusRejected}, {"denied", model.StatusRejected},
	{"revoked", model.StatusRevoked},
	{"draft", model.StatusDraft},
}

// statusFilters returns the documented List orders filters[status] values that can hold
// orders of status s; the answers are filtered again by mapped status, as "issued" also
// matches orders that have since expired. A status with no filter value (unknown) returns
// nil, and the caller lists without a status filter. Migrated orders in "renewed" or
// "not_renewed" have no documented filter value and are found only by unfiltered listings.
func statusFilters(s model.CertificateStatus) []string {
	switch s {
	case model.StatusPending:
		return []string{"pending", "needs_approval", "waiting_pickup"}
	case model.StatusIssued:
		return []string{"issued", "reissue_pending"}
	case model.StatusExpired:
		return []string{"issued"} // documented: issued also matches expired orders
	case model.StatusCancelled:
		return []string{"canceled"}
	case model.StatusRejected:
		return []string{"rejected"}
	case model.StatusRevoked:
		return []string{"revoked"}
	case model.StatusDraft:
		return []string{} // CertCentral has no drafts: nothing to ask for
	}
	return nil
}

// levelFor returns the validation level of a CertCentral product name_id ("ssl_ev_basic"
// is ev, "ssl_dv_geotrust" dv, the other ssl products ov), or "" when it cannot tell. The
// same function serves REST and Reports answers, so both map to the same Level.
func levelFor(nameID string) model.ValidationLevel {
	id := strings.ToLower(strings.TrimSpace(nameID))
	if id == "" {
		return ""
	}
	parts := strings.FieldsFunc(id, func(r rune) bool { return r == '_' || r == '-' })
	for _, p := range parts {
		switch p {
		case "ev":
			return model.LevelEV
		case "dv":
			return model.LevelDV
		case "ov":
			return model.LevelOV
		}
	}
	switch {
	case strings.HasPrefix(id, "ssl_"), strings.HasPrefix(id, "private_ssl"), strings.HasPrefix(id, "wildcard"):
		return model.LevelOV
	}
	return ""
}

// parseDate parses a CertCentral date or timestamp in UTC; an unreadable value is an error
// naming the field.
func parseDate(field, s string) (time.Time, error) {
	t, err := model.ParseTime(s)
	if err != nil {
		return time.Time{}, &fieldError{field: field, err: err}
	}
	return t, nil
}

type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return "field " + e.field + ": " + e.err.Error() }
func (e *fieldError) Unwrap() error { return e.err }

// orderText is an order as both Order info and the Reports API give it, as text: the
// fields the model reads, each date with the field an error about it names.
type orderText struct {
	id, commonName, status, serial, thumbprint, product string
	names                                               []string // additional names; the common name is added
	created, validFrom, validTill                       dateText
}

// dateText is one date of an answer and the field it came from.
type dateText struct{ field, text string }

// certificate builds the model value of o, the same for REST and Reports answers. A
// missing id or an unreadable date is a fieldError naming the field.
func (o orderText) certificate() (*model.Certificate, error) {
	if err := checkID(o.id); err != nil {
		return nil, err
	}
	var dates [3]time.Time
	for i, d := range [3]dateText{o.created, o.validFrom, o.validTill} {
		t, err := parseDate(d.field, d.text)
		if err != nil {
			return nil, err
		}
		dates[i] = t
	}
	cnNorm := wire.ReportedDomain(o.commonName)
	all := make([]string, 0, len(o.names)+1)
	all = append(all, cnNorm)
	dns := wire.ReportedDomains(append(all, o.names...))
	if len(dns) == 0 {
		dns = nil // as before: no names is a nil list
	}
	return &model.Certificate{
		Provider:        Name,
		ID:              strings.TrimSpace(o.id),
		CommonName:      cnNorm,
		DNSNames:        dns,
		Status:          mapStatus(o.status),
		VendorStatus:    strings.TrimSpace(o.status),
		Level:           levelFor(o.product),
		Product:         strings.TrimSpace(o.product),
		SerialNumber:    model.NormalizeHex(o.serial),
		FingerprintSHA1: model.NormalizeHex(o.thumbprint),
		CreatedAt:       dates[0],
		NotBefore:       dates[1],
		NotAfter:        dates[2],
	}, nil
}

// mapOrder maps an order from Order info or List orders. valid_from and valid_till are
// dates, read as midnight UTC; Product is the product's name_id.
func mapOrder(o *orderWire) (*model.Certificate, error) {
	oc := &o.Certificate
	return orderText{id: string(o.ID), commonName: string(oc.CommonName), names: oc.DNSNames,
		status: string(o.Status), serial: string(oc.SerialNumber), thumbprint: string(oc.Thumbprint),
		product: string(o.Product.NameID), created: dateText{"date_created", string(o.DateCreated)},
		validFrom: dateText{"certificate.valid_from", string(oc.ValidFrom)},
		validTill: dateText{"certificate.valid_till", string(oc.ValidTill)}}.certificate()
}

// mapReportOrder maps an order_details_by_id answer to the same value mapOrder gives for
// the same order: dns_names there are the additional names, comma-separated, and
// date_created ("yyyy-MM-dd HH:mm:ss") is UTC like Order info's ISO-8601 value.
func mapReportOrder(o *reportOrderWire) (*model.Certificate, error) {
	return orderText{id: string(o.ID), commonName: string(o.CommonName), names: model.SplitList(string(o.DNSNames)),
		status: string(o.Status), serial: string(o.SerialNumber), thumbprint: string(o.Thumbprint),
		product: string(o.ProductNameID), created: dateText{"date_created", string(o.DateCreated)},
		validFrom: dateText{"valid_from", string(o.ValidFrom)}, validTill: dateText{"valid_till", string(o.ValidTill)}}.certificate()
}

type missingError struct{}

func (missingError) Error() string { return "missing" }

var errMissing = missingError{}

// checkID refuses an answer's order or domain id that is missing or that the adapter
// would refuse to look up (validID): such an answer is malformed, and its id would be
// a silent wrong answer that no later call accepts.
func checkID(id string) error {
	switch id = strings.TrimSpace(id); {
	case id == "":
		return &fieldError{field: "id", err: errMissing}
	case !validID(id):
		return &fieldError{field: "id", err: wire.CheckID(id)}
	}
	return nil
}

// mapMethod maps a DCV method word to a challenge type ("" for unknown words).
func mapMethod(m string) model.ChallengeType {
	return dcvMethods.Value(strings.ToLower(strings.TrimSpace(m)), "")
}

// dcvMethods are the DCV method words CertCentral sends (dcv_method, order_dcv_method).
var dcvMethods = wire.Words[model.ChallengeType]{
	{"email", model.ChallengeEmail},
	{"dns-txt-token", model.ChallengeDNSTXT},
	{"dns-cname-token", model.ChallengeDNSCNAME},
	{"http-token", model.ChallengeHTTPFile}, {"http-token-static", model.ChallengeHTTPFile}, {"http-token-dynamic", model.ChallengeHTTPFile},
}

// mapLevelStatus maps one validations[] entry: active and not past validated_until is
// valid, active but past it (or expired) is expired.
func mapLevelStatus(status string, until, now time.Time) model.ValidationStatus {
	switch strings.ToLower(strings.TrimSpace(status)) {
	case "active", "valid", "complete", "completed", "approved",
		"expiring", "expiring_soon", "industry_shortened_expiring_soon": // dcv_expiration.ov_status, ev_status

		if !until.IsZero() && !now.Before(until) {
			return model.ValidationExpired
		}
		return model.ValidationValid
	case "expired", "inactive", "industry_shortened_expired":
		return model.ValidationExpired
	case "pending", "in_progress", "submitted":
		return model.ValidationPending
	case "rejected", "failed", "denied":
		return model.ValidationFailed
	case "not_started", "":
		return model.ValidationNotStarted
	}
	return model.ValidationUnknown
}

// mapValidationStatus maps a per-domain status of order validation ("approved",
// "pending", ...).
func mapValidationStatus(status string) model.ValidationStatus {
	return mapLevelStatus(status, time.Time{}, time.Time{})
}

// levelRank orders levels dv, ov, ev.
func levelRank(l model.ValidationLevel) int {
	switch l {
	case model.LevelDV:
		return 0
	case model.LevelOV:
		return 1
	case model.LevelEV:
		return 2
	}
	return 3
}

// dcvExpiration reads a dcv_expiration value: a UTC timestamp (include_dcv_expiration_time)
// or a date-only value in Mountain Time.
func dcvExpiration(field, s string) (time.Time, error) {
	t, err := model.ParseTimeIn(s, mountain)
	if err != nil {
		return time.Time{}, &fieldError{field: field, err: err}
	}
	return t, nil
}

// mapDomain maps a domain from Domain info. The status comes from validations[] (the
// top-level status is deprecated and ignored): valid when any level is valid, else
// pending, expired, failed in that order; with no validations it is pending when a DCV is
// under way (see dcvPending) and not_started otherwise. The challenge is built from
// dcv_method and dcv_token.
func mapDomain(d *domainWire, now time.Time) (*model.DomainValidation, error) {
	out, err := mapDomainLevels(d, now, false)
	if err != nil {
		return nil, err
	}
	ch, err := domainChallenge(out.Domain, d, out.Status)
	if err != nil {
		return nil, err
	}
	if ch != nil {
		out.Challenges = []model.Challenge{*ch}
	}
	return out, nil
}

// mapListedDomain maps a domain from List domains (asked with
// include_validation_reuse_status and include_dcv_expiration_time) to what mapDomain
// gives for the same domain's Domain info, without challenges: List domains shows no
// DCV token, and the listing never builds a challenge. validations[] there holds only the
// active levels; the other OV and EV levels come from dcv_expiration.ov_status and
// ev_status with the dates dcv_expiration.ov and ev (a level whose status word is valid
// always appears among the active validations, so such a word adds no level). The status
// is derived as mapDomain derives it, with last_submitted_datetime later than
// dcv_approval_datetime (or without one) meaning a DCV under way.
func mapListedDomain(d *domainWire, now time.Time) (*model.DomainValidation, error) {
	return mapDomainLevels(d, now, true)
}

func mapDomainLevels(d *domainWire, now time.Time, listed bool) (*model.DomainValidation, error) {
	if err := checkID(string(d.ID)); err != nil {
		return nil, err
	}
	name := wire.ReportedDomain(string(d.Name))
	out := &model.DomainValidation{
		Provider:     Name,
		Domain:       name,
		ID:           string(d.ID),
		DomainID:     string(d.ID),
		Method:       mapMethod(string(d.DCVMethod)),
		VendorMethod: string(d.DCVMethod),
	}
	approved, err := parseDate("dcv_approval_datetime", string(d.DCVApprovalDatetime))
	if err != nil {
		return nil, err
	}
	out.ValidatedAt = approved
	if n := len(d.Validations); n > 0 {
		// At most DV, OV and EV, each once (OV and EV may be added from dcv_expiration
		// below): one allocation instead of append's growth. No validations leave it nil.
		out.Levels = make([]model.LevelValidation, 0, min(n+2, 3))
	}
	seen := map[model.ValidationLevel]bool{}
	for _, v := range d.Validations {
		lvl := model.ValidationLevel(strings.ToLower(string(v.Type)))
		if levelRank(lvl) > 2 || seen[lvl] {
			continue
		}
		seen[lvl] = true
		until, err := parseDate("validations.validated_until", string(v.ValidatedUntil))
		if err != nil {
			return nil, err
		}
		if until.IsZero() {
			date, _ := d.DCVExpiration.of(lvl)
			if until, err = dcvExpiration("dcv_expiration."+string(lvl), date); err != nil {
				return nil, err
			}
		}
		out.Levels = append(out.Levels, model.LevelValidation{
			Level:        lvl,
			Status:       mapLevelStatus(string(v.Status), until, now),
			VendorStatus: string(v.Status),
			ValidUntil:   until,
		})
	}
	if listed {
		for _, lvl := range []model.ValidationLevel{model.LevelOV, model.LevelEV} {
			date, word := d.DCVExpiration.of(lvl)
			if seen[lvl] || word == "" {
				continue
			}
			until, err := dcvExpiration("dcv_expiration."+string(lvl), date)
			if err != nil {
				return nil, err
			}
			st := mapLevelStatus(word, until, now)
			if st == model.ValidationValid {
				continue // not among the active validations: not a level of the domain
			}
			seen[lvl] = true
			out.Levels = append(out.Levels, model.LevelValidation{Level: lvl, Status: st, VendorStatus: word, ValidUntil: until})
		}
	}
	if len(out.Levels) == 0 {
		out.Levels = nil // no level is nil, as when there were no validations
	}
	sortLevels(out.Levels)
	pending, err := dcvPending(d)
	if err != nil {
		return nil, err
	}
	out.Status, out.VendorStatus = domainStatus(out.Levels, pending)
	return out, nil
}

// dcvPending reports whether a DCV is under way for d: is_pending_validation, a pending
// dcv_token (Domain info), or a last_submitted_datetime (List domains) later than
// dcv_approval_datetime or without one.
func dcvPending(d *domainWire) (bool, error) {
	if d.IsPendingValidation.V || d.DCVToken != nil && strings.EqualFold(string(d.DCVToken.Status), "pending") {
		return true, nil
	}
	submitted, err := parseDate("last_submitted_datetime", string(d.LastSubmittedDatetime))
	if err != nil || submitted.IsZero() {
		return false, err
	}
	approved, err := parseDate("dcv_approval_datetime", string(d.DCVApprovalDatetime))
	if err != nil {
		return false, err
	}
	return approved.IsZero() || submitted.After(approved), nil
}

func sortLevels(ls []model.LevelValidation) {
	for i := 1; i < len(ls); i++ {
		for j := i; j > 0 && levelRank(ls[j].Level) < levelRank(ls[j-1].Level); j-- {
			ls[j], ls[j-1] = ls[j-1], ls[j]
		}
	}
}

func domainStatus(levels []model.LevelValidation, pending bool) (model.ValidationStatus, string) {
	has := map[model.ValidationStatus]bool{}
	for _, l := range levels {
		has[l.Status] = true
	}
	for _, s := range []model.ValidationStatus{model.ValidationValid, model.ValidationPending,
		model.ValidationExpired, model.ValidationFailed, model.ValidationUnknown} {
		if has[s] {
			return s, ""
		}
	}
	if pending {
		return model.ValidationPending, ""
	}
	return model.ValidationNotStarted, ""
}

// emailsFor returns the constructed addresses CertCentral writes to for domain.
func emailsFor(domain string) []string {
	domain = strings.TrimPrefix(domain, "*.")
	out := make([]string, 0, 5)
	for _, local := range []string{"admin", "administrator", "webmaster", "hostmaster", "postmaster"} {
		out = append(out, local+"@"+domain)
	}
	return out
}

// challenge builds what to publish for domain with DCV method and random value token.
// It returns nil when the method is unknown or a token method has no token.
func challenge(domain, method, token, verification string, status model.ValidationStatus, expires time.Time) *model.Challenge {
	typ := mapMethod(method)
	host := strings.TrimPrefix(domain, "*.")
	ch := &model.Challenge{Domain: domain, Type: typ, Token: token, Status: status, ExpiresAt: expires}
	switch typ {
	case model.ChallengeEmail:
		ch.Emails, ch.Token, ch.ExpiresAt = emailsFor(host), "", time.Time{}
		return ch
	case "":
		return nil
	}
	if token == "" {
		return nil
	}
	switch typ {
	case model.ChallengeDNSTXT:
		ch.RecordName, ch.RecordValue = host, token
	case model.ChallengeDNSCNAME:
		if verification == "" {
			verification = "dcv.digicert.com"
		}
		ch.RecordName, ch.RecordValue = "_dnsauth."+host, token+"."+verification
	case model.ChallengeHTTPFile:
		ch.URL, ch.Content = "http://"+host+"/.well-known/pki-validation/fileauth.txt", token
	}
	return ch
}

// domainChallenge is the domain's challenge from dcv_method and dcv_token. When the token
// carries http_token_url (the unique file name of http-token-dynamic), that URL is used,
// if it is one file under the domain's own /.well-known/pki-validation/ (wire.FileURL);
// any other is an error naming the field: the CA does not choose what preflight fetches.
func domainChallenge(name string, d *domainWire, status model.ValidationStatus) (*model.Challenge, error) {
	var token, verification string
	var expires time.Time
	if d.DCVToken != nil {
		token, verification = string(d.DCVToken.Token), string(d.DCVToken.VerificationValue)
		expires, _ = model.ParseTime(string(d.DCVToken.ExpirationDate))
	}
	ch := challenge(name, string(d.DCVMethod), token, verification, status, expires)
	if ch != nil && ch.Type == model.ChallengeHTTPFile && d.DCVToken != nil {
		if u := strings.TrimSpace(string(d.DCVToken.HTTPTokenURL)); u != "" {
			checked, err := wire.FileURL(name, u, "http")
			if err != nil {
				return nil, &fieldError{field: "dcv_token.http_token_url", err: fmt.Errorf("%s: %w", wire.QuoteWhole(u), err)}
			}
			ch.URL = checked
		}
	}
	return ch, nil
}
