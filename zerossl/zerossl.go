// Package zerossl is the anyca adapter for ZeroSSL's REST API (https://api.zerossl.com).
//
// It reads certificates, lists them lazily page by page, reports the DCV challenges of a
// certificate and derives a per-domain validation state from the account's certificates
// (ZeroSSL validates per certificate and has no domain objects). It copes with the API's
// quirks: errors sent with HTTP 200 and decided from the body, numbers sent as strings,
// nulls before issuance, PHP's [] for empty objects, proxies answering with HTML.
//
// The API key travels in the access_key query parameter, as ZeroSSL requires; it is
// redacted from every error and log line the client produces.
//
// A Client is built with New from a Config, without the root anyca package; the root
// package registers it as "zerossl".
//
// Mapping decisions, where the API leaves a choice:
//   - Every certificate is Level dv; Product comes from "type" ("1" -> "ZeroSSL 90-day",
//     "2" -> "ZeroSSL 90-day wildcard", ... see Product).
//   - CreatedAt is "created", NotAfter is "expires" (zero while null); NotBefore stays
//     zero because the API does not give it, and SerialNumber stays empty for the same
//     reason. All times are read as UTC.
//   - Status words map one to one; "deleted" (known to one official client) is
//     StatusCancelled; any other word is StatusUnknown, with VendorStatus kept.
//   - Certificate ids are checked before any request: 32 ASCII letters or digits (the
//     API says hex, but its own example id is not); anything else is
//     ErrInvalidArgument.
//   - Challenge status follows the certificate (see ChallengeStatus), refined by
//     GET /certificates/{id}/status for email validation in progress.
//   - DomainValidation has no domain object to read: it reports the newest certificate
//     that lists the name and is not cancelled (see Client.DomainValidation);
//     ValidatedAt stays zero, as ZeroSSL does not say when DCV passed.
//   - The Client is not an anyca.BatchGetter (ZeroSSL has no batch endpoint);
//     anyca.CertificatesByID runs bounded concurrent Certificate calls instead.
package zerossl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// Name is the provider name the adapter reports and is registered under.
const Name = "zerossl"

// DefaultBaseURL is ZeroSSL's API endpoint, used when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.zerossl.com"

// Page sizes for GET /certificates: DefaultPageSize when a query asks for none, and the
// API's maximum, to which larger requests are lowered.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// DefaultRetry is the retry and rate-limit policy a zero Config.Retry takes: 4 attempts,
// 500 ms to 30 s backoff, and 5 requests per second with a burst of 5 (ZeroSSL publishes
// no numbers and blocks abusive clients, so the limit is deliberately low). It is read
// when New runs; the same form as the digicert adapter's.
var DefaultRetry = retry.Config{MaxAttempts: 4, MinWait: 500 * time.Millisecond, MaxWait: 30 * time.Second,
	RequestsPerSecond: 5, Burst: 5}

// Config configures a Client. The API key is never printed: Config formats and logs
// with the key shown as "[REDACTED]".
type Config struct {
	APIKey     string       // required; sent as access_key on every request
	BaseURL    string       // DefaultBaseURL when empty; https, or http on a loopback host
	Region     string       // ZeroSSL has a single region: anything but "" is refused
	HTTPClient *http.Client // base client to wrap; nil uses a pooled client with a timeout
	Retry      retry.Config // zero fields take DefaultRetry
	Logger     *slog.Logger // nil: no logging; Debug logs one redacted line per attempt
	// MaxBodyBytes caps every response body; 0 takes retry.DefaultMaxBodyBytes. A longer
	// body is an error, never a truncated read.
	MaxBodyBytes int64
	// Now returns the current time, for deciding whether a certificate is past its expiry
	// in DomainValidation; nil uses time.Now.
	Now func() time.Time
}

// view is the config's printable summary: the key masked, Region and BaseURL shown.
func (c Config) view() secret.View {
	return secret.View{Type: "zerossl.Config", APIKey: c.APIKey, Fields: []secret.Field{{Name: "BaseURL", Key: "base_url", Value: c.BaseURL}, {Name: "Region", Key: "region", Value: c.Region}}}
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

// Client talks to one ZeroSSL account. It implements anyca.Provider and
// anyca.DomainLister, and is safe for concurrent use. It has no batch endpoint to offer,
// so it does not implement anyca.BatchGetter: anyca.CertificatesByID falls back to
// bounded concurrent Certificate calls. It prints (String, GoString, Format under every
// verb, LogValue) as zerossl.Client{...} with its provider, base URL and retry settings,
// never its API key.
type Client struct {
	label
	http *retry.Client
	now  func() time.Time
}

// New checks cfg and returns a Client. It fails without a request when the key is
// missing, the base URL is not https (or http on loopback), the retry settings are
// invalid, or a Region is set (model.ErrInvalidArgument).
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "an API key is required")
	}
	if cfg.Region != "" {
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "ZeroSSL has no regions; region %q is not supported", truncate(cfg.Region, 20))
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	hc, err := retry.New(retry.Options{
		Provider:     Name,
		BaseURL:      base,
		Auth:         retry.Auth{Key: cfg.APIKey, QueryParam: "access_key"},
		Config:       cfg.Retry,
		Defaults:     DefaultRetry,
		HTTPClient:   cfg.HTTPClient,
		Logger:       cfg.Logger,
		UserAgent:    "anyca-zerossl",
		MaxBodyBytes: cfg.MaxBodyBytes,
		DecodeError:  decodeHTTPError,
	})
	if err != nil {
		return nil, err // a *model.Error of kind ErrInvalidArgument
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Client{label: secret.NewLabel("zerossl.Client{" + hc.String() + "}"), http: hc, now: now}, nil
}

