// Package digicert is the anyca adapter for DigiCert CertCentral's Services API (REST v2)
// and its Custom Reports GraphQL API.
//
// It reads orders (the order id is the certificate's ID in the shared model), lists them
// lazily page by page, looks up many orders in one Reports query (falling back to one REST
// call per id when the Reports API is not available to the key), reads domain validation
// status and the DCV challenges to publish for a domain or an order. It copes with the
// API's quirks: ids sent as numbers or strings, "1" for true, an unquoted token in the
// vendor's own example, Mountain-Time dates, a deprecated status field, and proxies or
// maintenance pages answering with HTML.
//
// The API key travels in the X-DC-DEVKEY header; it is redacted from every error and log
// line. A Client is built with New from a Config, without the root anyca package; the root
// package registers it as "digicert".
package digicert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // Mountain Time must load on machines without a zoneinfo database

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Name is the provider name the adapter reports and is registered under.
const Name = "digicert"

// Base URLs of the two CertCentral instances.
const (
	BaseURLUS = "https://www.digicert.com/services/v2"
	BaseURLEU = "https://certcentral.digicert.eu/services/v2"
)

// Regions accepted in Config.Region.
const (
	RegionUS = "us"
	RegionEU = "eu"
)

// Page sizes: DefaultPageSize is used when a query asks for none, and larger requests are
// lowered to MaxPageSize (the API's maximum for List orders and List domains).
const (
	DefaultPageSize = 1000
	MaxPageSize     = 1000
)

// DefaultBatchSize is how many order_details_by_id aliases CertificatesByID puts in one
// Reports query.
const DefaultBatchSize = 100

// DefaultRetry is the retry and rate-limit policy a zero Config.Retry takes.
//
// CertCentral counts requests per key in two rolling windows: 100 per 5 seconds and 1000
// per 3 minutes (older documentation said 1000 per 5 minutes). A token bucket of rate r
// and burst b lets at most b+5r requests through in any 5 s and b+180r in any 3 min; with
// b = 50 and r = 5/s that is 75 (< 100) and 950 (< 1000), so the defaults stay under both
// published limits. A 429 is retried with backoff up to MaxAttempts.
var DefaultRetry = retry.Config{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second,
	RequestsPerSecond: 5, Burst: 50}

// mountain is the zone of CertCentral's date-only DCV expirations.
var mountain = func() *time.Location {
	loc, err := time.LoadLocation("America/Denver")
	if err != nil {
		return time.FixedZone("MST", -7*3600)
	}
	return loc
}()

// Config configures a Client. The API key is never printed: Config formats and logs with
// the key shown as "[REDACTED]".
type Config struct {
	APIKey     string       // required; sent in the X-DC-DEVKEY header
	Region     string       // "us" (default) or "eu"; ignored when BaseURL is set
	BaseURL    string       // overrides Region (fakes, proxies); https, or http on a loopback host
	HTTPClient *http.Client // base client to wrap; nil uses a pooled client with a timeout
	Retry      retry.Config // zero fields take DefaultRetry
	Logger     *slog.Logger // nil: no logging
	// MaxBodyBytes caps every response body; 0 takes retry.DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// BatchSize is the number of orders per Reports query in CertificatesByID; 0 takes
	// DefaultBatchSize.
	BatchSize int
	// Concurrency bounds the per-id REST lookups CertificatesByID makes when it falls back
	// from the Reports API; 0 takes 8.
	Concurrency int
	// Now returns the current time, for deciding whether a domain validation has expired;
	// nil uses time.Now.
	Now func() time.Time
}

// String returns the config with the API key redacted.
func (c Config) String() string {
	key := ""
	if c.APIKey != "" {
		key = retry.Redacted
	}
	return fmt.Sprintf("digicert.Config{APIKey: %q, Region: %q, BaseURL: %q}", key, c.Region, c.BaseURL)
}

// Format prints the config with the API key redacted, whatever the verb or flags.
func (c Config) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// LogValue makes slog print the config with the key redacted.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Client is a CertCentral account. It is safe for concurrent use.
type Client struct {
	http        *retry.Client
	batchSize   int
	concurrency int
	now         func() time.Time
}

// New checks cfg and returns a Client. It makes no request. A missing key, an unknown
// region or a base URL that is neither https nor loopback http is an error that never
// contains the key.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "an API key is required")
	}
	base := cfg.BaseURL
	switch strings.ToLower(strings.TrimSpace(cfg.Region)) {
	case "", RegionUS:
		if base == "" {
			base = BaseURLUS
		}
	case RegionEU:
		if base == "" {
			base = BaseURLEU
		}
	default:
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "unknown region %q (want %q or %q)", cfg.Region, RegionUS, RegionEU)
	}
	hc, err := retry.New(retry.Options{
		Provider:     Name,
		BaseURL:      base,
		Auth:         retry.Auth{Key: cfg.APIKey, Header: "X-DC-DEVKEY"},
		Config:       cfg.Retry,
		Defaults:     DefaultRetry,
		HTTPClient:   cfg.HTTPClient,
		Logger:       cfg.Logger,
		UserAgent:    "anyca-digicert/1",
		MaxBodyBytes: cfg.MaxBodyBytes,
		DecodeError:  decodeError,
	})
	if err != nil {
		return nil, err
	}
	c := &Client{http: hc, batchSize: cfg.BatchSize, concurrency: cfg.Concurrency, now: cfg.Now}
	if c.batchSize <= 0 {
		c.batchSize = DefaultBatchSize
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Name returns "digicert".
func (c *Client) Name() string { return Name }

// decodeError maps a non-2xx answer: the status decides the kind first (401 is always
// unauthenticated), the first error's code (split on "|") refines statuses that say
// little; the first error's code and message are kept.
func decodeError(status int, body []byte) (error, string, string) {
	var eb errorBody
	var code, msg string
	if json.Unmarshal(bytes.TrimSpace(body), &eb) == nil && len(eb.Errors) > 0 {
		code, msg = string(eb.Errors[0].Code), string(eb.Errors[0].Message)
	}
	return kindFor(status, code), code, msg
}

// kindFor maps an HTTP status and a vendor code to an error kind.
func kindFor(status int, code string) error {
	switch status {
	case http.StatusUnauthorized:
		return model.ErrUnauthenticated
	case http.StatusForbidden:
		return model.ErrPermissionDenied
	case http.StatusNotFound, http.StatusGone:
		return model.ErrNotFound
	case http.StatusTooManyRequests:
		return model.ErrRateLimited
	}
	head, _, _ := strings.Cut(strings.ToLower(code), "|")
	switch head {
	case "not_found":
		return model.ErrNotFound
	case "access_denied", "permission_denied", "forbidden":
		return model.ErrPermissionDenied
	case "request_limit_exceeded":
		return model.ErrRateLimited
	case "invalid_api_key", "unauthorized", "missing_api_key":
		return model.ErrUnauthenticated
	}
	return retry.KindForStatus(status)
}

// BaseURL returns the base URL requests are resolved against (the region's instance, or
// Config.BaseURL).
func (c *Client) BaseURL() string { return c.http.BaseURL().String() }
