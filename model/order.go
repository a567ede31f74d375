package model

import (
	"time"
)

// OrderRequest asks a CA for a new certificate (Orderer.Order). Adapters check it with
// CheckOrder before any request.
type OrderRequest struct {
	// Names are the DNS names to certify; the first is the common name. They are
	// normalized like every domain in anyca (lower-case punycode, no trailing dot) and
	// de-duplicated, keeping the first occurrence's position.
	Names []string `json:"names"`
	// CSR is a PKCS#10 certificate request, PEM or DER. Its public key is what gets
	// certified; its names (common name included, compared as normalized sets) must be
	// exactly Names.
	CSR []byte `json:"-"`
	// Validity is how long the certificate should be valid: 0 takes the CA's default;
	// otherwise the adapter asks for the longest validity the CA sells that is not longer.
	Validity time.Duration `json:"validity,omitempty"`
	// Method is the DCV method; "" takes the CA's default.
	Method ChallengeType `json:"method,omitempty"`
	// Product is in the CA's vocabulary: a DigiCert product id ("ssl_basic"), an ACME
	// profile ("shortlived"); "" takes the adapter's default.
	Product string `json:"product,omitempty"`
	// Replaces is the ID of the certificate this one renews (DigiCert
	// renewal_of_order_id, ZeroSSL replacement_for_certificate, ACME ARI "replaces").
	Replaces string `json:"replaces,omitempty"`
}

// RevocationReason is why a certificate is revoked. Each adapter maps it to its CA's
// exact spelling; a reason the CA does not accept is ErrInvalidArgument before any
// request.
type RevocationReason string

// The revocation reasons anyca offers: those of RFC 5280 that subscribers may use.
const (
	ReasonUnspecified          RevocationReason = "unspecified"
	ReasonKeyCompromise        RevocationReason = "key_compromise"
	ReasonAffiliationChanged   RevocationReason = "affiliation_changed"
	ReasonSuperseded           RevocationReason = "superseded"
	ReasonCessationOfOperation RevocationReason = "cessation_of_operation"
)

// RevocationReasons lists every RevocationReason, in RFC 5280 code order.
func RevocationReasons() []RevocationReason {
	return []RevocationReason{ReasonUnspecified, ReasonKeyCompromise, ReasonAffiliationChanged,
		ReasonSuperseded, ReasonCessationOfOperation}
}

// Code returns the reason's RFC 5280 CRLReason code (0, 1, 3, 4 or 5), and false for a
// reason that is not one of RevocationReasons. The empty reason is ReasonUnspecified.
func (r RevocationReason) Code() (int, bool) {
	switch r {
	case ReasonUnspecified, "":
		return 0, true
	case ReasonKeyCompromise:
		return 1, true
	case ReasonAffiliationChanged:
		return 3, true
	case ReasonSuperseded:
		return 4, true
	case ReasonCessationOfOperation:
		return 5, true
	}
	return 0, false
}

// RenewalWindow is when a certificate should be renewed: at a moment chosen in
// [Start, End).
type RenewalWindow struct {
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	ExplanationURL string    `json:"explanation_url,omitempty"` // from the CA, when it gives one
	FromCA         bool      `json:"from_ca"`                   // the CA's advice (ACME ARI), not a computation
	// NextCheck is when the CA asks to be asked again (ARI's Retry-After, as the adapter
	// bounds it); zero when the window is a computation.
	NextCheck time.Time `json:"next_check,omitzero"`
}

// Open reports whether now is at or past the window's start: the time to renew has come
// (a window whose end has passed is still open: renewal is overdue).
func (w *RenewalWindow) Open(now time.Time) bool {
	return !w.Start.IsZero() && !now.Before(w.Start)
}

// LifetimeRenewalWindow is the window used when the CA gives no advice: the last third
// of the certificate's own lifetime, from NotBefore to NotAfter, so that a 6-day
// certificate is renewed 2 days before expiry and a 90-day one 30 days before. It
// returns false when either date is missing or NotAfter is not after NotBefore.
func LifetimeRenewalWindow(c *Certificate) (RenewalWindow, bool) {
	if c == nil || c.NotBefore.IsZero() || c.NotAfter.IsZero() || !c.NotAfter.After(c.NotBefore) {
		return RenewalWindow{}, false
	}
	life := c.NotAfter.Sub(c.NotBefore)
	return RenewalWindow{Start: c.NotAfter.Add(-life / 3), End: c.NotAfter}, true
}
