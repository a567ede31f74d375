// Package toyca is the anyca adapter for ToyCA, an invented certificate authority whose
// small JSON REST API is described below. It lives in its own module, outside
// github.com/anyca/anyca, and imports only that module's public packages: it is the
// template for an adapter written elsewhere (see ADAPTER.md in the anyca repository).
//
// The shape, as in the built-in adapters:
//
//	toyca.go             package doc (the vendor's facts), Name, Config, New, the Client and its Provider methods
//	wire.go              ToyCA's JSON types, exactly as sent, and their mapping to model values
//	toycatest/           the fake ToyCA, built on providertest/fakeca
//	conformance_test.go  the harness: providertest.Run, with the capabilities ToyCA lacks declared
//	mapping_test.go      the vendor's facts, one test each, read from testdata/
//	testdata/            ToyCA's answers as documented: the vendor notes live here and in this doc
//
// # The ToyCA API
//
// Every request carries the key in the Toy-Key header; the API lives at the root of its
// host (DefaultBaseURL). Times are RFC 3339, null when unset.
//
//	GET /certificates?offset=N&limit=N[&state=a,b][&q=text]  {"certificates": [certificate...], "total": N}
//	GET /certificates/{id}                                   certificate: {"id", "cn", "names", "state", "level", "product", "created", "not_before", "not_after", "serial", "sha1", "replaces"}
//	GET /certificates/{id}/challenges                        {"challenges": [challenge...]}
//	GET /domains/{name}                                      domain: {"id", "domain", "status", "method", "levels", "validated", "challenges"}
//
// A listing pages by offset, at most MaxPageSize items a page, and reports its total; q
// matches a substring of any name. An error is its HTTP status with
// {"error": {"code": "...", "message": "..."}}. Certificate states are ToyCA's own words
// (StatusWord); domain, level and challenge words are model's.
//
// ToyCA has no batch lookup, no domain listing, no DCV check on demand and no download:
// the Client implements anyca.Provider only, and the conformance harness declares those
// capabilities missing.
package toyca

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/secret"
)

// The adapter's name (under which it registers with anyca.Register), ToyCA's API, and
// the page sizes of a listing: the one a query without PageSize takes, and ToyCA's maximum.
const (
	Name            = "toyca"                     // the adapter's name
	DefaultBaseURL  = "https://api.toyca.example" // ToyCA's API, when Config.BaseURL is empty
	DefaultPageSize = 20                          // a listing's page size when the query sets none
	MaxPageSize     = 50                          // ToyCA's largest page
)

// DefaultRetry is the policy a zero Config.Retry takes: ToyCA publishes 10 requests a second.
var DefaultRetry = retry.Config{MaxAttempts: 4, MinWait: 250 * time.Millisecond, MaxWait: 20 * time.Second,
	RequestsPerSecond: 8, Burst: 8}

func init() {
	anyca.Register(Name, func(_ context.Context, cfg anyca.Config) (anyca.Provider, error) {
		if cfg.Region != "" {
			return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "ToyCA has no regions")
		}
		c, err := New(Config{APIKey: secret.New(cfg.APIKey), BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient,
			Retry: cfg.Retry, Logger: cfg.Logger})
		if err != nil {
			return nil, err // never a typed nil in the interface
		}
		return c, nil
	})
}

// Config configures a Client. The key is a secret.Key, so a Config prints without it.
type Config struct {
	APIKey     secret.Key   // required
	BaseURL    string       // DefaultBaseURL when empty
	HTTPClient *http.Client // nil: retry's pooled client
	Retry      retry.Config // zero fields take DefaultRetry
	Logger     *slog.Logger // nil: no logging
}

// Client is a ToyCA account, an anyca.Provider. It is safe for concurrent use, and
// prints as its base URL only.
type Client struct {
	secret.Label
	http *retry.Client
}

// New returns a Client for cfg; every mistake is a *model.Error of kind
// model.ErrInvalidArgument.
func New(cfg Config) (*Client, error) {
	if cfg.APIKey.IsZero() {
		return nil, model.NewError(Name, "New", model.ErrInvalidArgument, "an API key is required")
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	hc, err := retry.New(retry.Options{Provider: Name, BaseURL: base,
		Auth:   retry.Auth{Key: cfg.APIKey.Reveal(), Header: "Toy-Key"},
		Config: cfg.Retry, Defaults: DefaultRetry, HTTPClient: cfg.HTTPClient, Logger: cfg.Logger,
		UserAgent: "toyca-anyca", DecodeError: decodeError})
	if err != nil {
		return nil, err
	}
	return &Client{Label: secret.NewLabel("toyca.Client{" + hc.String() + "}"), http: hc}, nil
}

// Name returns "toyca".
func (c *Client) Name() string { return Name }

// decodeError reads ToyCA's error body. A 404 without it is not ToyCA's answer (a wrong
// BaseURL, a proxy): retry.NotVendor404, never "no such certificate".
func decodeError(status int, body []byte) (code, message string, kind error) {
	var e wireError
	if json.Unmarshal(body, &e) != nil || e.Error == nil || e.Error.Code == "" {
		if status == http.StatusNotFound {
			return retry.NotVendor404()
		}
		return "", "", nil // the status decides, with a snippet of the body
	}
	if e.Error.Code == "no_route" { // ToyCA's own answer for a path it does not serve
		return retry.EndpointNotFound(e.Error.Code, e.Error.Message)
	}
	return e.Error.Code, e.Error.Message, nil
}

// get sends a GET and decodes the answer into out, a document whose identifying members
// present reports: without them the answer is retry.UnexpectedDocument, never empty.
func (c *Client) get(ctx context.Context, op, path string, q url.Values, what string, out interface{ present() bool }) error {
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Path: path, Query: q})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return c.http.MalformedError(op, resp, fmt.Errorf("toyca: %w", err))
	}
	if !out.present() {
		return retry.UnexpectedDocument(Name, op, resp.StatusCode, what, idFields[what]...)
	}
	return nil
}

