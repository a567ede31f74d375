package anyca

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/anyca/anyca/internal/files"
	"github.com/anyca/anyca/internal/jsonstrict"
	"github.com/anyca/anyca/retry"
)

// Account is one named CA account of a fleet: a name unique within the fleet and the
// Config that reaches the account. Printing an Account shows its key redacted, as
// printing a Config does.
type Account struct {
	Name   string
	Config Config
}

// AccountOptions tells ParseAccounts where keys come from.
type AccountOptions struct {
	// Getenv reads the variables named by api_key_env; nil means os.Getenv.
	Getenv func(string) string
	// Dir is the directory relative api_key_file paths are read from, usually the
	// config file's directory; "" means the current directory.
	Dir string
}

// accountSpec is one entry of the "accounts" list as written in a config file.
type accountSpec struct {
	Name       string       `json:"name"`
	Provider   string       `json:"provider"`
	APIKey     string       `json:"api_key,omitempty"`
	APIKeyEnv  string       `json:"api_key_env,omitempty"`
	APIKeyFile string       `json:"api_key_file,omitempty"`
	BaseURL    string       `json:"base_url,omitempty"`
	Region     string       `json:"region,omitempty"`
	Retry      retry.Config `json:"retry,omitempty"`
	ACME       *acmeSpec    `json:"acme,omitempty"`
}

// acmeSpec is the "acme" member of an account of an ACME provider: the account key from
// exactly one source, key_env, key_file or key (as api_key_env, api_key_file and
// api_key), and the rest of ACMEAccount.
type acmeSpec struct {
	Key        string `json:"key,omitempty"`
	KeyEnv     string `json:"key_env,omitempty"`
	KeyFile    string `json:"key_file,omitempty"`
	Email      string `json:"email,omitempty"`
	EABKeyID   string `json:"eab_key_id,omitempty"`
	EABHMACKey string `json:"eab_hmac_key,omitempty"`
	AgreeTerms bool   `json:"agree_terms,omitempty"`
	StateDir   string `json:"state_dir,omitempty"`
}

// accountsFile is the multi-account form of a config file.
type accountsFile struct {
	Accounts []accountSpec `json:"accounts"`
}

// maxKeyFileSize caps what is read from an api_key_file: a key is a few dozen bytes,
// anything larger is the wrong file.
const maxKeyFileSize = 64 << 10

// IsAccountsConfig reports whether data is a JSON object with an "accounts" member,
// the multi-account form ParseAccounts reads, rather than a single-account Config.
func IsAccountsConfig(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["accounts"]
	return ok
}

