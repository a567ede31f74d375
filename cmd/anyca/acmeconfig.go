package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/anyca/anyca"
)

// ACME in the single-account configuration: the account comes from the config file's
// "acme" object (no API key is needed), and a CA served with a certificate from a
// private root (anyca sim's Pebble) is trusted through ANYCA_CA_ROOTS.

// envCARoots names a PEM file of roots trusted, beside the system's, for the CA's API.
const envCARoots = "ANYCA_CA_ROOTS"

// maxRootsFile caps what is read of the ANYCA_CA_ROOTS file.
const maxRootsFile = 1 << 20

// acmeProviders are the registered ACME provider names: they take an account, not an
// API key (zerossl-acme's optional API key fetches its EAB).
var acmeProviders = []string{"acme", "letsencrypt", "letsencrypt-staging", "zerossl-acme", "google", "google-staging"}

// isACMEProvider reports whether name is an ACME provider.
func isACMEProvider(name string) bool { return slices.Contains(acmeProviders, strings.ToLower(name)) }

// checkACMEConfig refuses an ACME provider without its account, naming what to write.
func checkACMEConfig(cfg anyca.Config) error {
	if !isACMEProvider(cfg.Provider) || cfg.ACME != nil {
		return nil
	}
	return configErrorf("provider %s needs an ACME account: \"acme\": {\"key\": \"<PEM>\"} in the --config file, or an accounts config whose account has \"acme\": {\"key_file\": FILE} (anyca acme register --key-file FILE makes and registers a key, and prints that config)", cfg.Provider)
}

// withCARoots gives cfg an HTTP client that also trusts the roots of the ANYCA_CA_ROOTS
// file, when it is set.
func (a *app) withCARoots(cfg anyca.Config) (anyca.Config, error) {
	path := strings.TrimSpace(a.getenv(envCARoots))
	if path == "" {
		return cfg, nil
	}
	hc, err := caRootsClient(path)
	if err != nil {
		return cfg, err
	}
	cfg.HTTPClient = hc
	return cfg, nil
}

// caRootsClient returns an HTTP client that trusts the system roots and those of the PEM
// file at path.
func caRootsClient(path string) (*http.Client, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, configErrorf("%s: %v", envCARoots, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRootsFile+1))
	if err != nil {
		return nil, configErrorf("%s: %v", envCARoots, err)
	}
	if len(data) > maxRootsFile {
		return nil, configErrorf("%s %s: larger than %d bytes, not a PEM file of roots", envCARoots, path, maxRootsFile)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, configErrorf("%s %s: no PEM certificate in it", envCARoots, path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}

// acmeConfigFile is the config file of an ACME account as anyca sim writes it: an
// accounts config with the one account, named after its provider, whose key is read
// from keyFile ("key_file", relative to the config file's directory); the key itself is
// never in the config and never printed.
func acmeConfigFile(provider, directory, keyFile string, acct anyca.ACMEAccount) ([]byte, error) {
	type account struct {
		KeyFile    string `json:"key_file"`
		Email      string `json:"email,omitempty"`
		AgreeTerms bool   `json:"agree_terms,omitempty"`
		StateDir   string `json:"state_dir,omitempty"`
	}
	type entry struct {
		Name     string  `json:"name"`
		Provider string  `json:"provider"`
		BaseURL  string  `json:"base_url"`
		ACME     account `json:"acme"`
	}
	cfg := struct {
		Accounts []entry `json:"accounts"`
	}{[]entry{{strings.ToLower(provider), provider, directory, account{keyFile, acct.Email, acct.AgreeTerms, acct.StateDir}}}}
	var b bytes.Buffer
	if err := writeJSON(&b, cfg); err != nil {
		return nil, fmt.Errorf("acme config: %w", err)
	}
	return b.Bytes(), nil
}
