package anyca_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

const secretKey = "s3cret-key-value-0123456789"

func TestParseAccounts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dv.key"), []byte(secretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DIGICERT_PROD_KEY": "prod-" + secretKey}
	cfg := `{"accounts":[
		{"name":"prod","provider":"digicert","api_key_env":"DIGICERT_PROD_KEY","region":"eu",
		 "retry":{"max_attempts":3,"requests_per_second":2}},
		{"name":"dv","provider":"ZeroSSL","api_key_file":"dv.key","base_url":"http://127.0.0.1:9/"}]}`
	if !anyca.IsAccountsConfig([]byte(cfg)) || anyca.IsAccountsConfig([]byte(`{"provider":"digicert"}`)) {
		t.Fatal("IsAccountsConfig")
	}
	accts, warns, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{Getenv: func(k string) string { return env[k] }, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings for a 0600 file and an env key: %q", warns)
	}
	if len(accts) != 2 || accts[0].Name != "prod" || accts[1].Name != "dv" {
		t.Fatalf("accounts %v", accts)
	}
	p, d := accts[0].Config, accts[1].Config
	if p.Provider != "digicert" || p.APIKey != "prod-"+secretKey || p.Region != "eu" || p.Retry.MaxAttempts != 3 || p.Retry.RequestsPerSecond != 2 {
		t.Errorf("prod %v", p)
	}
	if d.Provider != "zerossl" || d.APIKey != secretKey || d.BaseURL != "http://127.0.0.1:9/" {
		t.Errorf("dv: provider %q, base %q, key trimmed: %v", d.Provider, d.BaseURL, d.APIKey == secretKey)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", accts, accts, accts, accts); strings.Contains(s, secretKey) {
		t.Errorf("printed accounts show the key: %s", s)
	}
}

func TestParseAccountsWarnings(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "open.key")
	if err := os.WriteFile(keyFile, []byte(secretKey+"\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, 0o644); err != nil { // past the umask
		t.Fatal(err)
	}
	cfg := `{"accounts":[{"name":"a","provider":"zerossl","api_key_file":"` + keyFile + `"},
		{"name":"b","provider":"digicert","api_key":"` + secretKey + `"}]}`
	accts, warns, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if accts[0].Config.APIKey != secretKey || accts[1].Config.APIKey != secretKey {
		t.Error("keys not read as written (CRLF trimmed)")
	}
	if len(warns) != 2 || !strings.Contains(warns[0], `account "a"`) || !strings.Contains(warns[0], "0644") ||
		!strings.Contains(warns[1], `account "b"`) || !strings.Contains(warns[1], "api_key is written") {
		t.Errorf("warnings %q", warns)
	}
	for _, w := range warns {
		if strings.Contains(w, secretKey) {
			t.Errorf("warning shows the key: %s", w)
		}
	}
}

func TestParseAccountsErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.key")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SET": secretKey}
	k := `"api_key_env":"SET"`
	cases := map[string]struct{ cfg, want string }{
		"duplicate":      {`{"accounts":[{"name":"prod","provider":"digicert",` + k + `},{"name":"Prod","provider":"zerossl",` + k + `}]}`, `"Prod": the name is used twice (accounts 1 and 2)`},
		"no name":        {`{"accounts":[{"provider":"digicert",` + k + `}]}`, `account 1: "name" is missing`},
		"bad name":       {`{"accounts":[{"name":"a b","provider":"digicert",` + k + `}]}`, `letters, digits`},
		"unknown field":  {`{"accounts":[{"name":"a","provider":"digicert",` + k + `,"apikey":"x"}]}`, `unknown field "apikey"`},
		"unknown top":    {`{"accounts":[],"extra":1}`, `unknown field "extra"`},
		"empty list":     {`{"accounts":[]}`, `is empty`},
		"provider":       {`{"accounts":[{"name":"a","provider":"buypass",` + k + `}]}`, `unknown provider "buypass"`},
		"no key":         {`{"accounts":[{"name":"a","provider":"digicert"}]}`, `no key`},
		"two keys":       {`{"accounts":[{"name":"a","provider":"digicert",` + k + `,"api_key":"` + secretKey + `"}]}`, `more than one key source`},
		"unset env":      {`{"accounts":[{"name":"a","provider":"digicert","api_key_env":"UNSET"}]}`, `UNSET is not set`},
		"missing file":   {`{"accounts":[{"name":"a","provider":"digicert","api_key_file":"nope.key"}]}`, `no such file`},
		"empty file":     {`{"accounts":[{"name":"a","provider":"digicert","api_key_file":"` + empty + `"}]}`, `is empty`},
		"directory":      {`{"accounts":[{"name":"a","provider":"digicert","api_key_file":"` + dir + `"}]}`, `not a regular file`},
		"inner space":    {`{"accounts":[{"name":"a","provider":"digicert","api_key":"` + secretKey + ` x"}]}`, `spaces or control`},
		"wrong type":     {`{"accounts":[{"name":7,"provider":"digicert"}]}`, `account 1: field "name": want a string, got a JSON number`},
		"trailing data":  {`{"accounts":[{"name":"a","provider":"digicert",` + k + `}]} {}`, `after the JSON value`},
		"not an object":  {`[1,2]`, `want an object, got a JSON array`},
		"malformed JSON": {`{"accounts":[`, `the JSON ends before the value is complete`},
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
			if strings.Contains(err.Error(), secretKey) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
}

