package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/retry"
)

// anyca sim: the simulator (package sim) served on a loopback listener, and what it prints.

// defaultSeed is the demo account's seed unless --seed says otherwise.
const defaultSeed = demo.DefaultSeed

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

// simOpts are the flags of anyca sim beyond --listen and --seed.
type simOpts struct {
	dns, http, https string // the world's addresses; "" picks a free port
	envFile          string // where to write the variables, "" nowhere
}

func runSim(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	if err := checkLoopback(o.listen); err != nil {
		return err
	}
	for flag, addr := range map[string]string{"--dns-listen": o.sim.dns, "--http-listen": o.sim.http, "--https-listen": o.sim.https} {
		if addr == "" {
			continue
		}
		if err := checkLoopback(addr); err != nil {
			return usagef("%s%s", flag, strings.TrimPrefix(err.Error(), "--listen"))
		}
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
	cas := sim.NewCAs(o.seed, now)
	fleet := sim.NewFleet(cas, o.seed, now)
	srv := &http.Server{Handler: sim.Mux(fleet), ReadHeaderTimeout: 10 * time.Second}
	root := "http://" + ln.Addr().String()
	var world *sim.World
	if len(cas) > 0 {
		world = cas[0].World
		stop, err := world.StartOn(ctx, sim.Addrs{DNS: o.sim.dns, HTTP: o.sim.http, HTTPS: o.sim.https})
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	var acmeCA *simACME
	if world != nil {
		if acmeCA, err = startSimACME(ctx, world); err != nil {
			ln.Close()
			return err
		}
		defer acmeCA.stop()
		srv.Handler = sim.Mux(append(fleet, acmeCA.ca)) // publish reaches the ACME CA too
	}

	fmt.Fprintf(a.stdout, "anyca sim: serving simulated CAs on %s (seed %d); Ctrl-C to stop.\n\n", root, o.seed)
	for _, ca := range cas {
		fmt.Fprintf(a.stdout, "# %s: %d certificates", ca.Label, ca.Certs)
		if ca.Domains > 0 {
			fmt.Fprintf(a.stdout, ", %d domains", ca.Domains)
		}
		fmt.Fprintf(a.stdout, "; pending %s for %s: %s\n", ca.Noun, demo.FeaturedDomain, ca.FeaturedCert)
		fmt.Fprintf(a.stdout, "export %s=%s %s=%s %s=%s\n\n", anyca.EnvProvider, ca.Provider,
			anyca.EnvAPIKey, ca.APIKey, anyca.EnvBaseURL, ca.BaseURL(root))
	}
	if acmeCA != nil {
		acmeCA.print(a)
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
	if o.sim.envFile != "" {
		if err := writeSimEnv(o.sim.envFile, cas, fleet, world, acmeCA, root, cfgDir); err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(a.stdout, "\n# every variable above, one NAME=value a line: %s (set -a; . %s; set +a)\n", o.sim.envFile, o.sim.envFile)
	}

	return a.serveUntilDone(ctx, "sim", srv, ln, nil)
}

// printSimFleet writes the fleet config to a new temporary directory and prints how to
// use it: the key variables to export and a command. The caller removes the directory.
func (a *app) printSimFleet(fleet []sim.CA, root string) (dir string, err error) {
	b, err := sim.FleetConfig(fleet, root)
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	dir, err = os.MkdirTemp("", "anyca-sim-")
	if err != nil {
		return "", fmt.Errorf("sim: %w", err)
	}
	path := filepath.Join(dir, "fleet.json")
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("sim: %w", err)
	}
	var names, exports []string
	for _, ca := range fleet {
		names = append(names, ca.Account+" ("+ca.Label+")")
		exports = append(exports, sim.KeyEnv(ca.Account)+"="+ca.APIKey)
	}
	fmt.Fprintf(a.stdout, "\n# Fleet of %d accounts: %s; config (removed when the simulator stops):\n", len(fleet), strings.Join(names, ", "))
	fmt.Fprintf(a.stdout, "# %s\n", path)
	for _, line := range strings.Split(string(b), "\n") {
		fmt.Fprintln(a.stdout, "#   "+line)
	}
	fmt.Fprintf(a.stdout, "export %s\n", strings.Join(exports, " "))
	fmt.Fprintf(a.stdout, "# then: anyca --config %s expiring --within 30d\n", path)
	fmt.Fprintf(a.stdout, "#   or: anyca --config %s exporter --listen 127.0.0.1:9469\n", path)
	return dir, nil
}

// printSimWorld writes the test root to dir (for https file checks) and prints the export
// lines that point challenges --check and sim publish at the world.
func (a *app) printSimWorld(w *sim.World, root, dir string) error {
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, sim.RootPEM(), 0o644); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	fmt.Fprintf(a.stdout, "\n# the simulated zones' DNS server and file hosts (http, https), where the simulated CAs look:\n")
	fmt.Fprintf(a.stdout, "export %s=%s %s=%s %s=%s %s=%s %s=%s\n", envSim, root, envDNSServer, w.DNSAddr(),
		envHTTPHost, w.FileAddr(), envHTTPSHost, w.TLSAddr(), envTLSRoots, roots)
	fmt.Fprintln(a.stdout, "# walk the loop: anyca challenges ID --check; anyca sim publish ID; anyca challenges ID --check; anyca verify ID; anyca download ID")
	return nil
}

// writeSimEnv writes the simulator's variables to path, one NAME=value a line (mode 0600):
// the simulated DigiCert as ANYCA_PROVIDER, ANYCA_API_KEY and ANYCA_BASE_URL, each CA as
// ANYCA_SIM_<CA>_*, the world's variables, the fleet's keys and its config's path.
// Values are the simulator's own (loopback URLs, published demo keys, paths it made).
func writeSimEnv(path string, cas, fleet []sim.CA, world *sim.World, acmeCA *simACME, root, dir string) error {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%s=%s\n", k, v) }
	b.WriteString("# anyca sim: the variables that point anyca (and the library) at this simulator\n")
	for i, ca := range cas {
		if i == 0 {
			line(anyca.EnvProvider, ca.Provider)
			line(anyca.EnvAPIKey, ca.APIKey)
			line(anyca.EnvBaseURL, ca.BaseURL(root))
		}
		p := "ANYCA_SIM_" + strings.ToUpper(ca.Provider) + "_"
		line(p+"PROVIDER", ca.Provider)
		line(p+"API_KEY", ca.APIKey)
		line(p+"BASE_URL", ca.BaseURL(root))
		line(p+"PENDING_ID", ca.FeaturedCert)
	}
	if acmeCA != nil {
		acmeCA.envLines(line)
	}
	line(envSim, root)
	if world != nil {
		line(envDNSServer, world.DNSAddr())
		line(envHTTPHost, world.FileAddr())
		line(envHTTPSHost, world.TLSAddr())
		line(envTLSRoots, filepath.Join(dir, "roots.pem"))
	}
	for _, ca := range fleet {
		line(sim.KeyEnv(ca.Account), ca.APIKey)
	}
	line("ANYCA_SIM_FLEET_CONFIG", filepath.Join(dir, "fleet.json"))
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("sim: --env-file: %w", err)
	}
	return nil
}