// ParseAccounts reads the multi-account form of a config file:
//
//	{"accounts": [
//	  {"name": "prod", "provider": "digicert", "api_key_env": "DIGICERT_PROD_KEY"},
//	  {"name": "dv", "provider": "zerossl", "api_key_file": "/run/secrets/zerossl",
//	   "base_url": "...", "region": "...", "retry": {...}}
//	]}
//
// Each account names exactly one key source: api_key_env (an environment variable),
// api_key_file (a file whose trailing newline is trimmed) or api_key (the key written in
// the config). An account of an ACME provider ("acme", "letsencrypt", ...) has an
// "acme" member instead (its api_key optional), whose account key comes the same way
// from exactly one of key_env, key_file or key, with the same checks, errors and
// warnings:
//
//	{"name": "le", "provider": "letsencrypt",
//	 "acme": {"key_file": "le-account.pem", "email": "ops@example.com", "agree_terms": true,
//	          "state_dir": "/var/lib/anyca/le"}}
//
// The accounts keep the file's order. Unknown fields, a missing or duplicate name (names
// compare case-insensitively), an unknown provider, an unset variable (every unset one
// named at once, with its account) or an unreadable file are errors of kind
// model.ErrInvalidArgument that name the account and the source, never the key.
//
// The warnings are advice that does not stop the config from working: a key file that
// group or others may read, a key written literally in the config. They never contain
// the key.
func ParseAccounts(data []byte, opt AccountOptions) (accounts []Account, warnings []string, err error) {
	var top struct {
		Accounts []json.RawMessage `json:"accounts"`
	}
	if err := jsonstrict.Decode(data, &top); err != nil {
		// jsonstrict's errors name a field and a JSON kind, never a value.
		return nil, nil, configError("config", "accounts config: %v", err)
	}
	var file accountsFile
	for i, raw := range top.Accounts {
		var spec accountSpec
		if err := jsonstrict.Decode(raw, &spec); err != nil {
			return nil, nil, configError("config", "%s: %v", accountWhere(raw, i), err)
		}
		file.Accounts = append(file.Accounts, spec)
	}
	if len(file.Accounts) == 0 {
		return nil, nil, configError("config", "accounts config: the \"accounts\" list is empty")
	}
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	seen := map[string]int{}
	var unset, unsetWhere []string // every api_key_env not set, and its account
	for i, spec := range file.Accounts {
		where := fmt.Sprintf("account %d", i+1)
		name := strings.TrimSpace(spec.Name)
		if err := checkAccountName(name); err != nil {
			return nil, nil, configError("config", "%s: %v", where, err)
		}
		where = fmt.Sprintf("account %q", name)
		if j, dup := seen[strings.ToLower(name)]; dup {
			return nil, nil, configError("config", "%s: the name is used twice (accounts %d and %d); names must be unique", where, j+1, i+1)
		}
		seen[strings.ToLower(name)] = i
		if !isProvider(spec.Provider) {
			return nil, nil, configError("config", "%s: unknown provider %q (registered: %s)", where, spec.Provider, strings.Join(Providers(), ", "))
		}
		_, isACME := acmeCAs[strings.ToLower(strings.TrimSpace(spec.Provider))]
		var key, warn string
		var err error
		// An ACME account's API key is optional (zerossl-acme's EAB comes from it).
		if !isACME || spec.APIKey != "" || spec.APIKeyEnv != "" || spec.APIKeyFile != "" {
			key, warn, err = accountKey(spec, getenv, opt.Dir)
		}
		var uv unsetVar
		if errors.As(err, &uv) {
			unset, unsetWhere = append(unset, fmt.Sprintf("%s (%s)", uv.name, where)), append(unsetWhere, where+": "+uv.Error())
			continue
		}
		if err != nil {
			return nil, nil, configError("config", "%s: %v", where, err)
		}
		if warn != "" {
			warnings = append(warnings, where+": "+warn)
		}
		cfg := Config{Provider: strings.ToLower(strings.TrimSpace(spec.Provider)), APIKey: key,
			BaseURL: strings.TrimSpace(spec.BaseURL), Region: strings.TrimSpace(spec.Region), Retry: spec.Retry}
		switch {
		case isACME && spec.ACME == nil:
			return nil, nil, configError("config", "%s: an ACME provider needs \"acme\" with the account key (key_env, key_file or key)", where)
		case !isACME && spec.ACME != nil:
			return nil, nil, configError("config", "%s: \"acme\" is for the ACME providers only, not %s", where, cfg.Provider)
		case isACME:
			acct, warn, err := acmeAccount(*spec.ACME, getenv, opt.Dir)
			if err != nil {
				return nil, nil, configError("config", "%s: %v", where, err)
			}
			if warn != "" {
				warnings = append(warnings, where+": "+warn)
			}
			cfg.ACME = acct
		}
		accounts = append(accounts, Account{Name: name, Config: cfg})
	}
	switch len(unset) {
	case 0:
	case 1:
		return nil, nil, configError("config", "%s", unsetWhere[0])
	default:
		return nil, nil, configError("config", "api_key_env: %d environment variables are not set or empty: %s", len(unset), strings.Join(unset, ", "))
	}
	return accounts, warnings, nil
}

// checkAccountName accepts names usable as a metric label value and a CLI argument:
// letters, digits, '.', '-' and '_', at most 64 of them.
func checkAccountName(name string) error {
	if name == "" {
		return errors.New("\"name\" is missing")
	}
	if len(name) > 64 {
		return fmt.Errorf("name of %d characters is longer than 64", len(name))
	}
	for _, r := range name {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("name %q: use letters, digits, '.', '-' and '_' only", name)
		}
	}
	return nil
}

// isProvider reports whether name is registered.
func isProvider(name string) bool {
	key := strings.ToLower(strings.TrimSpace(name))
	registryMu.RLock()
	defer registryMu.RUnlock()
	return registry[key] != nil
}

// unsetVar is the error of a *_env field naming a variable that is not set or empty;
// ParseAccounts gathers them, so that every missing variable is named in one run.
type unsetVar struct{ field, name string }

func (v unsetVar) Error() string {
	return v.field + "_env: environment variable " + v.name + " is not set or empty"
}

// accountKey reads the account's API key from its one source, with a warning when the
// source is unsafe.
func accountKey(spec accountSpec, getenv func(string) string, dir string) (key, warning string, err error) {
	key, warning, err = readSecret("api_key", spec.APIKey, spec.APIKeyEnv, spec.APIKeyFile, getenv, dir)
	if err != nil {
		return "", "", err
	}
	if strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", "", errors.New("the key contains spaces or control characters; a key is one word")
	}
	return key, warning, nil
}