// TestParseAccountsKeyPastedAsEnvName: a key pasted as api_key_env (a template expanded
// once too often) is never echoed as a variable name; the error says the value does not
// look like one. A name that does look like one is still named when it is unset.
func TestParseAccountsKeyPastedAsEnvName(t *testing.T) {
	for _, pasted := range []string{secretKey, "9F8E7D6C5B4A39281706ABCDEF012345", "9f8e7d6c5b4a39281706abcdef012345", "Abc123Def456Ghi789"} {
		cfg := `{"accounts":[{"name":"prod","provider":"digicert","api_key_env":"` + pasted + `"}]}`
		_, _, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{Getenv: func(string) string { return "" }})
		if !errors.Is(err, model.ErrInvalidArgument) || !strings.Contains(err.Error(), "does not look like an environment variable name") {
			t.Errorf("api_key_env %q: %v", pasted, err)
		}
		if err != nil && strings.Contains(err.Error(), pasted[:8]) {
			t.Errorf("the error echoes the value pasted as api_key_env: %v", err)
		}
	}
	for _, name := range []string{"DIGICERT_PROD_KEY", "ZEROSSL_KEY_2", "KEY"} {
		cfg := `{"accounts":[{"name":"prod","provider":"digicert","api_key_env":"` + name + `"}]}`
		_, _, err := anyca.ParseAccounts([]byte(cfg), anyca.AccountOptions{Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), name+" is not set") {
			t.Errorf("api_key_env %q unset: %v", name, err)
		}
	}
}

// TestParseAccountsErrorsNameTheAccount: an unknown field in an account, in its retry
// object or in retry.windows, and a wrong type, each name the account (by name when it
// has one), and no message shows an internal Go type name.
func TestParseAccountsErrorsNameTheAccount(t *testing.T) {
	k := `"provider":"digicert","api_key_env":"SET"`
	for name, tc := range map[string]struct{ cfg, want string }{
		"unknown field":          {`{"accounts":[{"name":"prod",` + k + `,"apikey":"x"}]}`, `account "prod": unknown field "apikey"`},
		"unknown field in retry": {`{"accounts":[{"name":"prod",` + k + `,"retry":{"max_atempts":3}}]}`, `account "prod": retry: unknown field "max_atempts"`},
		"unknown in windows":     {`{"accounts":[{"name":"ok",` + k + `},{"name":"prod",` + k + `,"retry":{"windows":[{"n":1,"per":"1s","burst":2}]}}]}`, `account "prod": `},
		"wrong type":             {`{"accounts":[{"name":"prod",` + k + `,"region":7}]}`, `account "prod": field "region": want a string, got a JSON number`},
		"wrong type, no name":    {`{"accounts":[{"name":"ok",` + k + `},{"name":7,` + k + `}]}`, `account 2: field "name"`},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := anyca.ParseAccounts([]byte(tc.cfg), anyca.AccountOptions{Getenv: func(string) string { return secretKey }})
			if !errors.Is(err, model.ErrInvalidArgument) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v lacks %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "accountSpec") {
				t.Errorf("error shows an internal type name: %v", err)
			}
		})
	}
}
