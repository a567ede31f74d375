package sim

import (
	"encoding/json"
	"strings"
	"time"
)

// apiKeyDigiCertStaging is the published key of the second simulated DigiCert
// account, which the fleet config calls "staging".
const apiKeyDigiCertStaging = "anyca-sim-digicert-staging-key"

// NewFleet returns the accounts of the simulated fleet: the demo DigiCert account
// as "prod", the ZeroSSL one as "dv", and a second DigiCert account, "staging", with
// its own key and data generated from another seed, served under /digicert-staging.
func NewFleet(cas []CA, seed uint64, now time.Time) []CA {
	var out []CA
	for _, ca := range cas {
		switch ca.Provider {
		case "digicert":
			ca.Account = "prod"
			out = append(out, ca)
			staging := newDigiCertAt(seed+1, now, ca.World, "/digicert-staging", apiKeyDigiCertStaging, "DigiCert (staging)")
			staging.Account = "staging"
			out = append(out, staging)
		case "zerossl":
			ca.Account = "dv"
			out = append(out, ca)
		}
	}
	return out
}

// KeyEnv is the environment variable the fleet config reads an account's key from.
func KeyEnv(account string) string {
	return "ANYCA_SIM_" + strings.ToUpper(account) + "_KEY"
}

// FleetConfig is the accounts config that reaches every simulated account from root.
func FleetConfig(fleet []CA, root string) ([]byte, error) {
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
		cfg.Accounts = append(cfg.Accounts, account{ca.Account, ca.Provider, KeyEnv(ca.Account), ca.BaseURL(root)})
	}
	return json.MarshalIndent(cfg, "", "  ")
}
