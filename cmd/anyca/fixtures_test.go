package main

import (
	"context"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/sim"
)

// What the command tests set up before they run anyca: files in a test's temporary
// directory, a provider's environment, and the simulator (its CAs, their shared world,
// the fleet of accounts) served on loopback until the test ends.

// writeFile writes body to the file name in dir, readable by its owner only, and
// returns its path; a failed write ends the test.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// providerEnv is the environment that points the command at one provider.
func providerEnv(provider, apiKey, baseURL string) map[string]string {
	return map[string]string{"ANYCA_PROVIDER": provider, "ANYCA_API_KEY": apiKey, "ANYCA_BASE_URL": baseURL}
}

// serveSim serves cas as anyca sim does (their shared world started, each CA under its
// prefix) on a loopback test server, closed when the test ends.
func serveSim(t *testing.T, cas []sim.CA) *httptest.Server {
	t.Helper()
	if len(cas) == 0 {
		t.Fatal("no simulated CA is registered")
	}
	stop, err := cas[0].World.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	srv := httptest.NewServer(sim.Mux(cas))
	t.Cleanup(srv.Close)
	return srv
}

// startSim serves the simulated CAs seeded with the demo accounts, dated relative to now.
func startSim(t *testing.T, now time.Time) ([]sim.CA, *httptest.Server) {
	t.Helper()
	cas := sim.NewCAs(defaultSeed, now)
	return cas, serveSim(t, cas)
}

// caEnv is the environment of a CLI run against ca served at root.
func caEnv(ca sim.CA, root string) map[string]string {
	return providerEnv(ca.Provider, ca.APIKey, ca.BaseURL(root))
}

// simEnv is caEnv with the variables that point challenges --check and sim publish at
// the simulator and its world.
func simEnv(ca sim.CA, srv *httptest.Server) map[string]string {
	env := caEnv(ca, srv.URL)
	maps.Copy(env, map[string]string{envSim: srv.URL, envDNSServer: ca.World.DNSAddr(),
		envHTTPHost: ca.World.FileAddr(), envHTTPSHost: ca.World.TLSAddr()})
	return env
}

// servedFleet is the simulated fleet (see sim.NewFleet) served for one test.
type servedFleet struct {
	accounts []sim.CA
	root     string            // the simulator's URL
	config   string            // an accounts config file that reaches every account
	env      map[string]string // the key variables the config reads
}

// startSimFleet serves the simulated fleet, dated by the real clock, and writes its
// accounts config; with breakStaging the staging account's key in env is a wrong one.
func startSimFleet(t *testing.T, breakStaging bool) servedFleet {
	t.Helper()
	now := time.Now()
	f := servedFleet{accounts: sim.NewFleet(sim.NewCAs(defaultSeed, now), defaultSeed, now), env: map[string]string{}}
	f.root = serveSim(t, f.accounts).URL
	b, err := sim.FleetConfig(f.accounts, f.root)
	if err != nil {
		t.Fatal(err)
	}
	f.config = writeFile(t, t.TempDir(), "fleet.json", string(b))
	for _, ca := range f.accounts {
		f.env[sim.KeyEnv(ca.Account)] = ca.APIKey
	}
	if breakStaging {
		f.env[sim.KeyEnv("staging")] = "wrong-staging-key-0123456789"
	}
	return f
}

// run runs a command against the fleet through its config and keys, with the real clock.
func (f servedFleet) run(t *testing.T, args ...string) result {
	t.Helper()
	return runLive(t, f.env, append([]string{"--config", f.config}, args...)...)
}

// account returns the fleet's account called name.
func (f servedFleet) account(t *testing.T, name string) sim.CA {
	t.Helper()
	for _, ca := range f.accounts {
		if ca.Account == name {
			return ca
		}
	}
	t.Fatalf("the fleet has no account %q", name)
	return sim.CA{}
}
