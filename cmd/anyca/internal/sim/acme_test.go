package sim

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
	"github.com/miekg/dns"
)

// TestACMEOnTheWorld starts Pebble on the simulator's world: the seeded orders are there
// in their states (validated for real by dns-01 and http-01 against the world), a host
// with a published file resolves to loopback, and the featured order walks the loop
// through Publish (as anyca sim publish does) and the CA's Config: verify, wait,
// download, the chain verifying against the CA's root.
func TestACMEOnTheWorld(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w := startWorld(t, newWorld(demo.Zones()))
	ca, stop, err := StartACME(ctx, w, ACMEOptions{StateDir: t.TempDir(), Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	if ca.Certs != len(ACMEOrders) || ca.FeaturedCert == "" || !strings.HasPrefix(ca.BaseURL(""), "https://127.0.0.1:") {
		t.Fatalf("ACME CA %+v", ca)
	}
	p, err := anyca.New(ctx, ca.Config("http://unused"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[model.CertificateStatus]int{}
	for c, err := range p.Certificates(ctx, model.CertificateQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		got[c.Status]++
	}
	if got[model.StatusIssued] != 2 || got[model.StatusRevoked] != 1 || got[model.StatusPending] != 1 {
		t.Errorf("seeded orders by status: %v", got)
	}
	if r := query(t, w.dnsAddr, "shop.example.com", dns.TypeA, "tcp"); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "127.0.0.1" {
		t.Errorf("a host with a published file does not resolve to loopback: %v", r)
	}

	lines, err := Publish(ctx, []CA{ca}, "http://unused", ca.FeaturedCert, WrongNone)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "_acme-challenge.pay.example.org. 300 IN TXT ") }) {
		t.Errorf("published %q", lines)
	}
	if _, err := anyca.Verify(ctx, p, ca.FeaturedCert, model.ChallengeDNSTXT); err != nil {
		t.Fatal(err)
	}
	if _, err := anyca.WaitValidated(ctx, p, ca.FeaturedCert, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	b, err := anyca.Download(ctx, p, ca.FeaturedCert)
	if err != nil {
		t.Fatal(err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.RootPEM)
	for _, c := range b.Intermediates {
		inter.AddCert(c)
	}
	if _, err := b.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "www." + demo.FeaturedDomain}); err != nil {
		t.Errorf("the chain does not verify against the CA's root: %v", err)
	}
	// An ID of the other CAs is not the ACME CA's: Publish says no CA knows it.
	if _, err := Publish(ctx, []CA{ca}, "http://unused", "4123045", WrongNone); model.KindOf(err) != model.ErrNotFound {
		t.Errorf("another CA's id: %v", err)
	}
}