// checkID refuses, before any request, an id that can never be one (model.CheckID:
// empty, a control character, '/', "..", too long); any other id is ToyCA's to judge,
// escaped as one path segment.
func checkID(op, id string) error {
	if err := model.CheckID(id); err != nil {
		return model.NewError(Name, op, model.ErrInvalidArgument, "certificate id: %v", err)
	}
	return nil
}

// Certificate returns the certificate with ToyCA id id.
func (c *Client) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	const op = "Certificate"
	if err := checkID(op, id); err != nil {
		return nil, err
	}
	var w wireCertificate
	if err := c.get(ctx, op, "certificates/"+url.PathEscape(id), nil, docCertificate, &w); err != nil {
		return nil, err
	}
	return c.mapped(op, &w)
}

func (c *Client) mapped(op string, w *wireCertificate) (*model.Certificate, error) {
	cert, err := w.model()
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	return cert, nil
}

// Certificates lists the certificates matching q, page by page through pager.Listing
// (each once, stalls detected, no request after a break). States ToyCA never reports
// match nothing, without a request; the server's answer is filtered again, never widened.
func (c *Client) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	const op = "Certificates"
	return func(yield func(*model.Certificate, error) bool) {
		var words []string
		for _, st := range q.Status {
			if w := StatusWord(st); w != "" && !slices.Contains(words, w) {
				words = append(words, w)
			}
		}
		if len(q.Status) > 0 && len(words) == 0 {
			return
		}
		limit := q.PageSize
		if limit <= 0 {
			limit = DefaultPageSize
		}
		listing := pager.Listing[wireCertificate]{Provider: Name, Op: op, Limit: min(limit, MaxPageSize),
			ID: func(w wireCertificate) string { return deref(w.ID) },
			Fetch: func(ctx context.Context, r pager.Request) (pager.Page[wireCertificate], error) {
				v := url.Values{"offset": {strconv.Itoa(r.Offset)}, "limit": {strconv.Itoa(r.Limit)}}
				if len(words) > 0 {
					v.Set("state", strings.Join(words, ","))
				}
				if s := strings.TrimSpace(q.Search); s != "" {
					v.Set("q", s)
				}
				var page wireList
				if err := c.get(ctx, op, "certificates", v, docList, &page); err != nil {
					return pager.Page[wireCertificate]{}, err
				}
				return pager.Page[wireCertificate]{Items: *page.Certificates, Total: *page.Total}, nil
			}}
		for w, err := range listing.Seq(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			cert, err := c.mapped(op, &w)
			if err == nil && len(q.Status) > 0 && !slices.Contains(q.Status, cert.Status) {
				continue
			}
			if !yield(cert, err) || err != nil {
				return
			}
		}
	}
}

// DomainValidation returns ToyCA's record of domain, normalized first.
func (c *Client) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	const op = "DomainValidation"
	name, err := model.NormalizeDomain(domain)
	if err != nil {
		return nil, model.NewError(Name, op, model.ErrInvalidArgument, "%s", strings.TrimPrefix(err.Error(), model.ErrInvalidArgument.Error()+": "))
	}
	var w wireDomain
	if err := c.get(ctx, op, "domains/"+url.PathEscape(name), nil, docDomain, &w); err != nil {
		return nil, err
	}
	dv, err := w.model()
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	return dv, nil
}

// Challenges returns what to publish for the certificate with id.
func (c *Client) Challenges(ctx context.Context, id string) ([]model.Challenge, error) {
	const op = "Challenges"
	if err := checkID(op, id); err != nil {
		return nil, err
	}
	var w wireChallenges
	if err := c.get(ctx, op, "certificates/"+url.PathEscape(id)+"/challenges", nil, docChallenges, &w); err != nil {
		return nil, err
	}
	chs, err := mapChallenges(*w.Challenges)
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	return chs, nil
}
