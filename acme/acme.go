// Package acme is the anyca adapter for ACME certificate authorities (RFC 8555): Let's
// Encrypt, ZeroSSL's ACME endpoint, Google Trust Services and any other ACME CA. It is
// built on github.com/mholt/acmez/v3 (protocol, JWS, nonces, account and order calls);
// the renewal information (ARI, RFC 9773) GET and its certificate identifier are the
// adapter's own, so that a 429 is never slept on and the identifier uses the serial's
// DER content bytes.
//
// A certificate's ID is its order URL, checked to be on the directory's origin before any
// request. The account is looked up first (onlyReturnExisting) and registered only with
// Config.AgreeTerms; an account bound to an external account (EAB) is registered once and
// its URL remembered in Config.StateDir, since ZeroSSL refuses a second registration.
// The orders placed through the Client (their names, CSR, creation time, what they
// replace, and the leaf once fetched) are kept in StateDir, or in memory when it is "".
//
// # HTTP and reliability
//
// acmez makes the requests through an http.Client whose transport is the adapter's (the
// project's retry.Client cannot carry ACME's signed, nonce-bearing requests, which must
// be re-signed for every attempt): every attempt waits on the client-side limiter built
// from Config.Retry (retry.NewLimiter), every body is read through Config.MaxBodyBytes
// (a longer one is an error and ends the call), redirects to another host are refused,
// and a Retry-After on a 2xx answer is lowered to MaxPollWait so that polling never
// sleeps long. acmez re-signs and resends a request the CA refused with badNonce, at most
// 10 attempts a call (at 30% nonce rejection, one call in about 170,000 fails). A 429 is
// returned at once as model.ErrRateLimited with the CA's Retry-After, never slept on.
// The newOrder, finalize and challenge POSTs reach the CA at most once: the transport
// refuses to send them again after an answer that was lost (connection error, 5xx,
// unreadable body), and newOrder then fails with ErrUnavailable and code
// CodeOrderOutcomeUnknown (anyca.OrderOutcomeUnknown): FindOrder finds the order if it
// was made. Every problem type maps to a model kind through one table (KindOf).
package acme

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// Name is the provider name of the generic adapter: BaseURL is any CA's directory URL.
const Name = "acme"

// Directories of the CAs registered under their own names.
const (
	LetsEncrypt        = "https://acme-v02.api.letsencrypt.org/directory"
	LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"
	ZeroSSL            = "https://acme.zerossl.com/v2/DV90"
	Google             = "https://dv.acme-v02.api.pki.goog/directory"
	GoogleStaging      = "https://dv.acme-v02.test-api.pki.goog/directory"
)

// ZeroSSLEABURL is where the zerossl-acme provider fetches its EAB credentials with the
// ZeroSSL REST API key (POST, access_key in the query).
const ZeroSSLEABURL = "https://api.zerossl.com/acme/eab-credentials"

// DefaultRetry is the policy a zero Config.Retry takes: 10 requests per second with a
// burst of 10 (Let's Encrypt allows 20 per second per endpoint and IP), 4 attempts per
// call with waits between 500 ms and 5 s. MaxWait is also the longest any Retry-After
// is waited, on a 2xx answer being polled or before another attempt. acmez itself only
// resends a request the CA refused with badNonce.
var DefaultRetry = retry.Config{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 5 * time.Second, RequestsPerSecond: 10, Burst: 10}

// DefaultMaxBodyBytes caps every answer when Config.MaxBodyBytes is 0: 1 MiB, a hundred
// times a certificate chain.
const DefaultMaxBodyBytes = 1 << 20

