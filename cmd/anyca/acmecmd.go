package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
)

// maxKeyFile caps what is read of an account key file: a PEM key is a few hundred bytes.
const maxKeyFile = 64 << 10

// acmeOpts are the flags of anyca acme register.
type acmeOpts struct {
	keyFile    string
	agreeTerms bool
	email      string
}

var acmeRegisterCommand = command{
	name:  "acme register",
	short: "make an ACME account key and register it with the CA",
	help: `Usage: anyca acme register --key-file FILE [--agree-terms] [--email ADDR] [-o json]

Registers an account with the ACME CA of the configuration: --provider (ANYCA_PROVIDER)
acme with --base-url (ANYCA_BASE_URL) its directory URL, or letsencrypt,
letsencrypt-staging, zerossl-acme, google, google-staging. The account's key is FILE:
when FILE does not exist, a new ECDSA P-256 key is made and written there, readable by
its owner only (0600); otherwise the key in FILE is used. The key is never printed.

The CA is asked first whether the key has an account already (then nothing is
registered). A new account is registered only with --agree-terms, which agrees to the
CA's terms of service; without it the error names the terms' URL and the key file is
kept for the next try. External account binding (google, zerossl-acme) comes from the
config file's "acme" object (eab_key_id, eab_hmac_key) or, for zerossl-acme, the API key.

Prints the account URL, the key file and a config file that uses the account: an
accounts config whose "acme" object names the key by "key_file" (never the key itself).
JSON: {"account_url", "directory", "key_file", "key_created"}.
Exit code 2 without --key-file, for a provider that is not ACME, a key file that holds no
usable key, or a key without an account and no --agree-terms.

Examples:
  anyca --provider letsencrypt-staging acme register --key-file acme-account.pem --agree-terms --email ops@example.com
  ANYCA_PROVIDER=acme ANYCA_BASE_URL=https://127.0.0.1:14000/dir anyca acme register --key-file k.pem --agree-terms`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.acme.keyFile, "key-file", "", "the account key's PEM `file`: made (0600) when it does not exist")
		fs.BoolVar(&o.acme.agreeTerms, "agree-terms", false, "agree to the CA's terms of service (needed to register a new account)")
		fs.StringVar(&o.acme.email, "email", "", "the account's contact `address`")
	},
	check: func(o *cmdOpts) error {
		if strings.TrimSpace(o.acme.keyFile) == "" {
			return usagef("--key-file is required: the file that holds (or will hold) the account key")
		}
		if e := o.acme.email; e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n:")) {
			return usagef("--email %q: want an address such as ops@example.com", e)
		}
		return nil
	},
	run: runACMERegister,
}

// registrar is the ACME client's account registration.
type registrar interface {
	Register(ctx context.Context) (string, error)
	DirectoryURL() string
}

func runACMERegister(ctx context.Context, a *app, o *cmdOpts, _ []string) error {
	if _, ok, err := a.readAccounts(&o.globalOpts); err != nil || ok {
		if err != nil {
			return err
		}
		return usagef("acme register takes a single-account configuration (--provider, --base-url, or a config file without \"accounts\")")
	}
	// The account's key comes from --key-file: loadConfig's "needs an ACME account" is
	// the one error that does not apply.
	cfg, err := a.loadConfig(&o.globalOpts)
	switch {
	case cfg.Provider != "" && !isACMEProvider(cfg.Provider):
		return usagef("acme register: provider %q is not an ACME CA (ACME providers: %s)", cfg.Provider, strings.Join(acmeProviders, ", "))
	case err != nil && (cfg.Provider == "" || cfg.ACME != nil):
		return err
	}
	if cfg, err = a.withCARoots(cfg); err != nil {
		return err
	}
	key, created, err := accountKeyFile(o.acme.keyFile)
	if err != nil {
		return err
	}
	acct := anyca.ACMEAccount{}
	if cfg.ACME != nil {
		acct = *cfg.ACME
	}
	acct.Key, acct.AgreeTerms = key, o.acme.agreeTerms
	if o.acme.email != "" {
		acct.Email = o.acme.email
	}
	cfg.ACME = &acct
	p, err := anyca.New(ctx, cfg)
	if err != nil {
		return err
	}
	r, ok := p.(registrar)
	if !ok {
		return model.NewError(p.Name(), "Register", model.ErrUnsupported, "this provider registers no ACME account")
	}
	url, err := r.Register(ctx)
	if err != nil {
		if model.KindOf(err) == model.ErrInvalidArgument && !o.acme.agreeTerms {
			return fmt.Errorf("%w; to agree, run again with --agree-terms (the key stays in %s)", err, o.acme.keyFile)
		}
		return err
	}
	if o.output == "json" {
		return writeJSON(a.stdout, struct {
			AccountURL string `json:"account_url"`
			Directory  string `json:"directory"`
			KeyFile    string `json:"key_file"`
			KeyCreated bool   `json:"key_created"`
		}{url, r.DirectoryURL(), o.acme.keyFile, created})
	}
	made := "the key already in it"
	if created {
		made = "a new ECDSA P-256 key, made now (mode 0600)"
	}
	tw := newTable(a.stdout)
	row(tw, "Account:", url)
	row(tw, "Directory:", r.DirectoryURL())
	row(tw, "Key file:", o.acme.keyFile+": "+made)
	if err := tw.Flush(); err != nil {
		return err
	}
	keyPath := o.acme.keyFile
	if abs, err := filepath.Abs(keyPath); err == nil {
		keyPath = abs
	}
	cfgLine, err := acmeConfigFile(p.Name(), r.DirectoryURL(), keyPath, anyca.ACMEAccount{})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n; to use the account, this config file (--config or %s), which names the key file (the key stays in it):\n", envConfigFile)
	var line bytes.Buffer
	if err := json.Compact(&line, cfgLine); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "; %s\n", line.Bytes())
	return nil
}

// accountKeyFile returns the account key in path, or makes a new ECDSA P-256 key and
// writes it there (0600, never over an existing file) when path does not exist. Errors
// never quote the file's content.
func accountKeyFile(path string) (key string, created bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err := acme.NewKey()
		if err != nil {
			return "", false, fmt.Errorf("making an account key: %w", err)
		}
		w, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", false, usagef("--key-file: %v", err)
		}
		if _, err := io.WriteString(w, key); err != nil {
			w.Close()
			os.Remove(path)
			return "", false, fmt.Errorf("--key-file: %w", err)
		}
		if err := w.Close(); err != nil {
			os.Remove(path)
			return "", false, fmt.Errorf("--key-file: %w", err)
		}
		return key, true, nil
	}
	if err != nil {
		return "", false, usagef("--key-file: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", false, usagef("--key-file %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return "", false, usagef("--key-file: %v", err)
	}
	if len(data) > maxKeyFile {
		return "", false, usagef("--key-file %s: larger than %d bytes, not an account key", path, maxKeyFile)
	}
	if _, err := acme.ParseKey(string(data)); err != nil {
		return "", false, usagef("--key-file %s: %v", path, err)
	}
	return string(data), false, nil
}
