package model

import (
	"slices"
	"time"
)

// CertificateStatus is the normalized life-cycle state of a certificate or order.
type CertificateStatus string

// The normalized certificate states. A vendor word that maps to none of them is
// StatusUnknown; the vendor's word is always kept in Certificate.VendorStatus.
const (
	StatusDraft     CertificateStatus = "draft"     // created, validation not yet started
	StatusPending   CertificateStatus = "pending"   // waiting for validation or approval
	StatusIssued    CertificateStatus = "issued"    // issued and not revoked (may be past NotAfter: see IsExpired)
	StatusRevoked   CertificateStatus = "revoked"   // revoked by the CA or the holder
	StatusCancelled CertificateStatus = "cancelled" // withdrawn before issuance
	StatusRejected  CertificateStatus = "rejected"  // refused by the CA or an approver
	StatusExpired   CertificateStatus = "expired"   // reported expired by the CA
	StatusUnknown   CertificateStatus = "unknown"   // a vendor word anyca does not know
)

// CertificateStatuses lists every normalized certificate status, in life-cycle order.
func CertificateStatuses() []CertificateStatus {
	return []CertificateStatus{StatusDraft, StatusPending, StatusIssued, StatusRevoked,
		StatusCancelled, StatusRejected, StatusExpired, StatusUnknown}
}

// Valid reports whether s is one of the normalized certificate statuses.
func (s CertificateStatus) Valid() bool { return slices.Contains(CertificateStatuses(), s) }

// ValidationLevel is the certificate's (or a domain validation's) assurance level.
type ValidationLevel string

// The validation levels; the empty level means the CA did not say.
const (
	LevelDV ValidationLevel = "dv"
	LevelOV ValidationLevel = "ov"
	LevelEV ValidationLevel = "ev"
)

// Certificate is one certificate (for DigiCert: one order) as the CA reports it.
type Certificate struct {
	Provider        string            `json:"provider"`
	ID              string            `json:"id"`
	CommonName      string            `json:"common_name"`
	DNSNames        []string          `json:"dns_names"` // every name on the certificate, common name first, deduplicated
	Status          CertificateStatus `json:"status"`
	VendorStatus    string            `json:"vendor_status"`
	Level           ValidationLevel   `json:"level,omitempty"`
	Product         string            `json:"product,omitempty"`
	SerialNumber    string            `json:"serial_number,omitempty"`    // lower-case hex, no colons
	FingerprintSHA1 string            `json:"fingerprint_sha1,omitempty"` // lower-case hex
	CreatedAt       time.Time         `json:"created_at"`
	NotBefore       time.Time         `json:"not_before"`
	NotAfter        time.Time         `json:"not_after"`
	ReplacesID      string            `json:"replaces_id,omitempty"` // the certificate this one renews or replaces
	// Account is the name of the configured account the value came from, set by a fleet
	// of accounts; "" for a single provider.
	Account string `json:"account,omitempty"`
}

// IsExpired reports whether the certificate is past its NotAfter at now, or the CA says it
// expired. A certificate without NotAfter is never expired by date.
func (c *Certificate) IsExpired(now time.Time) bool {
	if c.Status == StatusExpired {
		return true
	}
	return !c.NotAfter.IsZero() && !now.Before(c.NotAfter)
}

// ExpiresWithin reports whether the certificate is issued, not yet expired at now, and
// expires before now+d: the question "what must be renewed soon".
func (c *Certificate) ExpiresWithin(now time.Time, d time.Duration) bool {
	return c.Status == StatusIssued && !c.NotAfter.IsZero() && now.Before(c.NotAfter) && c.NotAfter.Before(now.Add(d))
}

// CertificateQuery selects certificates to list. The zero value lists every certificate.
type CertificateQuery struct {
	// Status keeps certificates in any of these states; empty means all states.
	// A state the CA never reports matches nothing rather than failing.
	Status []CertificateStatus `json:"status,omitempty"`
	// Search is matched by the CA against names on the certificate (common name or SANs).
	// CAs differ in how loosely they match; adapters never widen it.
	Search string `json:"search,omitempty"`
	// PageSize is the number of items asked for per request; 0 takes the adapter's default,
	// values above the CA's maximum are lowered to it.
	PageSize int `json:"page_size,omitempty"`
}

// DomainQuery selects domains to list. The zero value lists every domain.
type DomainQuery struct {
	Search   string `json:"search,omitempty"`    // substring of the domain name
	PageSize int    `json:"page_size,omitempty"` // as in CertificateQuery
}
