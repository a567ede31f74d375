package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
	czerossl "github.com/caddyserver/zerossl"
)

// noLimit disables the client-side limiter so P1 measures overhead, not throttling.
var noLimit = retry.Config{RequestsPerSecond: -1}

func newProvider(tb testing.TB, name string, info fakeInfo, rc retry.Config) anyca.Provider {
	tb.Helper()
	p, err := anyca.New(context.Background(), anyca.Config{Provider: name, APIKey: info.Key, BaseURL: info.URL, Retry: rc})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// floorClient is what a hand-written integration would use: a pooled transport and a
// timeout.
func floorClient() *http.Client {
	return &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 30 * time.Second}
}

// dcOrder is the part of DigiCert's Order info a hand-written call needs to fill a
// model.Certificate.
type dcOrder struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	DateCreated string `json:"date_created"`
	Certificate struct {
		ID           int64    `json:"id"`
		CommonName   string   `json:"common_name"`
		DNSNames     []string `json:"dns_names"`
		SerialNumber string   `json:"serial_number"`
		Thumbprint   string   `json:"thumbprint"`
		ValidFrom    string   `json:"valid_from"`
		ValidTill    string   `json:"valid_till"`
	} `json:"certificate"`
	Product struct {
		NameID         string `json:"name_id"`
		ValidationType string `json:"validation_type"`
	} `json:"product"`
}

// zsCert is the part of ZeroSSL's certificate object a hand-written call needs.
type zsCert struct {
	ID                string `json:"id"`
	Type              string `json:"type"`
	CommonName        string `json:"common_name"`
	AdditionalDomains string `json:"additional_domains"`
	Created           string `json:"created"`
	Expires           string `json:"expires"`
	Status            string `json:"status"`
	FingerprintSHA1   string `json:"fingerprint_sha1"`
	ReplacementFor    string `json:"replacement_for"`
}

// floorGet is the floor: one request, status check, JSON decode, body drained and closed.
func floorGet(ctx context.Context, hc *http.Client, u string, hdr map[string]string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	err = json.NewDecoder(resp.Body).Decode(v)
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}

// floorLookupDigiCert is P1's DigiCert floor: floorGet of Order info into the minimal
// struct, mapped into the model.Certificate anyca returns (mapFloorOrder, the mapping
// ListDecode's floor uses), so that the ratio compares the same work.
func floorLookupDigiCert(ctx context.Context, hc *http.Client, info fakeInfo, hdr map[string]string, id string) (*model.Certificate, error) {
	var o dcOrder
	if err := floorGet(ctx, hc, info.URL+"/order/certificate/"+url.PathEscape(id), hdr, &o); err != nil {
		return nil, err
	}
	c := mapFloorOrder(&o)
	if !floorCertComplete(c) || c.ID != id {
		return nil, fmt.Errorf("order %+v, want a complete certificate %s", o, id)
	}
	return c, nil
}

// floorLookupZeroSSL is P1's ZeroSSL floor: floorGet of Get certificate, mapped like
// ListDecode's floor maps a listed certificate.
func floorLookupZeroSSL(ctx context.Context, hc *http.Client, info fakeInfo, id string) (*model.Certificate, error) {
	var w zsCert
	u := info.URL + "/certificates/" + url.PathEscape(id) + "?access_key=" + url.QueryEscape(info.Key)
	if err := floorGet(ctx, hc, u, nil, &w); err != nil {
		return nil, err
	}
	c := mapFloorZeroSSL(&w)
	if !floorCertComplete(c) || c.ID != id {
		return nil, fmt.Errorf("certificate %+v, want a complete certificate %s", w, id)
	}
	return c, nil
}

// BenchmarkP1Lookup looks up one certificate per op, by id: through anyca, through the
// floor (floorGet of the CA's own URL into the minimal struct, mapped into the same
// model.Certificate) and, for ZeroSSL, through
// github.com/caddyserver/zerossl. cpu-ns/op is the client's CPU alone (the fakes run in a
// child process).
func BenchmarkP1Lookup(b *testing.B) {
	ctx := context.Background()
	for _, v := range []struct {
		vendor, spec string
		floor        func(info fakeInfo) func(id string) error
	}{
		{"digicert", "digicert-certs:1000", func(info fakeInfo) func(string) error {
			hc := floorClient()
			hdr := map[string]string{"X-DC-DEVKEY": info.Key}
			return func(id string) error {
				_, err := floorLookupDigiCert(ctx, hc, info, hdr, id)
				return err
			}
		}},
		{"zerossl", "zerossl-certs:1", func(info fakeInfo) func(string) error {
			hc := floorClient()
			return func(id string) error {
				_, err := floorLookupZeroSSL(ctx, hc, info, id)
				return err
			}
		}},
	} {
		b.Run(v.vendor+"/anyca", func(b *testing.B) {
			measureLookup(b, v.spec, func(info fakeInfo) func(string) error {
				p := newProvider(b, v.vendor, info, noLimit)
				return func(id string) error {
					c, err := p.Certificate(ctx, id)
					if err == nil && c.ID != id {
						err = fmt.Errorf("certificate %+v, want id %s", c, id)
					}
					return err
				}
			})
		})
		b.Run(v.vendor+"/floor", func(b *testing.B) { measureLookup(b, v.spec, v.floor) })
	}
	b.Run("zerossl/caddyserver-zerossl", func(b *testing.B) {
		measureLookup(b, "zerossl-certs:1", func(info fakeInfo) func(string) error {
			c := czerossl.Client{AccessKey: info.Key, BaseURL: info.URL, HTTPClient: floorClient()}
			return func(id string) error {
				got, err := c.GetCertificate(ctx, id)
				if err == nil && got.ID != id {
					err = fmt.Errorf("certificate %+v, want id %s", got, id)
				}
				return err
			}
		})
	})
}

// measureLookup starts the fake of spec, builds a lookup with newLookup (not timed) and
// looks up the fake's first certificate once per op, reporting the client's CPU per op.
func measureLookup(b *testing.B, spec string, newLookup func(fakeInfo) func(id string) error) {
	b.Helper()
	info := fake(b, spec)
	lookup := newLookup(info)
	id := info.IDs[0]
	cpu := startCPU()
	for b.Loop() {
		if err := lookup(id); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}
