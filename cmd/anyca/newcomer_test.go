package main

import (
	"strings"
	"testing"
	"time"
)

// Tests of what a new user meets on a first afternoon with the tool (issue 23), each run
// as a user runs it: the command line against the simulator.

// A base URL with the right host and a wrong path reaches no API route: that is never
// "not found" (exit 3, which a script reads as "it does not exist") but an unavailable
// endpoint (exit 1) whose message asks whether the base URL is right, for a listing and a
// lookup, on both CAs.
func TestWrongBaseURLPathIsNotNotFound(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		right := ca.BaseURL(srv.URL)
		for _, base := range []string{srv.URL + "/" + ca.Provider + "/services", strings.TrimSuffix(right, "/") + "/v9"} {
			env := providerEnv(ca.Provider, ca.APIKey, base)
			for _, args := range [][]string{{"certs", "list"}, {"cert", "get", ca.FeaturedCert}, {"domains", "list"}} {
				r := runLive(t, env, args...)
				assertFailure(t, r, exitError, "is BaseURL right?", ca.APIKey)
				if strings.Contains(r.stderr, "not found (") {
					t.Errorf("anyca %q at %s: %q reads as an object not found", args, base, r.stderr)
				}
			}
		}
	}
}
