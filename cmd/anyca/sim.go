package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// defaultSeed is the demo account's seed unless --seed says otherwise.
const defaultSeed = demo.DefaultSeed

// simCA is one simulated CA: a fake's handler mounted under a path prefix of the
// simulator's listener.
type simCA struct {
	provider string       // registered provider name
	label    string       // display name
	prefix   string       // path prefix on the listener, e.g. "/zerossl"
	basePath string       // path of the base URL to give the adapter, under prefix
	apiKey   string       // the key the fake accepts
	handler  http.Handler // the fake, seeded
	// featuredCert is a pending certificate (or order) covering demo.FeaturedDomain.
	featuredCert string
	noun         string // what the CA calls a certificate request: "order", "certificate"
	missingID    string // a well-formed id the CA does not know, for the demo's error question
	// account names the simulated CA in the fleet config anyca sim writes.
	account string
	// failNext makes the fake's next n requests misbehave (tests).
	failNext func(n int, f fakeca.Fault)
	// world is where the simulator publishes records and files; the fake looks there
	// (fakeca.Lookup) to decide its DCV checks. Shared by every simulated CA.
	world   *simWorld
	certs   int
	domains int
}

// baseURL is the adapter's base URL when the simulator listens on root ("http://host:port").
func (s simCA) baseURL(root string) string {
	return strings.TrimSuffix(root, "/") + s.prefix + s.basePath
}

// config is an anyca.Config reaching this simulated CA. Retries are quick and the
// client-side rate limit is off: the fake is local and never throttles.
func (s simCA) config(root string) anyca.Config {
	return anyca.Config{
		Provider: s.provider, APIKey: s.apiKey, BaseURL: s.baseURL(root),
		Retry: retry.Config{MaxAttempts: 2, MinWait: 10 * time.Millisecond, MaxWait: 50 * time.Millisecond, RequestsPerSecond: -1},
	}
}

// newSimCAs builds the simulated CAs, seeded with the demo accounts generated from seed
// with dates relative to now. They share one world, whose servers start with its start.
func newSimCAs(seed uint64, now time.Time) []simCA {
	world := newSimWorld(demo.Zones())
	var out []simCA
	for _, ca := range []simCA{newSimDigiCert(seed, now, world), newSimZeroSSL(seed, now, world)} {
		if isRegistered(ca.provider) {
			out = append(out, ca)
		}
	}
	return out
}

// isRegistered reports whether the provider name is known to anyca.New.
func isRegistered(name string) bool { return slices.Contains(anyca.Providers(), name) }

// simMux mounts each simulated CA under its prefix.
func simMux(cas []simCA) http.Handler {
	mux := http.NewServeMux()
	for _, ca := range cas {
		mux.Handle(ca.prefix+"/", http.StripPrefix(ca.prefix, ca.handler))
	}
	mux.Handle("POST /publish", publishHandler(cas)) // ?id=CERT_ID[&wrong=KIND]: records and files into the world
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "anyca sim: simulated CA APIs for tests and demos")
		for _, ca := range cas {
			fmt.Fprintf(w, "  %s: %s%s\n", ca.label, ca.prefix, ca.basePath)
		}
		fmt.Fprintln(w, "  POST /publish?id=CERT_ID[&wrong=cname|txt|redirect|caa]: publish the certificate's DCV records and files")
	})
	return mux
}

// checkLoopback refuses listen addresses that are not on a loopback interface: the
// fakes accept a published demo key and must not be reachable from the network.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q: want host:port, such as 127.0.0.1:8089", addr)
	}
	if host == "" || !retry.IsLoopback(host) {
		return usagef("--listen %q: only loopback addresses (127.0.0.1, ::1, localhost) are allowed; the simulator accepts a published key", addr)
	}
	return nil
}

func runSim(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	if err := checkLoopback(o.listen); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.listen)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	// A name such as localhost may resolve to a non-loopback address: check what we got.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return usagef("--listen %q resolved to %v, which is not loopback", o.listen, ln.Addr())
	}
	now := a.now()
	cas := newSimCAs(o.seed, now)
	fleet := newSimFleet(cas, o.seed, now)
	srv := &http.Server{Handler: simMux(fleet), ReadHeaderTimeout: 10 * time.Second}
	root := "http://" + ln.Addr().String()
	var world *simWorld
	if len(cas) > 0 {
		world = cas[0].world
		stop, err := world.start(ctx)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}

	fmt.Fprintf(a.stdout, "anyca sim: serving simulated CAs on %s (seed %d); Ctrl-C to stop.\n\n", root, o.seed)
	for _, ca := range cas {
		fmt.Fprintf(a.stdout, "# %s: %d certificates", ca.label, ca.certs)
		if ca.domains > 0 {
			fmt.Fprintf(a.stdout, ", %d domains", ca.domains)
		}
		fmt.Fprintf(a.stdout, "; pending %s for %s: %s\n", ca.noun, demo.FeaturedDomain, ca.featuredCert)
		fmt.Fprintf(a.stdout, "export %s=%s %s=%s %s=%s\n\n", anyca.EnvProvider, ca.provider,
			anyca.EnvAPIKey, ca.apiKey, anyca.EnvBaseURL, ca.baseURL(root))
	}
	fmt.Fprintln(a.stdout, "# then, for example: anyca expiring --within 30d")
	cfgDir, err := a.printSimFleet(fleet, root)
	if err != nil {
		ln.Close()
		return err
	}
	defer os.RemoveAll(cfgDir)
	if world != nil {
		if err := a.printSimWorld(world, root, cfgDir); err != nil {
			ln.Close()
			return err
		}
	}

	return a.serveUntilDone(ctx, "sim", srv, ln, nil)
}
