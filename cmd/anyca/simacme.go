package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
)

// anyca sim's ACME CA: Pebble on the simulator's world, its account's config, root and
// TLS root written to files in a temporary directory, and the lines that point this tool
// at it.

// simACME is the running ACME CA of anyca sim and the files written for it.
type simACME struct {
	ca      sim.CA
	dir     string // removed by stop
	config  string // accounts config with the one account, its key in keyFile
	keyFile string // the account key, PEM, mode 0600
	root    string // Pebble's root, which issued chains verify against
	tlsRoot string // the certificate of Pebble's API listener (ANYCA_CA_ROOTS)
	stop    func()
}

// startSimACME starts the ACME CA on world (started), seeded with sim.ACMEOrders, with
// its state in a new temporary directory, and writes its files there.
func startSimACME(ctx context.Context, world *sim.World) (*simACME, error) {
	dir, err := os.MkdirTemp("", "anyca-sim-acme-")
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s := &simACME{dir: dir, config: filepath.Join(dir, "acme.json"), keyFile: filepath.Join(dir, "acme-account.pem"), root: filepath.Join(dir, "acme-root.pem"),
		tlsRoot: filepath.Join(dir, "acme-tls.pem")}
	ca, stop, err := sim.StartACME(ctx, world, sim.ACMEOptions{StateDir: filepath.Join(dir, "state"), Seed: true})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.ca = ca
	s.stop = func() {
		stop()
		os.RemoveAll(dir)
	}
	acct := *ca.ACMEAccount()
	acct.AgreeTerms = false // registered already: the CLI only looks the account up
	cfg, err := acmeConfigFile(ca.Provider, ca.BaseURL(""), filepath.Base(s.keyFile), acct)
	if err == nil {
		err = os.WriteFile(s.keyFile, []byte(acct.Key), 0o600)
	}
	if err == nil {
		err = os.WriteFile(s.config, cfg, 0o600)
	}
	if err == nil {
		err = os.WriteFile(s.root, ca.RootPEM, 0o644)
	}
	if err == nil {
		err = os.WriteFile(s.tlsRoot, ca.TLSRootPEM, 0o644)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("sim: %w", err)
	}
	return s, nil
}

// print writes the ACME CA's lines in the style of the other CAs': what it holds, and
// the export line. The account key stays in the config file.
func (s *simACME) print(a *app) {
	fmt.Fprintf(a.stdout, "# %s (Pebble, Let's Encrypt's test server; validation is real, against the DNS server and file host below): %d orders; pending %s for %s: %s\n",
		s.ca.Label, s.ca.Certs, s.ca.Noun, demo.FeaturedDomain, s.ca.FeaturedCert)
	fmt.Fprintf(a.stdout, "# directory %s; issued chains verify against its root, %s\n", s.ca.BaseURL(""), s.root)
	fmt.Fprintf(a.stdout, "# the account is in %s, its key (never printed) in %s; %s trusts the API's TLS certificate\n", s.config, s.keyFile, envCARoots)
	fmt.Fprintf(a.stdout, "export %s=%s %s=%s %s=%s %s=%s\n\n", anyca.EnvProvider, s.ca.Provider, anyca.EnvBaseURL, s.ca.BaseURL(""),
		envConfigFile, s.config, envCARoots, s.tlsRoot)
}

// envLines gives anyca sim --env-file the ACME CA's variables: ANYCA_SIM_ACME_PROVIDER,
// _BASE_URL, _PENDING_ID, _CONFIG (the account's config file), _CA_ROOTS (the API's
// TLS certificate) and _ROOT (the root issued chains verify against). No key.
func (s *simACME) envLines(line func(k, v string)) {
	p := "ANYCA_SIM_ACME_"
	line(p+"PROVIDER", s.ca.Provider)
	line(p+"BASE_URL", s.ca.BaseURL(""))
	line(p+"PENDING_ID", s.ca.FeaturedCert)
	line(p+"CONFIG", s.config)
	line(p+"CA_ROOTS", s.tlsRoot)
	line(p+"ROOT", s.root)
}
