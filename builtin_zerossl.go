package anyca

import (
	"context"

	"github.com/anyca/anyca/zerossl"
)

// newZeroSSL builds the "zerossl" provider from cfg: key, base URL, region (must be
// empty: ZeroSSL has one), HTTP client, retry settings and logger carry over as they are.
func newZeroSSL(_ context.Context, cfg Config) (Provider, error) {
	return asProvider(zerossl.New(zerossl.Config{APIKey: cfg.APIKey, BaseURL: cfg.BaseURL, Region: cfg.Region,
		HTTPClient: cfg.HTTPClient, Retry: cfg.Retry, Logger: cfg.Logger}))
}