// Name returns "zerossl".
func (c *Client) Name() string { return Name }

// get sends a GET and decodes a successful body into out. HTTP-200 error bodies become
// the vendor's error; non-JSON or wrongly typed bodies become malformed-response errors.
//
//lint:ignore U1000 the request helper for endpoints without a document check (download, issue 13)
func (c *Client) get(ctx context.Context, op, path string, q url.Values, out any) error {
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: path, Query: q})
	if err != nil {
		return err
	}
	return c.decode(op, resp, out)
}

// envelopeError returns the vendor error an envelope carries, or nil for a success.
// A body is an error when "success" is present and false (false, 0, "0") or when it has
// an "error" value other than null/false.
func (c *Client) envelopeError(op string, status int, env wireEnvelope) *model.Error {
	succ, succErr := wire.ParseBool(env.Success)
	hasError := len(env.Error) > 0 && !isJSONNullish(env.Error)
	if !hasError && (!succ.Set || succ.V) && succErr == nil {
		return nil
	}
	if !hasError && succErr != nil {
		// An unreadable success flag without an error object: trust the payload.
		return nil
	}
	code, msg, kind := decodeErrorObject(env.Error)
	if kind == nil {
		kind = model.ErrUnavailable
		if status >= 400 {
			kind = retry.KindForStatus(status)
		}
	}
	if code == "" && msg == "" {
		msg = "the API answered success:false without an error object"
	}
	return c.http.VendorError(op, kind, status, code, msg)
}

func isJSONNullish(b []byte) bool {
	s := string(bytes.TrimSpace(b))
	return s == "null" || s == "false" || s == "" || s == "0"
}

// decodeHTTPError is the retry.ErrorDecoder for non-2xx answers: ZeroSSL's error
// object when the body has one, else nothing (the status decides, the body is quoted).
func decodeHTTPError(status int, body []byte) (code, msg string, kind error) {
	body = bytes.TrimSpace(body)
	var env wireEnvelope
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &env) != nil || len(env.Error) == 0 || isJSONNullish(env.Error) {
		if status == http.StatusNotFound {
			return wire.NotVendor404()
		}
		return "", "", nil
	}
	code, msg, kind = decodeErrorObject(env.Error)
	if kind == nil && status == http.StatusNotFound {
		return wire.EndpointNotFound(code, msg) // only ZeroSSL's own not-found codes name a missing object
	}
	if kind == nil {
		kind = retry.KindForStatus(status)
	}
	return code, msg, kind
}

// decodeErrorObject reads ZeroSSL's error object (or a bare string) into a kind (nil when
// the code is unknown), the code "2803 certificate_not_found", and the message.
func decodeErrorObject(raw json.RawMessage) (code, msg string, kind error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", "", nil
	}
	if raw[0] == '"' {
		var s string
		_ = json.Unmarshal(raw, &s)
		return "", strings.TrimSpace(s), nil
	}
	var we wireError
	if raw[0] != '{' || json.Unmarshal(raw, &we) != nil {
		return "", "unreadable error object", nil
	}
	c := strings.TrimSpace(string(we.Code))
	t := strings.TrimSpace(string(we.Type))
	code = strings.TrimSpace(c + " " + t)
	msg = strings.TrimSpace(string(we.Info))
	if msg == "" {
		msg = strings.TrimSpace(string(we.Message))
	}
	if errorTable.Route(0, c) || strings.EqualFold(t, "route_not_found") {
		return wire.EndpointNotFound(code, msg)
	}
	return code, msg, kindForCode(c, t)
}

