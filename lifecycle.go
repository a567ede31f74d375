package anyca

import (
	"context"
	"errors"
	"time"

	"github.com/anyca/anyca/internal/orderfind"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Orderer is implemented by providers that can ask the CA for a new certificate.
type Orderer interface {
	// Order asks the CA for a certificate for req.Names, certifying req.CSR's key, and
	// returns the order as a Certificate whose ID works at once with Certificate,
	// Challenges, Verify, WaitValidated and Download. The request is checked with
	// model.CheckOrder first: a mistake is model.ErrInvalidArgument with no request.
	//
	// The create request reaches the CA at most once: it is never retried after it may
	// have been received. When its outcome is unknown (the connection was lost after
	// sending, a 5xx, a timeout), Order returns model.ErrUnavailable with code
	// OrderOutcomeUnknown, and FindOrder finds the order if it was made. Order never
	// sends the create request twice, so a paid certificate is never bought twice by
	// the library.
	Order(ctx context.Context, req model.OrderRequest) (*model.Certificate, error)
}

// Revoker is implemented by providers that can revoke an issued certificate.
type Revoker interface {
	// Revoke revokes certificateID for reason, mapped to the CA's exact spelling (a
	// reason the CA does not take is model.ErrInvalidArgument, before any request).
	// Revoking a certificate the CA already reports revoked is done, not an error. A
	// revocation that waits for an approver is never reported as done: it is
	// model.ErrFailedPrecondition with code ApprovalRequired and the request id in the
	// message, unless the adapter's Config lets it approve.
	Revoke(ctx context.Context, certificateID string, reason model.RevocationReason) error
}

// Canceller is implemented by providers that can withdraw an order not issued yet.
type Canceller interface {
	// Cancel withdraws certificateID. Cancelling an order the CA already reports
	// cancelled is done, not an error; an issued certificate is
	// model.ErrFailedPrecondition (revoke it instead).
	Cancel(ctx context.Context, certificateID string) error
}

// RenewalAdvisor is implemented by providers whose CA advises when to renew (ACME
// renewal information, RFC 9773).
type RenewalAdvisor interface {
	// RenewalInfo returns the CA's suggested renewal window for certificateID, with
	// FromCA set.
	RenewalInfo(ctx context.Context, certificateID string) (*model.RenewalWindow, error)
}

// OrderFinder is implemented by providers that find an order faster or more surely than
// FindOrder's listing (from the CA's orders list or the orders the adapter placed).
type OrderFinder interface {
	// FindOrder has the contract of the package function FindOrder.
	FindOrder(ctx context.Context, req model.OrderRequest, since time.Time) (*model.Certificate, error)
}

// Codes of the lifecycle's *model.Error values, in Error.Code.
const (
	// OrderOutcomeUnknown: the create request may have reached the CA, and its answer was
	// lost. Call FindOrder, never Order again, to learn whether the order exists.
	// It is retry.OutcomeUnknown, the code the kit's at-most-once requests end with.
	OrderOutcomeUnknown = retry.OutcomeUnknown
	// ApprovalRequired: the CA made a request that an approver must accept; nothing is
	// revoked or ordered until then. The message names the request.
	ApprovalRequired = "approval_required"
)

// FindOrderSlack is how much earlier than since FindOrder accepts a creation time: CAs
// report whole seconds.
const FindOrderSlack = orderfind.Slack

// FindOrderScanLimit bounds the certificates FindOrder reads from a listing.
const FindOrderScanLimit = orderfind.ScanLimit

// Order calls p's Order after checking req with model.CheckOrder, so that a mistake in
// the request costs no request with any provider. A provider that cannot order is
// model.ErrUnsupported.
func Order(ctx context.Context, p Provider, req model.OrderRequest) (*model.Certificate, error) {
	o, ok := p.(Orderer)
	if !ok {
		return nil, model.NewError(p.Name(), "Order", model.ErrUnsupported, "ordering certificates is not supported by this provider")
	}
	checked, err := model.CheckOrder(p.Name(), req)
	if err != nil {
		return nil, err
	}
	return o.Order(ctx, checked.Request)
}

// Revoke calls p's Revoke when p is a Revoker; otherwise it returns
// model.ErrUnsupported without a request.
func Revoke(ctx context.Context, p Provider, certificateID string, reason model.RevocationReason) error {
	if r, ok := p.(Revoker); ok {
		return r.Revoke(ctx, certificateID, reason)
	}
	return model.NewError(p.Name(), "Revoke", model.ErrUnsupported, "revoking certificates is not supported by this provider")
}

// Cancel calls p's Cancel when p is a Canceller; otherwise it returns
// model.ErrUnsupported without a request.
func Cancel(ctx context.Context, p Provider, certificateID string) error {
	if c, ok := p.(Canceller); ok {
		return c.Cancel(ctx, certificateID)
	}
	return model.NewError(p.Name(), "Cancel", model.ErrUnsupported, "cancelling orders is not supported by this provider")
}

// FindOrder finds the order that an Order call for req made at or after since, after
// that call returned an error with code OrderOutcomeUnknown. It returns the newest
// certificate whose names equal req's (compared as normalized sets) and whose creation
// time is at or after since minus FindOrderSlack, or model.ErrNotFound when there is
// none. A provider that is an OrderFinder answers itself; otherwise FindOrder reads the
// provider's listing, searched by req's first name, at most FindOrderScanLimit
// certificates.
func FindOrder(ctx context.Context, p Provider, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	if f, ok := p.(OrderFinder); ok {
		return f.FindOrder(ctx, req, since)
	}
	want, err := orderfind.Names(p.Name(), "FindOrder", req.Names)
	if err != nil {
		return nil, err
	}
	return orderfind.Scan(p.Name(), p.Certificates(ctx, model.CertificateQuery{Search: want[0]}), want, since, false)
}

// OrderMatches reports whether c is an order for exactly the names want (normalized, as
// model.CheckOrder leaves them) created at or after since minus FindOrderSlack. It is
// the test FindOrder applies, for adapters that implement OrderFinder.
func OrderMatches(c *model.Certificate, want []string, since time.Time) bool {
	return orderfind.Matches(c, want, since)
}

// RenewalWindow returns when c should be renewed: the CA's advice when p is a
// RenewalAdvisor (FromCA set), else the last third of c's own lifetime
// (model.LifetimeRenewalWindow), so that a 6-day certificate is not told to wait for
// "30 days before expiry"; when the CA gives no NotBefore, the lifetime is counted from
// CreatedAt (earlier, so the window opens no later). A certificate without a NotAfter
// and a start (not issued yet) is model.ErrFailedPrecondition. An advisor's error other than model.ErrUnsupported is
// returned as is: a CA that should advise and cannot is not silently replaced by a
// computation.
func RenewalWindow(ctx context.Context, p Provider, c *model.Certificate) (*model.RenewalWindow, error) {
	if c == nil {
		return nil, model.NewError(p.Name(), "RenewalWindow", model.ErrInvalidArgument, "no certificate given")
	}
	if a, ok := p.(RenewalAdvisor); ok {
		w, err := a.RenewalInfo(ctx, c.ID)
		if err == nil {
			return w, nil
		}
		if !errors.Is(err, model.ErrUnsupported) {
			return nil, err
		}
	}
	life := *c
	if life.NotBefore.IsZero() {
		// CAs that give no start date (ZeroSSL): the creation time, never after it, so
		// the window computed opens no later than the true last third.
		life.NotBefore = life.CreatedAt
	}
	w, ok := model.LifetimeRenewalWindow(&life)
	if !ok {
		return nil, model.NewError(p.Name(), "RenewalWindow", model.ErrFailedPrecondition,
			"certificate %s has no validity dates to compute a renewal window from (is it issued?)", c.ID)
	}
	return &w, nil
}
