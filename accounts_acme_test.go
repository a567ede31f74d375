package anyca_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
)

// TestParseAccountsACME: the ACME account key of the accounts form comes from key_file,
// key_env or key as an API key does (a PEM key file read whole, its trailing newline
// trimmed; the same warnings), and the rest of ACMEAccount as written.
func TestParseAccountsACME(t *testing.T) {
	pemKey, err := acme.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	pemKey = strings.TrimRight(pemKey, "\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "le.pem"), []byte(pemKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := `{"accounts":[
		{"name":"le","provider":"letsencrypt","acme":{"key_file":"le.pem","email":"ops@example.com","agree_terms":true,"state_dir":"/tmp/le"}},
		{"name":"g","provider":"google","acme":{"key_env":"G_KEY","eab_key_id":"kid","eab_hmac_key":"aGVsbG8"}},
		{"name":"z","provider":"zerossl-acme","api_key_env":"Z_API","acme":{"key_env":"G_KEY"}}]}`
	env := map[string]string{"G_KEY": pemKey, "Z_API": secretKey}
	accts, warns, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{Getenv: func(k string) string { return env[k] }, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings %q", warns)
	}
	want := []anyca.ACMEAccount{
		{Key: pemKey, Email: "ops@example.com", AgreeTerms: true, StateDir: "/tmp/le"},
		{Key: pemKey, EABKeyID: "kid", EABHMACKey: "aGVsbG8"},
		{Key: pemKey},
	}
	for i, a := range accts {
		if a.Config.ACME == nil || *a.Config.ACME != want[i] {
			t.Errorf("account %s: ACME %v, want %v", a.Name, a.Config.ACME, want[i])
		}
	}
	if accts[2].Config.APIKey != secretKey || accts[0].Config.APIKey != "" {
		t.Errorf("API keys: %q %q", accts[0].Config.APIKey, accts[2].Config.APIKey)
	}
	if _, err := acme.ParseKey(accts[0].Config.ACME.Key); err != nil {
		t.Errorf("the key read from key_file does not parse: %v", err)
	}
	// A literal key and a key file others may read are warned about, never shown.
	loose := filepath.Join(dir, "loose.pem")
	if err := os.WriteFile(loose, []byte(pemKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil {
		t.Fatal(err)
	}
	literal := strings.ReplaceAll(pemKey, "\n", `\n`)
	cfg = `{"accounts":[{"name":"a","provider":"acme","base_url":"https://ca.example/dir","acme":{"key_file":"` + loose + `"}},
		{"name":"b","provider":"acme","base_url":"https://ca.example/dir","acme":{"key":"` + literal + `"}}]}`
	_, warns, err = anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 2 || !strings.Contains(warns[0], "acme.key_file") || !strings.Contains(warns[0], "0644") ||
		!strings.Contains(warns[1], "acme.key is written in the config file") {
		t.Errorf("warnings %q", warns)
	}
	for _, w := range warns {
		if strings.Contains(w, "PRIVATE KEY") {
			t.Errorf("a warning shows the key: %s", w)
		}
	}
}

// TestParseAccountsACMEErrors: the key sources of "acme" fail as an API key's do, as
// model.ErrInvalidArgument naming the account and the field, never the key.
func TestParseAccountsACMEErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, 70<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	pemKey, err := acme.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SET": pemKey, "API": secretKey}
	acct := func(provider, acmeJSON string) string {
		return fmt.Sprintf(`{"accounts":[{"name":"a","provider":%q,"acme":%s}]}`, provider, acmeJSON)
	}
	cases := map[string]struct{ cfg, want string }{
		"no acme":       {`{"accounts":[{"name":"a","provider":"letsencrypt"}]}`, `account "a": an ACME provider needs "acme"`},
		"acme for rest": {`{"accounts":[{"name":"a","provider":"digicert","api_key_env":"API","acme":{"key_env":"SET"}}]}`, `"acme" is for the ACME providers only`},
		"no key":        {acct("letsencrypt", `{"email":"a@example.com"}`), `no key: set one of acme.key_env, acme.key_file or acme.key`},
		"two keys":      {acct("letsencrypt", `{"key_env":"SET","key_file":"x.pem"}`), `more than one key source`},
		"unset env":     {acct("letsencrypt", `{"key_env":"UNSET"}`), `acme.key_env: environment variable UNSET is not set`},
		"missing file":  {acct("letsencrypt", `{"key_file":"nope.pem"}`), `acme.key_file: stat`},
		"empty file":    {acct("letsencrypt", `{"key_file":"`+empty+`"}`), `acme.key_file ` + empty + ` is empty`},
		"large file":    {acct("letsencrypt", `{"key_file":"`+big+`"}`), `not a key file`},
		"directory":     {acct("letsencrypt", `{"key_file":"`+dir+`"}`), `is not a regular file`},
		"unknown field": {acct("letsencrypt", `{"key_env":"SET","keyfile":"x"}`), `unknown field "keyfile"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := anyca.ParseAccounts([]byte(tc.cfg), anyca.AccountOptions{Getenv: func(k string) string { return env[k] }, Dir: dir})
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalidArgument) {
				t.Fatalf("error %v is not a *model.Error of kind invalid argument", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}
