package anyca

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/anyca/anyca/secret"
)

// ACMEAccount is the account of the ACME providers ("acme", "letsencrypt",
// "letsencrypt-staging", "zerossl-acme", "google", "google-staging"). Key and EABHMACKey
// are never printed: under every fmt verb, in slog and in JSON they show as
// "[REDACTED]". Config files read it strictly, like the rest of Config.
type ACMEAccount struct {
	Key        string `json:"key"`                    // the account's private key, PEM (ECDSA or RSA); never printed
	Email      string `json:"email,omitempty"`        // contact address
	EABKeyID   string `json:"eab_key_id,omitempty"`   // external account binding (Google; ZeroSSL's is fetched with APIKey when empty)
	EABHMACKey string `json:"eab_hmac_key,omitempty"` // base64url; never printed
	AgreeTerms bool   `json:"agree_terms,omitempty"`  // needed to register a new account
	StateDir   string `json:"state_dir,omitempty"`    // where orders placed are remembered; "" keeps them in memory
	// PollInterval is the wait between two looks at an order the CA is issuing when it
	// sends no Retry-After (0: 250 ms). A tuning knob for code (a CA in the same process
	// answers in milliseconds); config files do not set it.
	PollInterval time.Duration `json:"-"`
}

// String returns the account with the key and the HMAC key redacted.
func (a ACMEAccount) String() string {
	return fmt.Sprintf("anyca.ACMEAccount{Key: %q, Email: %q, EABKeyID: %q, EABHMACKey: %q, AgreeTerms: %t, StateDir: %q, PollInterval: %v}",
		secret.Mask(a.Key), a.Email, a.EABKeyID, secret.Mask(a.EABHMACKey), a.AgreeTerms, a.StateDir, a.PollInterval)
}

// GoString is String, for %#v.
func (a ACMEAccount) GoString() string { return a.String() }

// Format prints String whatever the verb or flags (%q quotes it).
func (a ACMEAccount) Format(f fmt.State, verb rune) { secret.Write(f, verb, a.String()) }

// LogValue makes slog print the account with its secrets redacted.
func (a ACMEAccount) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", secret.Mask(a.Key)), slog.String("email", a.Email),
		slog.String("eab_key_id", a.EABKeyID), slog.String("eab_hmac_key", secret.Mask(a.EABHMACKey)),
		slog.Bool("agree_terms", a.AgreeTerms), slog.String("state_dir", a.StateDir), slog.Duration("poll_interval", a.PollInterval))
}

// MarshalJSON writes the account with the key and the HMAC key as "[REDACTED]"; config
// files are read with the key as written.
func (a ACMEAccount) MarshalJSON() ([]byte, error) {
	type plain ACMEAccount
	v := plain(a)
	v.Key, v.EABHMACKey = secret.Mask(a.Key), secret.Mask(a.EABHMACKey)
	return json.Marshal(v)
}
