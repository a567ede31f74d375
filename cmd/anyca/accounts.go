package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/files"
	"github.com/anyca/anyca/model"
)

// configPath is the --config file, else $ANYCA_CONFIG, else "".
func (a *app) configPath(g *globalOpts) string {
	if g.configFile != "" {
		return g.configFile
	}
	return strings.TrimSpace(a.getenv(envConfigFile))
}

// readAccounts reads the config file when it lists named accounts ({"accounts": [...]}).
// ok is false when there is no config file or it is a single-account config. With an
// accounts config the ANYCA_* variables are not read, and --provider, --base-url and
// --region are refused: each account carries its own; ANYCA_CA_ROOTS still adds the
// roots trusted for the CAs' APIs. Warnings (a key file others may
// read, a key written in the file) go to stderr; they never hold a key.
func (a *app) readAccounts(g *globalOpts) (accts []anyca.Account, ok bool, err error) {
	path := a.configPath(g)
	if path == "" {
		return nil, false, nil
	}
	b, _, err := files.Read(path, anyca.MaxConfigBytes)
	if err != nil {
		return nil, false, configErrorf("config file: %v", err)
	}
	if !anyca.IsAccountsConfig(b) {
		return nil, false, nil
	}
	if g.provider != "" || g.baseURL != "" || g.region != "" {
		return nil, true, configErrorf("config file %s lists accounts: --provider, --base-url and --region do not apply; set them per account", path)
	}
	accts, warnings, err := anyca.ParseAccounts(b, anyca.AccountOptions{Getenv: a.getenv, Dir: filepath.Dir(path)})
	if err != nil {
		return nil, true, err
	}
	for _, w := range warnings {
		fmt.Fprintln(a.stderr, "anyca: warning: "+w)
	}
	for _, acct := range accts {
		a.secrets = append(a.secrets, acct.Config.APIKey)
	}
	// ANYCA_CA_ROOTS is the one variable an accounts config heeds: it says which roots
	// this machine trusts for the CAs' APIs (anyca sim's Pebble), not how an account is.
	if strings.TrimSpace(a.getenv(envCARoots)) != "" {
		var roots anyca.Config
		if roots, err = a.withCARoots(roots); err != nil {
			return nil, true, err
		}
		for i := range accts {
			if accts[i].Config.HTTPClient == nil {
				accts[i].Config.HTTPClient = roots.HTTPClient
			}
		}
	}
	return accts, true, nil
}

// fleet builds the accounts the fleet commands ask: those of an accounts config, or the
// one account of the single-account configuration (file, ANYCA_* variables, flags),
// named after its provider. --account narrows the fleet to one account.
func (a *app) fleet(ctx context.Context, g *globalOpts) (*anyca.Fleet, error) {
	accts, single, err := a.accountList(g)
	if err != nil {
		return nil, err
	}
	if a.listing == nil {
		a.listing = &fleetProgress{}
	}
	opt := anyca.FleetOptions{OnItem: a.listing.add}
	if single {
		// One account configured without a name: its errors are the provider's own, with
		// no mention of a fleet or of the account name the tool gave it.
		p, err := anyca.New(ctx, accts[0].Config)
		if err != nil {
			return nil, err
		}
		return anyca.FleetOf(map[string]anyca.Provider{accts[0].Name: p}, opt)
	}
	return anyca.NewFleet(ctx, accts, opt)
}

// accounts returns the configured accounts, narrowed by --account: see fleet.
func (a *app) accounts(g *globalOpts) ([]anyca.Account, error) {
	accts, _, err := a.accountList(g)
	return accts, err
}

// accountList is accounts, and single reports that the configuration is the
// single-account one (no accounts config), whose account is named after its provider.
func (a *app) accountList(g *globalOpts) (accts []anyca.Account, single bool, err error) {
	accts, ok, err := a.readAccounts(g)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		cfg, err := a.loadConfig(g)
		if err != nil {
			return nil, false, err
		}
		accts, single = []anyca.Account{{Name: strings.ToLower(cfg.Provider), Config: cfg}}, true
	}
	if g.account != "" {
		// Account names are compared case-insensitively: a fleet refuses two names that
		// differ only in case, so at most one matches.
		var keep []anyca.Account
		var names []string
		for _, acct := range accts {
			names = append(names, acct.Name)
			if strings.EqualFold(acct.Name, g.account) {
				keep = append(keep, acct)
			}
		}
		if keep == nil {
			sort.Strings(names) // the order of anyca.Fleet.Accounts, as every other list of them
			return nil, false, usagef("--account %q: no such account (configured: %s)", g.account, strings.Join(names, ", "))
		}
		accts = keep
	}
	return accts, single, nil
}

// accountProvider picks the one account a single-account command (cert get,
// challenges) talks to: the --account one, or the only one configured.
func (a *app) accountProvider(ctx context.Context, g *globalOpts) (anyca.Provider, error) {
	f, err := a.fleet(ctx, g)
	if err != nil {
		return nil, err
	}
	names := f.Accounts()
	if len(names) != 1 {
		return nil, usagef("this command asks one account: choose one of %s with --account", strings.Join(names, ", "))
	}
	p, _ := f.Provider(names[0])
	return p, nil
}

// fleetError is the failure of some or all accounts of a fleet command. The answers
// of the others are printed before it is returned.
type fleetError struct {
	err   *anyca.PartialError
	total int // accounts asked
}

func (e *fleetError) Error() string { return e.err.Error() }
func (e *fleetError) Unwrap() error { return e.err }

// exitCode is exitPartial when some accounts answered; when none did, the code of
// their errors if they agree, else exitError.
func (e *fleetError) exitCode() int {
	errs := e.err.Unwrap()
	if len(errs) < e.total {
		return exitPartial
	}
	code := -1
	for _, err := range errs {
		c := exitCode(err)
		if code != -1 && c != code {
			return exitError
		}
		code = c
	}
	return code
}

// fleetFailure merges the failures of one command's fleet calls into one error, nil
// when every account answered. A single account's failure is returned as it is, so a
// one-account command reports exactly what the provider said. skip drops failures the
// command tolerates (such as a provider that cannot list domains).
func fleetFailure(total int, skip func(error) bool, failed ...map[string]error) error {
	merged := map[string]error{}
	for _, m := range failed {
		for name, err := range m {
			if skip != nil && skip(err) {
				continue
			}
			if _, seen := merged[name]; !seen {
				merged[name] = err
			}
		}
	}
	if len(merged) == 0 {
		return nil
	}
	if total == 1 {
		for _, err := range merged {
			var ae *anyca.AccountError
			if errors.As(err, &ae) {
				return ae.Err
			}
			return err
		}
	}
	return &fleetError{err: &anyca.PartialError{Failed: merged}, total: total}
}

// notFoundAnywhere is the error of a lookup no account knows.
func notFoundAnywhere(what string, accounts []string) error {
	return model.NewError("anyca", "lookup", model.ErrNotFound, "%s is not known to %s", what, accountList(accounts))
}

func accountList(names []string) string {
	if len(names) == 1 {
		return "account " + names[0]
	}
	return "any of the accounts " + strings.Join(names, ", ")
}