// Config configures a Client. Key, EABHMACKey and APIKey are never printed: Config
// formats, logs and marshals with them shown as "[REDACTED]".
type Config struct {
	// Provider is the name the Client reports (Name when ""): "letsencrypt", ...
	Provider string
	// DirectoryURL is the CA's ACME directory; https, or http on a loopback host.
	DirectoryURL string
	// Key is the account's private key, PEM (EC, PKCS#8 or PKCS#1); never printed.
	Key string
	// Email is the account's contact address, sent when the account is registered.
	Email string
	// EABKeyID and EABHMACKey (base64url) bind a new account to an external account.
	EABKeyID   string
	EABHMACKey string
	// RequireEAB refuses to register an account without EAB (Google, ZeroSSL), before
	// any request; a directory saying externalAccountRequired has the same effect.
	RequireEAB bool
	// APIKey and EABURL: when EAB is needed and EABKeyID is empty, the credentials are
	// fetched with a POST to EABURL?access_key=APIKey (ZeroSSL). Never printed.
	APIKey string
	EABURL string
	// AgreeTerms agrees to the CA's terms of service; a new account needs it.
	AgreeTerms bool
	// StateDir keeps the account URL and the orders placed; "" keeps them in memory.
	StateDir string
	// HTTPClient is the base client whose transport is wrapped (nil: a pooled client
	// with retry.DefaultTimeout per attempt).
	HTTPClient *http.Client
	// Retry sets the client-side rate limit (zero fields take DefaultRetry).
	Retry retry.Config
	// Logger receives acmez's debug lines; nil is silent.
	Logger *slog.Logger
	// MaxBodyBytes caps every answer; 0 takes DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PollInterval is the wait between two looks at an order being issued when the CA
	// sends no Retry-After (0: 250 ms).
	PollInterval time.Duration
	// Now returns the current time (nil: time.Now).
	Now func() time.Time
}

// view is the config's printable summary.
func (c Config) view() string {
	return fmt.Sprintf("acme.Config{Provider: %q, DirectoryURL: %q, Key: %q, Email: %q, EABKeyID: %q, EABHMACKey: %q, APIKey: %q, AgreeTerms: %t, StateDir: %q}",
		c.Provider, c.DirectoryURL, secret.Mask(c.Key), c.Email, c.EABKeyID, secret.Mask(c.EABHMACKey), secret.Mask(c.APIKey), c.AgreeTerms, c.StateDir)
}

// String returns the config with its secrets redacted.
func (c Config) String() string { return c.view() }

// GoString is String, for %#v.
func (c Config) GoString() string { return c.view() }

// Format prints String whatever the verb or flags (%q quotes it).
func (c Config) Format(f fmt.State, verb rune) { secret.Write(f, verb, c.view()) }

// LogValue makes slog print the config with its secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("provider", c.Provider), slog.String("directory_url", c.DirectoryURL),
		slog.String("key", secret.Mask(c.Key)), slog.String("email", c.Email), slog.String("eab_key_id", c.EABKeyID),
		slog.String("eab_hmac_key", secret.Mask(c.EABHMACKey)), slog.String("api_key", secret.Mask(c.APIKey)),
		slog.String("state_dir", c.StateDir))
}

// MarshalJSON encodes the printable fields, the secrets as "[REDACTED]".
func (c Config) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`{"provider":%q,"directory_url":%q,"key":%q,"email":%q,"eab_key_id":%q,"eab_hmac_key":%q,"api_key":%q,"agree_terms":%t,"state_dir":%q}`,
		c.Provider, c.DirectoryURL, secret.Mask(c.Key), c.Email, c.EABKeyID, secret.Mask(c.EABHMACKey), secret.Mask(c.APIKey), c.AgreeTerms, c.StateDir)), nil
}

type label = secret.Label

// Client is one account at one ACME CA. It implements anyca.Provider, Verifier,
// Downloader, Orderer, Revoker, RenewalAdvisor and OrderFinder, and is safe for
// concurrent use. It prints as acme.Client{...} with its provider and directory, never
// a key.
type Client struct {
	label
	name     string
	dirURL   *url.URL
	cfg      Config
	key      crypto.Signer
	hmac     secret.Key
	apiKey   secret.Key
	hc       *http.Client
	ac       *acmez.Client
	state    *state
	now      func() time.Time
	maxPoll  time.Duration
	retry    retry.Config
	acctMu   sync.Mutex
	acct     *acmez.Account
	answerMu sync.Mutex
	answered map[string]bool // challenge URLs answered by this Client
	ariMu    sync.Mutex
	ari      map[string]model.RenewalWindow
}

// MaxPollWait bounds how long one wait between looks at an order may be, whatever the
// CA's Retry-After says (DefaultRetry.MaxWait unless Config.Retry.MaxWait is set).
var MaxPollWait = DefaultRetry.MaxWait

