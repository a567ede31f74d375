package model

import (
	"slices"
	"time"
)

// ValidationStatus is the normalized state of a domain validation or a DCV challenge.
type ValidationStatus string

// The normalized validation states.
const (
	ValidationValid      ValidationStatus = "valid"       // validated and still reusable
	ValidationPending    ValidationStatus = "pending"     // DCV started, waiting for proof or the CA's check
	ValidationExpired    ValidationStatus = "expired"     // was valid, reuse period over
	ValidationNotStarted ValidationStatus = "not_started" // nothing done yet
	ValidationFailed     ValidationStatus = "failed"      // the CA checked and refused
	ValidationUnknown    ValidationStatus = "unknown"     // a vendor word anyca does not know
)

// ValidationStatuses lists every normalized validation status.
func ValidationStatuses() []ValidationStatus {
	return []ValidationStatus{ValidationValid, ValidationPending, ValidationExpired,
		ValidationNotStarted, ValidationFailed, ValidationUnknown}
}

// Valid reports whether s is one of the normalized validation statuses.
func (s ValidationStatus) Valid() bool { return slices.Contains(ValidationStatuses(), s) }

// ChallengeType is a domain-control-validation method.
type ChallengeType string

// The DCV methods anyca normalizes.
const (
	ChallengeDNSTXT    ChallengeType = "dns-txt"    // a TXT record holding a value
	ChallengeDNSCNAME  ChallengeType = "dns-cname"  // a CNAME record pointing at a CA host
	ChallengeHTTPFile  ChallengeType = "http-file"  // a file served over http on port 80
	ChallengeHTTPSFile ChallengeType = "https-file" // a file served over https on port 443
	ChallengeEmail     ChallengeType = "email"      // an approval email to one of the listed addresses
	// ChallengeTLSALPN is ACME's tls-alpn-01 (RFC 8737): a self-signed certificate served
	// on port 443 for ALPN "acme-tls/1", whose acmeIdentifier extension holds the SHA-256
	// of Content (the key authorization).
	ChallengeTLSALPN ChallengeType = "tls-alpn"
	// ChallengeDNSAccount is ACME's dns-account-01: a TXT record at an account-specific
	// label (RecordName) holding RecordValue.
	ChallengeDNSAccount ChallengeType = "dns-account"
	// ChallengeDNSPersist is ACME's dns-persist-01: a lasting TXT record at
	// _validation-persist.<domain> naming the CA and the account (RecordValue).
	ChallengeDNSPersist ChallengeType = "dns-persist"
)

// ChallengeTypes lists every normalized challenge type.
func ChallengeTypes() []ChallengeType {
	return []ChallengeType{ChallengeDNSTXT, ChallengeDNSCNAME, ChallengeHTTPFile, ChallengeHTTPSFile, ChallengeEmail,
		ChallengeTLSALPN, ChallengeDNSAccount, ChallengeDNSPersist}
}

// DomainValidation is what the CA knows about one domain's validation.
type DomainValidation struct {
	Provider string `json:"provider"`
	Domain   string `json:"domain"`
	// ID identifies the record the state was read from, with one meaning on every CA:
	// DomainID when the CA keeps a record of the domain (DigiCert), else CertificateID
	// (ZeroSSL). It is never empty in a value an adapter returns.
	ID string `json:"id"`
	// DomainID is the CA's own record of the domain, "" where the CA has none (ZeroSSL).
	DomainID string `json:"domain_id,omitempty"`
	// CertificateID is the certificate or order the state was read from, "" where the
	// state is the domain's own (DigiCert): Provider.Challenges(ctx, CertificateID) works
	// whenever it is set.
	CertificateID string `json:"certificate_id,omitempty"`
	// Account is the name of the configured account the value came from, set by a fleet
	// of accounts; "" for a single provider.
	Account      string            `json:"account,omitempty"`
	Status       ValidationStatus  `json:"status"`
	VendorStatus string            `json:"vendor_status,omitempty"`
	Method       ChallengeType     `json:"method,omitempty"` // the DCV method chosen, "" if none
	VendorMethod string            `json:"vendor_method,omitempty"`
	Levels       []LevelValidation `json:"levels,omitempty"` // per level, in dv, ov, ev order
	ValidatedAt  time.Time         `json:"validated_at"`
	Challenges   []Challenge       `json:"challenges,omitempty"`
}

// ValidUntil returns the latest ValidUntil among the levels that are valid, or zero.
func (d *DomainValidation) ValidUntil() time.Time {
	var t time.Time
	for _, l := range d.Levels {
		if l.Status == ValidationValid && l.ValidUntil.After(t) {
			t = l.ValidUntil
		}
	}
	return t
}

// LevelValidation is the validation state of a domain for one assurance level.
type LevelValidation struct {
	Level        ValidationLevel  `json:"level"`
	Status       ValidationStatus `json:"status"`
	VendorStatus string           `json:"vendor_status,omitempty"`
	ValidUntil   time.Time        `json:"valid_until"`
}

// Challenge is one thing to publish to prove control of a domain. Only the fields of its
// Type are set: RecordName and RecordValue for DNS, URL and Content for files, Emails for
// email.
type Challenge struct {
	Domain      string           `json:"domain"`
	Type        ChallengeType    `json:"type"`
	RecordName  string           `json:"record_name,omitempty"`  // DNS: fully qualified name to create
	RecordValue string           `json:"record_value,omitempty"` // DNS: TXT value or CNAME target
	URL         string           `json:"url,omitempty"`          // file: where the file must be served
	Content     string           `json:"content,omitempty"`      // file: the exact body
	Emails      []string         `json:"emails,omitempty"`       // email: the addresses the CA writes to
	Token       string           `json:"token,omitempty"`        // the CA's raw token or random value
	Status      ValidationStatus `json:"status"`
	ExpiresAt   time.Time        `json:"expires_at"`
	// Problem is the CA's reason for the last failed check, with the values it found
	// (for example "CNAME found: _dnsauth.example.com -> old.example.net; expected
	// x.dcv.digicert.com"); "" when no check failed.
	Problem string `json:"problem,omitempty"`
}
