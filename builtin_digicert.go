package anyca

import (
	"context"

	"github.com/anyca/anyca/digicert"
)

// newDigiCert builds the "digicert" provider from cfg: key, region ("us" or "eu"), base
// URL, HTTP client, retry settings and logger carry over as they are.
func newDigiCert(_ context.Context, cfg Config) (Provider, error) {
	return asProvider(digicert.New(digicert.Config{APIKey: cfg.APIKey, Region: cfg.Region, BaseURL: cfg.BaseURL,
		HTTPClient: cfg.HTTPClient, Retry: cfg.Retry, Logger: cfg.Logger}))
}
