package tour

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
)

// TestDemoACMEPart runs the demo's ACME part on a started world: Pebble started and
// seeded, then the whole life of one certificate with real validation against the
// simulator's DNS server (its duration logged); the output names no order URL and no digest.
func TestDemoACMEPart(t *testing.T) {
	ctx := context.Background()
	cas := sim.NewCAs(demo.DefaultSeed, time.Now())
	stop, err := cas[0].World.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	began := time.Now()
	ca, stopACME, err := sim.StartACME(ctx, cas[0].World, sim.ACMEOptions{StateDir: t.TempDir(), Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stopACME)
	var out bytes.Buffer
	if err := demoACMEPart(ctx, &out, 10, demoACME{ca: ca, world: cas[0].World, preflight: cas[0].World.PreflightOptions()}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	t.Logf("the ACME part (start, seed, the whole loop) took %s", took)
	for _, want := range []string{
		"10. A third CA, through the same interface: ACME",
		"4 orders, pending 1, issued 2, revoked 1",
		"order shop.example.org, www.shop.example.org (profile default): pending",
		"challenges for shop.example.org: dns-account, dns-persist, dns-txt, http-file, tls-alpn",
		"the dns-txt one: _acme-challenge.shop.example.org. IN TXT \"<43-character digest",
		"preflight shop.example.org: missing\n",
		"2 TXT records and 2 http-01 files",
		"preflight shop.example.org: ok\n",
		"2 of 2 domains valid",
		"valid 90 days, chain certificates: 1; verifies against Pebble's root",
		"anyca.RenewalWindow: issued, from day 59 to day 61 of 90 (ARI: the CA's advice)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the ACME part lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), ca.BaseURL("")) || strings.Contains(out.String(), "https://") {
		t.Errorf("the ACME part prints a URL of the random Pebble:\n%s", out.String())
	}
}
