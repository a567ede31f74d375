package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/files"
	"github.com/anyca/anyca/model"
)

// envConfigFile names a config file when --config is not given.
const envConfigFile = "ANYCA_CONFIG"

// globalOpts are the flags every command takes, before or after the command name.
type globalOpts struct {
	configFile string
	provider   string
	baseURL    string
	region     string
	output     string
	account    string // --account: one account of an accounts config
}

// register adds the global flags to fs, with g's current values as defaults, so a flag
// given after the command overrides the same flag given before it.
func (g *globalOpts) register(fs *flag.FlagSet) {
	g.registerConfig(fs)
	g.registerOutput(fs)
}

// registerConfig adds the global flags that choose the accounts and their configuration.
func (g *globalOpts) registerConfig(fs *flag.FlagSet) {
	fs.StringVar(&g.configFile, "config", g.configFile, "JSON config `file`: one account (the fields of anyca.Config) or {\"accounts\": [...]}; default $"+envConfigFile)
	fs.StringVar(&g.provider, "provider", g.provider, "provider `name` (overrides $ANYCA_PROVIDER and the config file)")
	fs.StringVar(&g.baseURL, "base-url", g.baseURL, "API base `URL` (overrides $ANYCA_BASE_URL and the config file)")
	fs.StringVar(&g.region, "region", g.region, "provider `region`, DigiCert: us or eu (overrides $ANYCA_REGION and the config file)")
	fs.StringVar(&g.account, "account", g.account, "ask only the account with this `name`, compared case-insensitively (config files that list accounts)")
}

// registerOutput adds only -o/--output to fs.
func (g *globalOpts) registerOutput(fs *flag.FlagSet) {
	if g.output == "" {
		g.output = "table"
	}
	fs.StringVar(&g.output, "o", g.output, "output `format`: table or json")
	fs.StringVar(&g.output, "output", g.output, "output `format`: table or json")
}

// cmdOpts holds the global flags and every command's own flags.
type cmdOpts struct {
	globalOpts
	status string
	// statuses are the parsed --status values (certs list).
	statuses []model.CertificateStatus
	search   string
	within   string
	// window is the parsed --within (expiring).
	window time.Duration
	listen string
	seed   uint64
	sim    simOpts
	// interval is the exporter's shortest refresh interval per account.
	interval time.Duration
	loop     loopOpts // verify and download
	acme     acmeOpts // acme register
	// pre holds the flags of challenges --check and sim publish.
	pre preflightOpts
	// life holds the flags of order, renew, revoke and cancel (ordercmd.go).
	life lifeOpts
}

// loadConfig builds the provider configuration: config file, then environment, then
// flags, each overriding the one before. The API key comes only from the file or
// ANYCA_API_KEY. Every error is a *model.Error of kind ErrInvalidArgument.
func (a *app) loadConfig(g *globalOpts) (anyca.Config, error) {
	var cfg anyca.Config
	path := g.configFile
	if path == "" {
		path = strings.TrimSpace(a.getenv(envConfigFile))
	}
	if path != "" {
		data, fi, err := files.Read(path, anyca.MaxConfigBytes)
		if err != nil {
			return cfg, configErrorf("config file: %v", err)
		}
		cfg, err = anyca.ParseConfig(data)
		if err == nil && cfg.APIKey != "" && fi.Mode().Perm()&0o077 != 0 {
			// The accounts form's warning, for the single-account form; never the key.
			fmt.Fprintf(a.stderr, "anyca: warning: config file %s: api_key is written in the config file, which group or others may read (mode %04o); prefer %s, or run chmod 600 on it\n",
				display(path), fi.Mode().Perm(), anyca.EnvAPIKey)
		}
		if err != nil {
			// ReadConfig's errors name fields, never values: no key leaks.
			msg := err.Error()
			if me := (*model.Error)(nil); errors.As(err, &me) {
				msg = me.Message
			}
			return cfg, configErrorf("config file %s: %s", path, msg)
		}
	}
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&cfg.Provider, a.getenv(anyca.EnvProvider))
	set(&cfg.APIKey, a.getenv(anyca.EnvAPIKey))
	set(&cfg.BaseURL, a.getenv(anyca.EnvBaseURL))
	set(&cfg.Region, a.getenv(anyca.EnvRegion))
	set(&cfg.Provider, g.provider)
	set(&cfg.BaseURL, g.baseURL)
	set(&cfg.Region, g.region)
	a.secret = cfg.APIKey

	if cfg.Provider == "" {
		return cfg, configErrorf("no provider: set %s, --provider or \"provider\" in the --config file (registered: %s)",
			anyca.EnvProvider, strings.Join(anyca.Providers(), ", "))
	}
	if cfg.APIKey == "" && !isACMEProvider(cfg.Provider) {
		return cfg, configErrorf("no API key: set %s or \"api_key\" in the --config file (never a flag: it would show in shell history and process lists)",
			anyca.EnvAPIKey)
	}
	if err := checkACMEConfig(cfg); err != nil {
		return cfg, err
	}
	return a.withCARoots(cfg)
}

// provider builds the configured provider.
func (a *app) provider(ctx context.Context, g *globalOpts) (anyca.Provider, error) {
	if _, ok, err := a.readAccounts(g); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return a.accountProvider(ctx, g)
	}
	cfg, err := a.loadConfig(g)
	if err != nil {
		return nil, err
	}
	return anyca.New(ctx, cfg) // every error a *model.Error of kind ErrInvalidArgument: exit 2
}

// configErrorf is the error for a mistake in the configuration (file, environment,
// flags): a *model.Error of kind ErrInvalidArgument, which exits with code 2.
func configErrorf(format string, args ...any) error {
	return model.NewError("anyca", "config", model.ErrInvalidArgument, format, args...)
}

// parseStatuses reads a comma-separated list of certificate statuses.
func parseStatuses(s string) ([]model.CertificateStatus, error) {
	var out []model.CertificateStatus
	for _, part := range model.SplitList(s) {
		st := model.CertificateStatus(strings.ToLower(part))
		if !st.Valid() {
			var names []string
			for _, v := range model.CertificateStatuses() {
				names = append(names, string(v))
			}
			return nil, usagef("--status %q: want one or more of %s, comma-separated", part, strings.Join(names, ", "))
		}
		out = append(out, st)
	}
	return out, nil
}