// acmeAccount reads the "acme" member of an account: the account key from its one
// source (key_env, key_file or key, read and checked as an API key's sources are, with
// the same warnings), then the rest as written.
func acmeAccount(spec acmeSpec, getenv func(string) string, dir string) (*ACMEAccount, string, error) {
	key, warning, err := readSecret("acme.key", spec.Key, spec.KeyEnv, spec.KeyFile, getenv, dir)
	if err != nil {
		return nil, "", err
	}
	return &ACMEAccount{Key: key, Email: strings.TrimSpace(spec.Email), EABKeyID: strings.TrimSpace(spec.EABKeyID),
		EABHMACKey: strings.TrimSpace(spec.EABHMACKey), AgreeTerms: spec.AgreeTerms, StateDir: strings.TrimSpace(spec.StateDir)}, warning, nil
}

// readSecret reads a secret from exactly one of its sources: the field itself
// (literal), field_env (an environment variable) or field_file (a file read by
// readKeyFile), with a warning when the source is unsafe. Errors and warnings name the
// field and the source, never the secret.
func readSecret(field, literal, env, file string, getenv func(string) string, dir string) (secret, warning string, err error) {
	n := 0
	for _, set := range []bool{literal != "", env != "", file != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return "", "", fmt.Errorf("no key: set one of %[1]s_env, %[1]s_file or %[1]s", field)
	case n > 1:
		return "", "", fmt.Errorf("more than one key source: set only one of %[1]s_env, %[1]s_file and %[1]s", field)
	}
	switch {
	case env != "":
		name := strings.TrimSpace(env)
		if !looksLikeVarName(name) {
			// Never echoed: a key pasted here (a template expanded once too often)
			// would otherwise come back in the error.
			return "", "", fmt.Errorf("%[1]s_env does not look like an environment variable name (letters, digits and _, such as DIGICERT_PROD_KEY); is it the key itself? Name the variable that holds the key", field)
		}
		secret = strings.TrimSpace(getenv(name))
		if secret == "" {
			return "", "", unsetVar{field: field, name: name}
		}
	case file != "":
		return readKeyFile(field+"_file", file, dir)
	default:
		secret = literal
		warning = fmt.Sprintf("%[1]s is written in the config file; prefer %[1]s_env or %[1]s_file so the file can be shared", field)
	}
	return secret, warning, nil
}

// readKeyFile reads a key file (the field field names it in errors), trims its trailing
// newline, and warns when group or others may read it.
func readKeyFile(field, path, dir string) (key, warning string, err error) {
	path = strings.TrimSpace(path)
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	b, fi, err := files.Read(path, maxKeyFileSize)
	switch {
	case errors.Is(err, files.ErrNotRegular):
		return "", "", fmt.Errorf("%s %s is not a regular file", field, path)
	case errors.Is(err, files.ErrTooLarge):
		return "", "", fmt.Errorf("%s %s is larger than %d bytes: not a key file", field, path, maxKeyFileSize)
	case err != nil:
		return "", "", fmt.Errorf("%s: %w", field, pathOnly(err))
	}
	key = strings.TrimRight(string(b), "\r\n")
	if key == "" {
		return "", "", fmt.Errorf("%s %s is empty", field, path)
	}
	if perm := fi.Mode().Perm(); perm&0o044 != 0 {
		warning = fmt.Sprintf("%s %s may be read by group or others (mode %04o); run chmod 600 on it", field, path, perm)
	}
	return key, warning, nil
}

// pathOnly keeps a file error's operation, path and reason; it never holds contents.
func pathOnly(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %v", pe.Op, pe.Path, pe.Err)
	}
	return err
}

// looksLikeVarName reports whether s can be shown as an environment variable's name: a
// letter or _ first, then letters, digits and _, at most 64 bytes, and not shaped like a
// key (16 bytes or more, letters and digits mixed without any _). Anything else is
// never printed, because it may be the key itself.
func looksLikeVarName(s string) bool {
	if s == "" || len(s) > 64 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	digits, letters := false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		case r == '_':
		default:
			return false
		}
	}
	return len(s) < 16 || strings.Contains(s, "_") || !(digits && letters)
}

// accountWhere names the i-th account of a config for an error: by its name when the
// entry has a valid one (read leniently, whatever else is wrong in it), else by its
// position.
func accountWhere(raw json.RawMessage, i int) string {
	var named struct {
		Name json.RawMessage `json:"name"`
	}
	var name string
	if json.Unmarshal(raw, &named) == nil && json.Unmarshal(named.Name, &name) == nil {
		if name = strings.TrimSpace(name); checkAccountName(name) == nil {
			return fmt.Sprintf("account %q", name)
		}
	}
	return fmt.Sprintf("account %d", i+1)
}
