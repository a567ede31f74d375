package anyca

import (
	"context"

	"github.com/anyca/anyca/digicert"
)

// newDigiCert builds the "digicert" provider from cfg: key, region ("us" or "eu"), base
// URL, HTTP client, retry settings and logger carry over as they are, and the ordering
// settings of cfg.DigiCert.
func newDigiCert(_ context.Context, cfg Config) (Provider, error) {
	dc := digicert.Config{APIKey: cfg.APIKey, Region: cfg.Region, BaseURL: cfg.BaseURL,
		HTTPClient: cfg.HTTPClient, Retry: cfg.Retry, Logger: cfg.Logger}
	if s := cfg.DigiCert; s != nil {
		dc.Product, dc.OrganizationID, dc.PaymentMethod = s.Product, s.OrganizationID, s.PaymentMethod
		dc.SkipApproval, dc.ApproveRequests = s.SkipApproval, s.ApproveRequests
	}
	return asProvider(digicert.New(dc))
}
