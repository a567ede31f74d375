package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// simAPIKeyDigiCertStaging is the published key of the second simulated DigiCert
// account, which the fleet config calls "staging".
const simAPIKeyDigiCertStaging = "anyca-sim-digicert-staging-key"

// newSimFleet returns the accounts of the simulated fleet: the demo DigiCert account
// as "prod", the ZeroSSL one as "dv", and a second DigiCert account, "staging", with
// its own key and data generated from another seed, served under /digicert-staging.
func newSimFleet(cas []simCA, seed uint64, now time.Time) []simCA {
	var out []simCA
	for _, ca := range cas {
		switch ca.provider {
		case "digicert":
			ca.account = "prod"
			out = append(out, ca)
			staging := newSimDigiCertAt(seed+1, now, ca.world, "/digicert-staging", simAPIKeyDigiCertStaging, "DigiCert (staging)")
			staging.account = "staging"
			out = append(out, staging)
		case "zerossl":
			ca.account = "dv"
			out = append(out, ca)
		}
	}
	return out
}

// simKeyEnv is the environment variable the fleet config reads an account's key from.
func simKeyEnv(account string) string {
	return "ANYCA_SIM_" + strings.ToUpper(account) + "_KEY"
}

// simFleetConfig is the accounts config that reaches every simulated account from root.
func simFleetConfig(fleet []simCA, root string) ([]byte, error) {
	type account struct {
		Name      string `json:"name"`
		Provider  string `json:"provider"`
		APIKeyEnv string `json:"api_key_env"`
		BaseURL   string `json:"base_url"`
	}
	var cfg struct {
		Accounts []account `json:"accounts"`
	}
	for _, ca := range fleet {
		cfg.Accounts = append(cfg.Accounts, account{ca.account, ca.provider, simKeyEnv(ca.account), ca.baseURL(root)})
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// printSimFleet writes the fleet config to a new temporary directory and prints how to
// use it: the key variables to export and a command. The caller removes the directory.
func (a *app) printSimFleet(fleet []simCA, root string) (dir string, err error) {
	b, err := simFleetConfig(fleet, root)
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	dir, err = os.MkdirTemp("", "anyca-sim-")
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	path := filepath.Join(dir, "fleet.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("sim: %w", err)
	}
	var names, exports []string
	for _, ca := range fleet {
		names = append(names, ca.account+" ("+ca.label+")")
		exports = append(exports, simKeyEnv(ca.account)+"="+ca.apiKey)
	}
	fmt.Fprintf(a.stdout, "\n# Fleet of %d accounts: %s; config (removed when the simulator stops):\n", len(fleet), strings.Join(names, ", "))
	fmt.Fprintf(a.stdout, "# %s\n", path)
	for _, line := range strings.Split(string(b), "\n") {
		fmt.Fprintln(a.stdout, "#   "+line)
	}
	fmt.Fprintf(a.stdout, "export %s\n", strings.Join(exports, " "))
	fmt.Fprintf(a.stdout, "# then: anyca --config %s expiring --within 30d\n", path)
	fmt.Fprintf(a.stdout, "#   or: anyca --config %s exporter --listen 127.0.0.1:9469\n", path)
	return dir, nil
}