// New checks cfg and returns a Client. It sends no request: the directory and the
// account are read on first use. A missing or unreadable key, a directory URL that is
// not https (or http on loopback), an HMAC key that is not base64url or invalid retry
// settings are model.ErrInvalidArgument.
func New(cfg Config) (*Client, error) {
	name := cfg.Provider
	if name == "" {
		name = Name
	}
	bad := func(format string, args ...any) (*Client, error) {
		return nil, model.NewError(name, "New", model.ErrInvalidArgument, format, args...)
	}
	if strings.TrimSpace(cfg.DirectoryURL) == "" {
		return bad("the ACME directory URL (BaseURL) is required")
	}
	dir, err := retry.CheckBaseURL(cfg.DirectoryURL)
	if err != nil {
		return bad("directory URL: %v", err)
	}
	if dir.Path == "" || dir.Path == "/" {
		dir.Path = "/directory"
	}
	if strings.TrimSpace(cfg.Key) == "" {
		return bad("an account key is required (acme.key: a PEM private key; acme.NewKey makes one)")
	}
	key, err := ParseKey(cfg.Key)
	if err != nil {
		return bad("account key: %v", err)
	}
	if cfg.EABHMACKey != "" {
		if _, err := decodeHMAC(cfg.EABHMACKey); err != nil {
			return bad("eab_hmac_key is not base64url")
		}
		if cfg.EABKeyID == "" {
			return bad("eab_hmac_key is set without eab_key_id")
		}
	}
	rc := cfg.Retry.WithDefaults(DefaultRetry)
	if rc.MaxWait == 0 {
		rc.MaxWait = DefaultRetry.MaxWait
	}
	if err := rc.Validate(); err != nil {
		return bad("%v", err)
	}
	limiter, err := retry.NewLimiter(rc)
	if err != nil {
		return bad("%v", err)
	}
	st, err := openState(cfg.StateDir)
	if err != nil {
		return bad("state_dir: %v", err)
	}
	base := http.DefaultTransport
	timeout := retry.DefaultTimeout
	if cfg.HTTPClient != nil {
		if cfg.HTTPClient.Transport != nil {
			base = cfg.HTTPClient.Transport
		}
		timeout = cfg.HTTPClient.Timeout
	}
	maxBody := cfg.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	hc := &http.Client{
		Transport:     &transport{base: base, limiter: limiter, maxBody: maxBody, maxPoll: rc.MaxWait},
		CheckRedirect: sameHostRedirects,
		Timeout:       timeout,
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	c := &Client{
		label:    secret.NewLabel(fmt.Sprintf("acme.Client{Provider: %q, Directory: %q}", name, dir.String())),
		name:     name,
		dirURL:   dir,
		cfg:      cfg,
		key:      key,
		hmac:     secret.New(cfg.EABHMACKey),
		apiKey:   secret.New(cfg.APIKey),
		hc:       hc,
		state:    st,
		now:      now,
		maxPoll:  rc.MaxWait,
		retry:    rc,
		answered: map[string]bool{},
		ari:      map[string]model.RenewalWindow{},
	}
	c.cfg.Key, c.cfg.EABHMACKey, c.cfg.APIKey = "", "", ""
	c.ac = &acmez.Client{Directory: dir.String(), HTTPClient: hc, UserAgent: "anyca", PollInterval: poll,
		PollTimeout: 2 * time.Minute, Logger: cfg.Logger}
	return c, nil
}

// Name returns the provider name the Client was built with.
func (c *Client) Name() string { return c.name }

// DirectoryURL returns the directory the Client talks to.
func (c *Client) DirectoryURL() string { return c.dirURL.String() }

// directory reads the CA's directory (acmez keeps it for 12 hours).
func (c *Client) directory(ctx context.Context, op string) (acmez.Directory, error) {
	var d acmez.Directory
	_, err := c.do(ctx, op, "", "", false, func(ctx context.Context) (err error) {
		d, err = c.ac.GetDirectory(ctx)
		return err
	})
	return d, err
}

// checkID checks id by model.CheckURLID: an id that can never be an object URL (a
// control character, a dot segment, ...) is ErrInvalidArgument, one not on the
// directory's origin ErrNotFound (it names none of the CA's objects), both before any
// request, so that no request (and no signature of the account) goes to another host.
func (c *Client) checkID(op, id string) (string, error) {
	u, err := model.CheckURLID(id, c.dirURL)
	switch {
	case errors.Is(err, model.ErrBadID):
		return "", c.invalid(op, "the certificate ID is not an order URL: %v", err)
	case err != nil:
		return "", model.NewError(c.name, op, model.ErrNotFound,
			"%q is not an order URL of this CA (a certificate's ID is its order URL, on %s://%s)", truncate(id, 120), c.dirURL.Scheme, c.dirURL.Host)
	}
	return u.String(), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