// errorTable maps ZeroSSL's numeric error codes to kinds (ZeroSSL sends most errors with
// HTTP 200, so the code alone decides).
var errorTable = wire.ErrorTable{
	{Code: "101", Kind: model.ErrUnauthenticated}, // invalid_access_key
	{Code: "102", Kind: model.ErrUnauthenticated}, // inactive_user
	{Code: "2801", Kind: model.ErrPermissionDenied},
	{Code: "2814", Kind: model.ErrPermissionDenied},   // permission_denied_on_original_certificate
	{Code: "2803", Kind: model.ErrNotFound},           // certificate_not_found
	{Code: "103", Kind: model.ErrUnsupported},         // invalid_api_function
	{Code: "104", Route: true},                        // route_not_found: a wrong BaseURL path
	{Code: "2802", Kind: model.ErrInvalidArgument},    // missing_certificate_hash
	{Code: "110", Kind: model.ErrInvalidArgument},     // invalid_request_body
	{Code: "115", Kind: model.ErrInvalidArgument},     // invalid_json_request
	{Code: "116", Kind: model.ErrInvalidArgument},     // invalid_json_request_param
	{Code: "2800", Kind: model.ErrInvalidArgument},    // incorrect_request_type
	{Code: "2831", Kind: model.ErrInvalidArgument},    // certificate_not_ready_to_validate
	{Code: "111", Kind: model.ErrUnavailable},         // internal_server_error
	{Code: "2838", Kind: model.ErrUnavailable},        // failed_getting_validation_status
	{Code: "2817", Kind: model.ErrFailedPrecondition}, // certificate_limit_reached: the plan's quota, not a rate
	{Code: "2839", Kind: model.ErrFailedPrecondition}, // duplicate_certificates_found: the free plan
	{Code: "2841", Kind: model.ErrFailedPrecondition}, // unpaid invoices, or CAA (both under this code)
	{Code: "2804", Kind: model.ErrFailedPrecondition}, // unpaid upgrade invoices
	{Code: "2813", Kind: model.ErrFailedPrecondition}, // another replacement already made
	{Code: "2815", Kind: model.ErrFailedPrecondition}, // original_certificate_not_active
	{Code: "2816", Kind: model.ErrNotFound},           // cannot_find_original_certificate
	{Code: "2907", Kind: model.ErrFailedPrecondition}, // certificate_not_in_revocable_state
	{Code: "2910", Kind: model.ErrFailedPrecondition}, // certificate_not_revocable_already_replaced
	{Code: "2906", Kind: model.ErrUnavailable},        // revocation_failed: retry later
	{Code: "2908", Kind: model.ErrUnavailable},        // revocation blocked for hours
	{Code: "2909", Kind: model.ErrUnavailable},        // being issued: retry in minutes
	{Code: "2805", Kind: model.ErrInvalidArgument},
	{Code: "2806", Kind: model.ErrInvalidArgument},
	{Code: "2807", Kind: model.ErrInvalidArgument}, // invalid_certificate_validity
	{Code: "2808", Kind: model.ErrInvalidArgument}, // invalid domain
	{Code: "2809", Kind: model.ErrInvalidArgument}, // wildcard in multi-domain
	{Code: "2810", Kind: model.ErrInvalidArgument},
	{Code: "2811", Kind: model.ErrInvalidArgument},
	{Code: "2812", Kind: model.ErrInvalidArgument},
	{Code: "2818", Kind: model.ErrInvalidArgument},  // invalid_certificate_csr
	{Code: "28181", Kind: model.ErrInvalidArgument}, // CSR CN a wildcard, certificate not
	{Code: "28182", Kind: model.ErrInvalidArgument}, // the reverse
	{Code: "2819", Kind: model.ErrInvalidArgument},  // missing CSR
	{Code: "2836", Kind: model.ErrInvalidArgument},  // csr_cn_is_invalid
	{Code: "2880", Kind: model.ErrInvalidArgument},  // invalid_san
	{Code: "2842", Kind: model.ErrInvalidArgument},  // replacement_needs_same_common_name
	{Code: "2843", Kind: model.ErrInvalidArgument},  // ipv6
	{Code: "2874", Kind: model.ErrInvalidArgument},  // restricted TLD
	{Code: "2877", Kind: model.ErrInvalidArgument},  // unsupported TLD
	{Code: "2904", Kind: model.ErrRateLimited},      // EAB quota
	{Code: "2905", Kind: model.ErrRateLimited},      // EAB quota
}

// kindForCode maps a code, falling back to words in the error type for codes not in
// the table; nil when neither says anything.
func kindForCode(code, typ string) error {
	if k := errorTable.Kind(0, code); k != nil {
		return k
	}
	t := strings.ToLower(typ)
	switch {
	case t == "":
		return nil
	case strings.Contains(t, "access_key") || strings.Contains(t, "inactive_user"):
		return model.ErrUnauthenticated
	case strings.Contains(t, "permission"):
		return model.ErrPermissionDenied
	case strings.Contains(t, "not_found"):
		return model.ErrNotFound
	case strings.Contains(t, "limit") || strings.Contains(t, "quota") || strings.Contains(t, "too_many"):
		return model.ErrRateLimited
	case strings.Contains(t, "internal") || strings.Contains(t, "unavailable"):
		return model.ErrUnavailable
	case strings.Contains(t, "invalid") || strings.Contains(t, "missing") || strings.Contains(t, "incorrect") ||
		strings.Contains(t, "validation_failed") || strings.Contains(t, "not_ready"):
		return model.ErrInvalidArgument
	}
	return nil
}
