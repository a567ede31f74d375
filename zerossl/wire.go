package zerossl

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/anyca/anyca/internal/wire"
)

// Wire types: ZeroSSL's JSON exactly as it arrives, tolerant of its known quirks (numbers
// sent as strings and back, 1/true/"1" booleans, nulls, PHP's [] for an empty object).
// Unknown fields are ignored by encoding/json; a field of an impossible type is a decode
// error, which the client reports as a malformed response.

// wireEnvelope is read from every 2xx body before the payload, to find HTTP-200 errors.
type wireEnvelope struct {
	Success json.RawMessage `json:"success"`
	Error   json.RawMessage `json:"error"`
}

// wireError is ZeroSSL's error object.
type wireError struct {
	Code    flexString      `json:"code"`
	Type    flexString      `json:"type"`
	Info    flexString      `json:"info"`
	Message flexString      `json:"message"`
	Details json.RawMessage `json:"details"`
}

// wireSummary is a certificate object without its "validation" member: all a lookup
// (Certificate) and the certificate listing map, so they never decode or keep it.
type wireSummary struct {
	ID                string     `json:"id"`
	Type              flexString `json:"type"`
	CommonName        string     `json:"common_name"`
	AdditionalDomains string     `json:"additional_domains"`
	Created           string     `json:"created"`
	Expires           string     `json:"expires"`
	Status            string     `json:"status"`
	ValidationType    string     `json:"validation_type"`
	ValidationEmails  string     `json:"validation_emails"`
	ReplacementFor    string     `json:"replacement_for"`
	FingerprintSHA1   string     `json:"fingerprint_sha1"`
}

// wireCertificate is one whole certificate object (GET /certificates/{id}, list results),
// for the calls that read its validation (Challenges, DomainValidation, Domains, Verify,
// Download).
type wireCertificate struct {
	wireSummary
	Validation lazyValidation `json:"validation"`
}

// lazyValidation is a certificate's "validation" object kept as it arrived and decoded
// only when asked for: lookups and listings never need it (only Challenges,
// DomainValidation and Verify do), and it is the bulk of a certificate's allocations.
type lazyValidation struct {
	raw  json.RawMessage
	v    *wireValidation
	err  error
	done bool
}

// UnmarshalJSON keeps the raw value of an object (or PHP's [] for an empty one); null is
// no validation object, and any other type is an error now, not when the object is read.
func (l *lazyValidation) UnmarshalJSON(b []byte) error {
	*l = lazyValidation{}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
	case b[0] == '{' || b[0] == '[':
		l.raw = append(json.RawMessage(nil), b...)
	default:
		return fmt.Errorf("expected an object, got %s", wire.Kind(b))
	}
	return nil
}

// get decodes the validation object once: nil without one, an error for one of an
// impossible type.
func (l *lazyValidation) get() (*wireValidation, error) {
	if !l.done {
		l.done = true
		if l.raw != nil {
			var v wireValidation
			if err := json.Unmarshal(l.raw, &v); err != nil {
				l.err = fmt.Errorf(`"validation": %w`, err)
			} else {
				l.v = &v
			}
		}
	}
	return l.v, l.err
}

// wireValidation is a certificate's "validation" object.
type wireValidation struct {
	EmailValidation phpMap[[]string]        `json:"email_validation"`
	OtherMethods    phpMap[wireOtherMethod] `json:"other_methods"`
}

// wireOtherMethod is validation.other_methods[domain]; any key may be missing.
type wireOtherMethod struct {
	FileURLHTTP  string   `json:"file_validation_url_http"`
	FileURLHTTPS string   `json:"file_validation_url_https"`
	FileContent  []string `json:"file_validation_content"`
	CNAMEName    string   `json:"cname_validation_p1"`
	CNAMETarget  string   `json:"cname_validation_p2"`
}

// wireListOf is the GET /certificates answer with its results read as W (wireSummary or
// wireCertificate).
type wireListOf[W any] struct {
	TotalCount  wire.Int `json:"total_count"`
	ResultCount wire.Int `json:"result_count"`
	Page        wire.Int `json:"page"`
	Limit       wire.Int `json:"limit"`
	Results     []W      `json:"results"`
}

// wireList is the GET /certificates answer with whole certificate objects.
type wireList = wireListOf[wireCertificate]

// wireStatus is the GET /certificates/{id}/status answer.
type wireStatus struct {
	ValidationCompleted wire.Bool                `json:"validation_completed"`
	Details             phpMap[wireStatusDetail] `json:"details"`
}

// wireStatusDetail is the per-domain entry of wireStatus.
type wireStatusDetail struct {
	Method flexString `json:"method"`
	Status flexString `json:"status"`
}

// flexString accepts a JSON string, number or boolean (kept as written) or null ("").
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *flexString) UnmarshalJSON(b []byte) error {
	text, err := wire.ScalarString(b)
	*s = flexString(text)
	return err
}

// phpMap is a JSON object keyed by string that also accepts [] and null as empty: PHP
// encodes an empty associative array as [].
type phpMap[V any] map[string]V

// UnmarshalJSON implements json.Unmarshaler.
func (m *phpMap[V]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*m = nil
		return nil
	}
	if b[0] == '[' {
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil {
			return err
		}
		if len(arr) != 0 {
			return fmt.Errorf("expected an object, got a non-empty array")
		}
		*m = nil
		return nil
	}
	if b[0] != '{' {
		return fmt.Errorf("expected an object, got %s", wire.Kind(b))
	}
	var v map[string]V
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = v
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
