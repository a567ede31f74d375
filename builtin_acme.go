package anyca

import (
	"context"

	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
)

// acmeCAs are the ACME providers: each name's directory (BaseURL replaces it), whether
// the CA requires an external account binding, and where its EAB comes from.
var acmeCAs = map[string]struct {
	directory  string
	requireEAB bool
	eabURL     string
}{
	acme.Name:             {},
	"letsencrypt":         {directory: acme.LetsEncrypt},
	"letsencrypt-staging": {directory: acme.LetsEncryptStaging},
	"zerossl-acme":        {directory: acme.ZeroSSL, requireEAB: true, eabURL: acme.ZeroSSLEABURL},
	"google":              {directory: acme.Google, requireEAB: true},
	"google-staging":      {directory: acme.GoogleStaging, requireEAB: true},
}

// newACME builds an ACME provider from cfg: cfg.ACME is the account, BaseURL the
// directory ("acme" needs it), APIKey ZeroSSL's REST key for zerossl-acme's EAB.
func newACME(_ context.Context, cfg Config) (Provider, error) {
	ca := acmeCAs[cfg.Provider]
	if cfg.ACME == nil {
		return nil, model.NewError(cfg.Provider, "New", model.ErrInvalidArgument, "an ACME provider needs the account (Config.ACME, \"acme\" in a config file)")
	}
	if cfg.Region != "" {
		return nil, model.NewError(cfg.Provider, "New", model.ErrInvalidArgument, "ACME CAs have no regions")
	}
	dir := ca.directory
	if cfg.BaseURL != "" {
		dir = cfg.BaseURL
	}
	a := cfg.ACME
	return asProvider(acme.New(acme.Config{Provider: cfg.Provider, DirectoryURL: dir, Key: a.Key, Email: a.Email,
		EABKeyID: a.EABKeyID, EABHMACKey: a.EABHMACKey, RequireEAB: ca.requireEAB, APIKey: cfg.APIKey, EABURL: ca.eabURL,
		AgreeTerms: a.AgreeTerms, StateDir: a.StateDir, PollInterval: a.PollInterval, HTTPClient: cfg.HTTPClient, Retry: cfg.Retry, Logger: cfg.Logger}))
}
