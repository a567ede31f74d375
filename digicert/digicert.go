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

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// Name is the provider name the adapter reports and is registered under.
const Name = "digicert"

// Base URLs of the two CertCentral instances.
const (
	BaseURLUS = "https://www.digicert.com/services/v2"
	BaseURLEU = "https://certcentral.digicert.eu/services/v2"
)

// defaultPath is the Services API path an origin given as BaseURL gets.
const defaultPath = "/services/v2"

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
// per 3 minutes (older documentation said 1000 per 5 minutes). The default limiter keeps
// exactly those two windows (retry.WindowLimiter, each with its default margin), which a
// single process can use to over 95% of the long-run 5.56/s without a 429; several
// processes sharing one key need a shared Limiter (module redislimit). A 429 is retried
// with backoff up to MaxAttempts.
var DefaultRetry = retry.Config{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second,
	Windows: []retry.Window{{N: 100, Per: 5 * time.Second}, {N: 1000, Per: 3 * time.Minute}}}

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
	APIKey string // required; sent in the X-DC-DEVKEY header
	Region string // "us" (default) or "eu"; ignored when BaseURL is set
	// BaseURL overrides Region (fakes, proxies); https, or http on a loopback host. An
	// origin without a path ("https://www.digicert.com") gets /services/v2.
	BaseURL    string
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

	// The settings Order, Revoke and Cancel use (the root package's JSON config has them
	// under "digicert"):

	// Product is the product name_id Order uses when the request names none; "" takes
	// DefaultProduct.
	Product string
	// OrganizationID is the organization an OV or EV order is for (organization.id).
	// Without it an OV or EV order uses the account's only active organization (one List
	// organizations request before the order); an account with none or several makes
	// the order model.ErrInvalidArgument naming this setting, and no order is sent. DV
	// products do not use it.
	OrganizationID string
	// PaymentMethod is sent as payment_method: "balance" (the default, the account's
	// funds), "card", "profile" or "wire_transfer"; another word is
	// model.ErrInvalidArgument naming it, before any request.
	PaymentMethod string
	// SkipApproval sends skip_approval with orders and revocations, so that CertCentral
	// does not wait for an approver (revocation without approval needs an administrator's
	// key).
	SkipApproval bool
	// ApproveRequests lets the adapter approve the request an order or a revocation
	// waits on (PUT /request/{id}/status), with the key's own rights. Without it a
	// revocation waiting for an approver is model.ErrFailedPrecondition with code
	// approval_required, and an order waiting for one is returned pending with vendor
	// status needs_approval.
	ApproveRequests bool
}

// view is the config's printable summary: the key masked, Region and BaseURL shown.
func (c Config) view() secret.View {
	return secret.View{Type: "digicert.Config", APIKey: c.APIKey, Fields: []secret.Field{{Name: "Region", Key: "region", Value: c.Region}, {Name: "BaseURL", Key: "base_url", Value: c.BaseURL}}}
}

// String returns the config with the API key redacted.
func (c Config) String() string { return c.view().String() }

// Format prints String whatever the verb or flags (%q quotes it).
func (c Config) Format(f fmt.State, verb rune) { secret.Write(f, verb, c.String()) }

// MarshalJSON encodes the printable fields, the API key as "[REDACTED]".
func (c Config) MarshalJSON() ([]byte, error) { return c.view().MarshalJSON() }

// LogValue makes slog print the printable fields, the key redacted.
func (c Config) LogValue() slog.Value { return c.view().LogValue() }

// label is secret.Label, named so that the field Client embeds it in is unexported.
type label = secret.Label

// Client is a CertCentral account. It is safe for concurrent use. It prints (String,
// GoString, Format under every verb, LogValue) as digicert.Client{...} with its provider,
// base URL and retry settings, never its API key.
type Client struct {
	label
	http        *retry.Client
	batchSize   int
	concurrency int
	now         func() time.Time
	ordering    ordering
}

// New checks cfg and returns a Client. It makes no request. A missing key, an unknown
// region or a base URL that is neither https nor loopback http is an error that never
// contains the key.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "an API key is required")
	}
	base := wire.WithDefaultPath(cfg.BaseURL, defaultPath)
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
	ordering, err := checkOrdering(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{label: secret.NewLabel("digicert.Client{" + hc.String() + "}"), http: hc, batchSize: cfg.BatchSize,
		concurrency: cfg.Concurrency, now: cfg.Now, ordering: ordering}
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

// decodeError maps a non-2xx answer through errorTable (wire.ErrorTable.Resolve); the
// first error's code and message are kept. A 404 without CertCentral's error format, or
// with its route code "not_found|route" (a wrong BaseURL path), is
// wire.EndpointNotFound: only an object's own not_found code is model.ErrNotFound.
func decodeError(status int, body []byte) (code, msg string, kind error) {
	var eb errorBody
	if json.Unmarshal(bytes.TrimSpace(body), &eb) == nil && len(eb.Errors) > 0 {
		code, msg = string(eb.Errors[0].Code), string(eb.Errors[0].Message)
	} else if status == http.StatusNotFound {
		return wire.NotVendor404()
	}
	if code, msg, kind = errorTable.Resolve(status, code, msg); kind == nil {
		kind = retry.KindForStatus(status)
	}
	return code, msg, kind
}

// errorTable is CertCentral's mapping from status and code to a kind, read top to
// bottom. The invalid-key 403 is decided by its code before the status: it is
// unauthenticated, never permission denied (so no view-only-key fallback is taken on it).
var errorTable = wire.ErrorTable{
	{Code: "access_denied|access_denied_invalid_key", Kind: model.ErrUnauthenticated},
	{Status: http.StatusUnauthorized, Kind: model.ErrUnauthenticated},
	{Status: http.StatusForbidden, Kind: model.ErrPermissionDenied},
	{Code: "not_found|route", Route: true}, // no such API route: a wrong BaseURL path
	{Status: http.StatusGone, Kind: model.ErrNotFound},
	{Status: http.StatusTooManyRequests, Kind: model.ErrRateLimited},
	{Code: "not_found", Kind: model.ErrNotFound},
	{Code: "access_denied", Kind: model.ErrPermissionDenied},
	{Code: "permission_denied", Kind: model.ErrPermissionDenied},
	{Code: "forbidden", Kind: model.ErrPermissionDenied},
	{Code: "request_limit_exceeded", Kind: model.ErrRateLimited},
	{Code: "invalid_api_key", Kind: model.ErrUnauthenticated},
	{Code: "unauthorized", Kind: model.ErrUnauthenticated},
	{Code: "missing_api_key", Kind: model.ErrUnauthenticated},
}

// kindFor maps an HTTP status and a vendor code to an error kind: errorTable (with the
// kit's 404 rule, wire.ErrorTable.Resolve), else the status alone.
func kindFor(status int, code string) error {
	if _, _, k := errorTable.Resolve(status, code, ""); k != nil {
		return k
	}
	return retry.KindForStatus(status)
}

// BaseURL returns the base URL requests are resolved against (the region's instance, or
// Config.BaseURL).
func (c *Client) BaseURL() string { return c.http.BaseURL().String() }
