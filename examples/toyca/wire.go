package toyca

import (
	"fmt"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

// The documents the adapter reads, and the members that identify each: an answer
// without them is not the document asked for.
const (
	docCertificate = "a ToyCA certificate"
	docList        = "a ToyCA certificate list"
	docChallenges  = "a ToyCA challenge list"
	docDomain      = "a ToyCA domain"
)

var idFields = map[string][]string{
	docCertificate: {"id"}, docList: {"certificates", "total"}, docChallenges: {"challenges"}, docDomain: {"domain"},
}

// wireError is ToyCA's error body.
type wireError struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// wireCertificate is a ToyCA certificate, exactly as sent.
type wireCertificate struct {
	ID        *string    `json:"id"`
	CN        string     `json:"cn"`
	Names     []string   `json:"names"`
	State     string     `json:"state"`
	Level     string     `json:"level"`
	Product   string     `json:"product"`
	Created   time.Time  `json:"created"`
	NotBefore *time.Time `json:"not_before"`
	NotAfter  *time.Time `json:"not_after"`
	Serial    string     `json:"serial"`
	SHA1      string     `json:"sha1"`
	Replaces  string     `json:"replaces"`
}

func (w *wireCertificate) present() bool { return w.ID != nil }

// wireList is one page of GET /certificates.
type wireList struct {
	Certificates *[]wireCertificate `json:"certificates"`
	Total        *int64             `json:"total"`
}

func (w *wireList) present() bool { return w.Certificates != nil && w.Total != nil }

// wireChallenge is one thing to publish; its words are model's.
type wireChallenge struct {
	Domain  string     `json:"domain"`
	Type    string     `json:"type"`
	Name    string     `json:"record_name"`
	Value   string     `json:"record_value"`
	URL     string     `json:"url"`
	Content string     `json:"content"`
	Emails  []string   `json:"emails"`
	Token   string     `json:"token"`
	Status  string     `json:"status"`
	Expires *time.Time `json:"expires"`
	Problem string     `json:"problem"`
}

type wireChallenges struct {
	Challenges *[]wireChallenge `json:"challenges"`
}

func (w *wireChallenges) present() bool { return w.Challenges != nil }

// wireDomain is ToyCA's record of a domain.
type wireDomain struct {
	ID     string  `json:"id"`
	Domain *string `json:"domain"`
	Status string  `json:"status"`
	Method string  `json:"method"`
	Levels []struct {
		Level      string     `json:"level"`
		Status     string     `json:"status"`
		ValidUntil *time.Time `json:"valid_until"`
	} `json:"levels"`
	Validated  *time.Time      `json:"validated"`
	Challenges []wireChallenge `json:"challenges"`
}

func (w *wireDomain) present() bool { return w.Domain != nil }

// states maps ToyCA's certificate states to model's.
var states = map[string]model.CertificateStatus{
	"active": model.StatusIssued, "waiting": model.StatusPending, "draft": model.StatusDraft,
	"revoked": model.StatusRevoked, "cancelled": model.StatusCancelled, "expired": model.StatusExpired,
}

// StatusWord returns ToyCA's word for st, "" for a state ToyCA never reports.
func StatusWord(st model.CertificateStatus) string {
	for w, s := range states {
		if s == st {
			return w
		}
	}
	return ""
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

func validation(w string) model.ValidationStatus {
	if st := model.ValidationStatus(w); st.Valid() {
		return st
	}
	return model.ValidationUnknown
}

func level(w string) model.ValidationLevel {
	switch l := model.ValidationLevel(w); l {
	case model.LevelDV, model.LevelOV, model.LevelEV:
		return l
	}
	return ""
}

// model maps a certificate; one without an id is an error.
func (w *wireCertificate) model() (*model.Certificate, error) {
	id := deref(w.ID)
	if id == "" {
		return nil, fmt.Errorf("toyca: a certificate without an id")
	}
	cn, _ := model.NormalizeDomain(w.CN)
	st, ok := states[w.State]
	if !ok {
		st = model.StatusUnknown
	}
	return &model.Certificate{Provider: Name, ID: id, CommonName: cn,
		DNSNames: model.NormalizeDomains(append([]string{cn}, w.Names...)), Status: st, VendorStatus: w.State,
		Level: level(w.Level), Product: w.Product, SerialNumber: model.NormalizeHex(w.Serial),
		FingerprintSHA1: model.NormalizeHex(w.SHA1), CreatedAt: w.Created.UTC(), NotBefore: utc(w.NotBefore),
		NotAfter: utc(w.NotAfter), ReplacesID: w.Replaces}, nil
}

// model maps a domain record: ToyCA keeps one per domain, so ID is its DomainID.
func (w *wireDomain) model() (*model.DomainValidation, error) {
	name, err := model.NormalizeDomain(deref(w.Domain))
	if err != nil || w.ID == "" {
		return nil, fmt.Errorf("toyca: a domain without a name or an id (%q)", deref(w.Domain))
	}
	chs, err := mapChallenges(w.Challenges)
	if err != nil {
		return nil, err
	}
	dv := &model.DomainValidation{Provider: Name, Domain: name, ID: w.ID, DomainID: w.ID,
		Status: validation(w.Status), Method: challengeType(w.Method), ValidatedAt: utc(w.Validated), Challenges: chs}
	for _, l := range w.Levels {
		dv.Levels = append(dv.Levels, model.LevelValidation{Level: level(l.Level), Status: validation(l.Status),
			ValidUntil: utc(l.ValidUntil)})
	}
	return dv, nil
}

func challengeType(w string) model.ChallengeType {
	for _, t := range model.ChallengeTypes() {
		if string(t) == w {
			return t
		}
	}
	return ""
}

// mapChallenges maps challenges; one of a type model does not know is an error.
func mapChallenges(ws []wireChallenge) ([]model.Challenge, error) {
	var out []model.Challenge
	for _, w := range ws {
		name, err := model.NormalizeDomain(w.Domain)
		typ := challengeType(w.Type)
		if err != nil || typ == "" {
			return nil, fmt.Errorf("toyca: a challenge for %q of type %q", w.Domain, w.Type)
		}
		out = append(out, model.Challenge{Domain: name, Type: typ, RecordName: w.Name, RecordValue: w.Value,
			URL: w.URL, Content: w.Content, Emails: w.Emails, Token: w.Token, Status: validation(w.Status),
			ExpiresAt: utc(w.Expires), Problem: w.Problem})
	}
	return out, nil
}
