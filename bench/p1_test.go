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

func BenchmarkP1Lookup(b *testing.B) {
	ctx := context.Background()
	b.Run("digicert/anyca", func(b *testing.B) {
		info := fake(b, "digicert-certs:1000")
		p := newProvider(b, "digicert", info, noLimit)
		id := info.IDs[0]
		cpu := startCPU()
		for b.Loop() {
			c, err := p.Certificate(ctx, id)
			if err != nil || c.ID != id {
				b.Fatal(c, err)
			}
		}
		cpu.report(b)
	})
	b.Run("digicert/floor", func(b *testing.B) {
		info := fake(b, "digicert-certs:1000")
		hc := floorClient()
		id := info.IDs[0]
		hdr := map[string]string{"X-DC-DEVKEY": info.Key}
		cpu := startCPU()
		for b.Loop() {
			var o dcOrder
			if err := floorGet(ctx, hc, info.URL+"/order/certificate/"+url.PathEscape(id), hdr, &o); err != nil || o.Certificate.CommonName == "" {
				b.Fatal(o, err)
			}
		}
		cpu.report(b)
	})
	b.Run("zerossl/anyca", func(b *testing.B) {
		info := fake(b, "zerossl-certs:1")
		p := newProvider(b, "zerossl", info, noLimit)
		id := info.IDs[0]
		cpu := startCPU()
		for b.Loop() {
			c, err := p.Certificate(ctx, id)
			if err != nil || c.ID != id {
				b.Fatal(c, err)
			}
		}
		cpu.report(b)
	})
	b.Run("zerossl/floor", func(b *testing.B) {
		info := fake(b, "zerossl-certs:1")
		hc := floorClient()
		id := info.IDs[0]
		cpu := startCPU()
		for b.Loop() {
			var c zsCert
			u := info.URL + "/certificates/" + url.PathEscape(id) + "?access_key=" + url.QueryEscape(info.Key)
			if err := floorGet(ctx, hc, u, nil, &c); err != nil || c.ID != id {
				b.Fatal(c, err)
			}
		}
		cpu.report(b)
	})
	b.Run("zerossl/caddyserver-zerossl", func(b *testing.B) {
		info := fake(b, "zerossl-certs:1")
		c := czerossl.Client{AccessKey: info.Key, BaseURL: info.URL, HTTPClient: floorClient()}
		id := info.IDs[0]
		cpu := startCPU()
		for b.Loop() {
			got, err := c.GetCertificate(ctx, id)
			if err != nil || got.ID != id {
				b.Fatal(got, err)
			}
		}
		cpu.report(b)
	})
}
