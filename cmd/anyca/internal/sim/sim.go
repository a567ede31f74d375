// Package sim is the simulator behind anyca sim and anyca demo: the vendor fakes seeded
// with the generated demo accounts (digicerttest, zerossltest), mounted under path
// prefixes of one handler (Mux), the fleet of accounts, and the world they share: an
// authoritative DNS server for the simulated zones and HTTP and HTTPS file hosts where
// a certificate's challenges are published (Publish), right or with a wrong value, and
// where the simulated CAs look when asked to check. The CLI's commands print and serve it.
package sim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// CA is one simulated CA: a fake's handler mounted under a path prefix of the
// simulator's listener.
type CA struct {
	Provider string       // registered provider name
	Label    string       // display name
	prefix   string       // path prefix on the listener, e.g. "/zerossl"
	basePath string       // path of the base URL to give the adapter, under prefix
	APIKey   string       // the key the fake accepts
	handler  http.Handler // the fake, seeded
	// FeaturedCert is a pending certificate (or order) covering demo.FeaturedDomain.
	FeaturedCert string
	Noun         string // what the CA calls a certificate request: "order", "certificate"
	MissingID    string // a well-formed id the CA does not know, for the demo's error question
	// Account names the simulated CA in the fleet config anyca sim writes.
	Account string
	// FailNext makes the fake's next n requests misbehave (tests).
	FailNext func(n int, f fakeca.Fault)
	// World is where the simulator publishes records and files; the fake looks there
	// (fakeca.Lookup) to decide its DCV checks. Shared by every simulated CA.
	World   *World
	Certs   int // certificates seeded
	Domains int // domains seeded
	// RootPEM is the root the CA's issued chains verify against, when the simulator
	// knows it apart from the fakes' test PKI (ACME: Pebble's root).
	RootPEM []byte
	// TLSRootPEM is the root a client must trust to reach the CA's API when it is served
	// over TLS on its own listener (ACME), else nil.
	TLSRootPEM []byte

	acme       *anyca.ACMEAccount // the ACME account (StartACME), nil for the other CAs
	acmeServer *acmetest.Server   // Pebble
	dirURL     string             // the ACME directory, on Pebble's own listener
}

// BaseURL is the adapter's base URL when the simulator listens on root ("http://host:port"):
// for the ACME CA, its directory, on its own listener.
func (s CA) BaseURL(root string) string {
	if s.dirURL != "" {
		return s.dirURL
	}
	return strings.TrimSuffix(root, "/") + s.prefix + s.basePath
}

// Config is an anyca.Config reaching this simulated CA. Retries are quick and the
// client-side rate limit is off: the fake is local and never throttles.
// The ACME CA's config carries its account and a client that trusts its TLS certificate.
func (s CA) Config(root string) anyca.Config {
	cfg := anyca.Config{
		Provider: s.Provider, APIKey: s.APIKey, BaseURL: s.BaseURL(root),
		Retry: retry.Config{MaxAttempts: 2, MinWait: 10 * time.Millisecond, MaxWait: 50 * time.Millisecond, RequestsPerSecond: -1},
	}
	if s.acme != nil {
		acct := *s.acme
		cfg.ACME, cfg.HTTPClient = &acct, s.acmeServer.Client()
	}
	return cfg
}

// NewCAs builds the simulated CAs, seeded with the demo accounts generated from seed
// with dates relative to now. They share one World, whose servers start with its Start.
func NewCAs(seed uint64, now time.Time) []CA {
	world := newWorld(demo.Zones())
	var out []CA
	for _, ca := range []CA{newDigiCert(seed, now, world), newZeroSSL(seed, now, world)} {
		if isRegistered(ca.Provider) {
			out = append(out, ca)
		}
	}
	return out
}

// isRegistered reports whether the provider name is known to anyca.New.
func isRegistered(name string) bool { return slices.Contains(anyca.Providers(), name) }

// Mux mounts each simulated CA under its prefix (the ACME CA has its own listener: it
// takes part in publish only), and POST /publish.
func Mux(cas []CA) http.Handler {
	mux := http.NewServeMux()
	for _, ca := range cas {
		if ca.handler != nil { // the ACME CA has its own listener
			mux.Handle(ca.prefix+"/", http.StripPrefix(ca.prefix, ca.handler))
		}
	}
	mux.Handle("POST /publish", publishHandler(cas)) // ?id=CERT_ID[&wrong=KIND]: records and files into the world
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "anyca sim: simulated CA APIs for tests and demos")
		for _, ca := range cas {
			if ca.dirURL != "" {
				fmt.Fprintf(w, "  %s: %s\n", ca.Label, ca.dirURL)
				continue
			}
			fmt.Fprintf(w, "  %s: %s%s\n", ca.Label, ca.prefix, ca.basePath)
		}
		fmt.Fprintln(w, "  POST /publish?id=CERT_ID[&wrong=cname|txt|redirect|caa]: publish the certificate's DCV records and files")
	})
	return mux
}
