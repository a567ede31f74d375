package digicerttest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Mountain Time on machines without zoneinfo

	"github.com/anyca/anyca/model"
)

// orderStatusWords are CertCentral's documented order status words (api-notes), by the
// state the adapter must report for them; the first word of each is the one the fake
// sends for that state.
var orderStatusWords = map[model.CertificateStatus][]string{
	model.StatusPending:   {"pending", "needs_approval", "waiting_pickup"},
	model.StatusIssued:    {"issued", "reissue_pending", "renewed"},
	model.StatusExpired:   {"expired", "not_renewed"},
	model.StatusCancelled: {"canceled", "cancelled"},
	model.StatusRejected:  {"rejected", "denied"},
	model.StatusRevoked:   {"revoked"},
	model.StatusDraft:     {"draft"},
}

// vendorStatus returns the order status word for c: its own VendorStatus when that word
// means c.Status, else the first word for c.Status (for an unknown state the vendor's
// word, or "unknown_state").
func vendorStatus(c model.Certificate) string {
	if c.VendorStatus != "" && statusOf(c.VendorStatus) == c.Status {
		return c.VendorStatus
	}
	known := c.Status != "" && c.Status != model.StatusUnknown
	switch words := orderStatusWords[c.Status]; {
	case len(words) > 0:
		return words[0]
	case known:
		return string(c.Status)
	case c.VendorStatus != "":
		return c.VendorStatus
	}
	return "unknown_state"
}

// statusOf is the state the adapter must report for an order status word.
func statusOf(word string) model.CertificateStatus {
	for st, words := range orderStatusWords {
		if slices.Contains(words, word) {
			return st
		}
	}
	return model.StatusUnknown
}

// productFor returns a product name_id of level l (the adapter derives Level from it).
func productFor(product string, l model.ValidationLevel) string {
	p := strings.ToLower(strings.TrimSpace(product))
	switch l {
	case model.LevelDV:
		if strings.Contains("_"+p+"_", "_dv_") {
			return p
		}
		return "ssl_dv_geotrust"
	case model.LevelEV:
		if strings.Contains("_"+p+"_", "_ev_") {
			return p
		}
		return "ssl_ev_plus"
	case model.LevelOV:
		if strings.HasPrefix(p, "ssl_") && !strings.Contains("_"+p+"_", "_ev_") && !strings.Contains("_"+p+"_", "_dv_") {
			return p
		}
		return "ssl_plus"
	}
	return ""
}

func day(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

func sec(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// methodWords are CertCentral's dcv_method words for the challenge types it offers.
var methodWords = map[model.ChallengeType]string{
	model.ChallengeDNSTXT:   "dns-txt-token",
	model.ChallengeDNSCNAME: "dns-cname-token",
	model.ChallengeHTTPFile: "http-token",
	model.ChallengeEmail:    "email",
}

// methodWord is the dcv_method word for t, "" for a type CertCentral does not offer.
func methodWord(t model.ChallengeType) string { return methodWords[t] }

// methodType is the challenge type of a dcv_method word, "" for an unknown word.
func methodType(w string) model.ChallengeType {
	for t, word := range methodWords {
		if word == w {
			return t
		}
	}
	return ""
}

// levelWord is CertCentral's word for a domain validation level's state.
func levelWord(st model.ValidationStatus) string { return statusWord(st, "active") }

func levelStatus(word string, until, now time.Time) model.ValidationStatus {
	switch word {
	case "active":
		if !until.IsZero() && !now.Before(until) {
			return model.ValidationExpired
		}
		return model.ValidationValid
	case "pending":
		return model.ValidationPending
	case "expired":
		return model.ValidationExpired
	case "rejected":
		return model.ValidationFailed
	case "not_started":
		return model.ValidationNotStarted
	}
	return model.ValidationUnknown
}

// challengeWord is CertCentral's word for a name scope's DCV state in order validation.
func challengeWord(st model.ValidationStatus) string { return statusWord(st, "approved") }

// statusWord is CertCentral's word for st, with valid (its word differs between
// validation levels and order name scopes) for ValidationValid.
func statusWord(st model.ValidationStatus, valid string) string {
	switch st {
	case model.ValidationValid:
		return valid
	case model.ValidationPending:
		return "pending"
	case model.ValidationExpired:
		return "expired"
	case model.ValidationFailed:
		return "rejected"
	case model.ValidationNotStarted:
		return "not_started"
	}
	return "under_review"
}

func errorJSON(status int, message string) []byte {
	code, msg := "server_error", "Internal server error"
	switch status {
	case http.StatusTooManyRequests:
		code, msg = "request_limit_exceeded", "Service unavailable, please limit request volume"
	case http.StatusServiceUnavailable:
		code, msg = "service_unavailable", "The service is down for maintenance"
	}
	if message != "" {
		msg = message
	}
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	return b
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02")
}

func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05+00:00")
}

// mountain is the zone of date-only DCV expirations.
var mountain = func() *time.Location {
	loc, err := time.LoadLocation("America/Denver")
	if err != nil {
		return time.FixedZone("MST", -7*3600)
	}
	return loc
}()

// expirationDate renders a dcv_expiration value: a UTC timestamp with
// include_dcv_expiration_time, else a date in Mountain Time.
func expirationDate(t time.Time, withTime bool) any {
	if withTime {
		return stamp(t)
	}
	return t.In(mountain).Format("2006-01-02")
}
