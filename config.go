package anyca

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Config selects and configures a provider. The same struct is read from JSON config
// files and from the environment (ConfigFromEnv). Printing a Config with any fmt verb,
// logging it with slog, or marshalling it to JSON shows the API key as "[REDACTED]".
type Config struct {
	Provider   string       `json:"provider"`           // registered name, case-insensitive
	APIKey     string       `json:"api_key"`            // never printed, logged or put in an error
	BaseURL    string       `json:"base_url,omitempty"` // override (fakes, proxies); https unless loopback
	Region     string       `json:"region,omitempty"`   // DigiCert: "us" (default) or "eu"
	HTTPClient *http.Client `json:"-"`                  // base transport to wrap (proxies, tracing)
	Retry      retry.Config `json:"retry,omitempty"`    // attempts, waits, client-side rate limit
	Logger     *slog.Logger `json:"-"`                  // nil: silent
	// DigiCert holds the settings DigiCert's Order, Revoke and Cancel use; nil takes
	// digicert's defaults (see digicert.Config).
	DigiCert *DigiCertSettings `json:"digicert,omitempty"`
	// ACME is the account of the ACME providers; its key and HMAC key are never printed.
	ACME *ACMEAccount `json:"acme,omitempty"`
}

// DigiCertSettings are the JSON config's ordering settings for the "digicert" provider,
// passed to the digicert.Config fields of the same names.
type DigiCertSettings struct {
	Product         string `json:"product,omitempty"`          // default product name_id (digicert.DefaultProduct)
	OrganizationID  string `json:"organization_id,omitempty"`  // OV and EV orders; "": the account's only organization
	PaymentMethod   string `json:"payment_method,omitempty"`   // balance (default), card, profile, wire_transfer
	SkipApproval    bool   `json:"skip_approval,omitempty"`    // orders and revocations skip the approver
	ApproveRequests bool   `json:"approve_requests,omitempty"` // the adapter may approve requests itself
}

// redacted returns a copy safe to show.
func (c Config) redacted() configView {
	v := configView(c)
	if v.APIKey != "" {
		v.APIKey = retry.Redacted
	}
	return v
}

// configView has Config's fields without its methods, for printing.
type configView Config

// Format prints the config with the API key redacted, for every verb and flag.
func (c Config) Format(f fmt.State, verb rune) {
	format := "%" + flags(f) + string(verb)
	if verb == 'v' && f.Flag('#') {
		// %#v would print the view's type name; keep the public one.
		s := fmt.Sprintf("%#v", c.redacted())
		_, _ = fmt.Fprint(f, strings.Replace(s, "anyca.configView", "anyca.Config", 1))
		return
	}
	_, _ = fmt.Fprintf(f, format, c.redacted())
}

func flags(f fmt.State) string {
	var b strings.Builder
	for _, fl := range "+-# 0" {
		if f.Flag(int(fl)) {
			b.WriteRune(fl)
		}
	}
	return b.String()
}

// String returns the config as %v prints it, key redacted.
func (c Config) String() string { return fmt.Sprintf("%v", c) }

// LogValue makes slog print the config with the key redacted.
func (c Config) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("provider", c.Provider),
		slog.String("api_key", c.redacted().APIKey),
		slog.String("base_url", c.BaseURL),
		slog.String("region", c.Region),
	}
	if c.ACME != nil {
		attrs = append(attrs, slog.Any("acme", *c.ACME))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON writes the config with the key redacted, so a marshalled config is safe to
// log. Config files are read with UnmarshalJSON, which takes the key as written.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	v := plain(c)
	if v.APIKey != "" {
		v.APIKey = retry.Redacted
	}
	return json.Marshal(v)
}

// The environment variables ConfigFromEnv reads.
const (
	EnvProvider = "ANYCA_PROVIDER"
	EnvAPIKey   = "ANYCA_API_KEY"
	EnvBaseURL  = "ANYCA_BASE_URL"
	EnvRegion   = "ANYCA_REGION"
)

// ConfigFromEnv reads ANYCA_PROVIDER, ANYCA_API_KEY, ANYCA_BASE_URL and ANYCA_REGION,
// each trimmed of surrounding whitespace. It fails when the provider or the key is
// missing with a *model.Error of kind model.ErrInvalidArgument naming the variables
// (never a value).
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		Provider: strings.TrimSpace(os.Getenv(EnvProvider)),
		APIKey:   strings.TrimSpace(os.Getenv(EnvAPIKey)),
		BaseURL:  strings.TrimSpace(os.Getenv(EnvBaseURL)),
		Region:   strings.TrimSpace(os.Getenv(EnvRegion)),
	}
	var missing []string
	if cfg.Provider == "" {
		missing = append(missing, EnvProvider)
	}
	if cfg.APIKey == "" {
		missing = append(missing, EnvAPIKey)
	}
	if len(missing) > 0 {
		return cfg, configError("ConfigFromEnv", "%s not set", strings.Join(missing, " and "))
	}
	return cfg, nil
}

// configError is the *model.Error of kind model.ErrInvalidArgument that every
// configuration mistake found by this package is.
func configError(op, format string, args ...any) *model.Error {
	return model.NewError("anyca", op, model.ErrInvalidArgument, format, args...)
}

// NewFunc builds a provider from a Config; adapters register one under their name.
type NewFunc func(ctx context.Context, cfg Config) (Provider, error)

var (
	registryMu sync.RWMutex
	registry   = builtins()
)

// Register makes an adapter available to New under name (case-insensitive). It panics
// when fn is nil or the name is empty or already taken, as database/sql.Register does:
// both are programming errors found at start-up.
func Register(name string, fn NewFunc) {
	key := strings.ToLower(strings.TrimSpace(name))
	if key == "" || fn == nil {
		panic("anyca: Register needs a name and a NewFunc")
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[key]; dup {
		panic("anyca: Register called twice for provider " + key)
	}
	registry[key] = fn
}

// Providers returns the registered provider names, sorted.
func Providers() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the provider cfg names. An empty or unknown name is an error that lists the
// registered ones; adapter-specific checks (key well-formed, base URL https unless
// loopback, region known) happen in the adapter's constructor. Every error is a
// *model.Error: for the built-in adapters always of kind model.ErrInvalidArgument, and
// an adapter's error that is not a *model.Error is wrapped in one of that kind.
func New(ctx context.Context, cfg Config) (Provider, error) {
	key := strings.ToLower(strings.TrimSpace(cfg.Provider))
	registryMu.RLock()
	fn := registry[key]
	registryMu.RUnlock()
	if fn == nil {
		registered := strings.Join(Providers(), ", ")
		if key == "" {
			return nil, configError("New", "no provider named in the config (registered: %s)", registered)
		}
		return nil, configError("New", "unknown provider %q (registered: %s)", cfg.Provider, registered)
	}
	cfg.Provider = key
	p, err := fn(ctx, cfg)
	if err != nil {
		var me *model.Error
		if errors.As(err, &me) {
			return nil, err
		}
		kind := model.ErrInvalidArgument
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			kind = ctxErr
		}
		return nil, &model.Error{Provider: key, Op: "New", Kind: kind, Err: err}
	}
	if p == nil {
		return nil, &model.Error{Provider: key, Op: "New", Kind: model.ErrUnavailable, Message: "the adapter returned no provider and no error"}
	}
	return p, nil
}
