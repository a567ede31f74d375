package tour

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/cmd/anyca/internal/textout"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// The demo's ACME part: one certificate's whole life on Pebble, Let's Encrypt's test
// server, running in the process with its validation pointed at the simulator's DNS
// server. Order URLs, tokens and digests are random (Pebble's and the account key's), so
// the demo prints names, types, states and counts, never them: the output stays the same
// from run to run.

// demoACMENames are the names the demo orders; none of the seeded orders names them.
var demoACMENames = []string{"shop.example.org", "www.shop.example.org"}

// demoACME is the ACME CA the demo walks, on the simulator's world.
type demoACME struct {
	ca        sim.CA
	world     *sim.World
	preflight preflight.Options
}

// demoACMEPart prints section n: the account's orders, then order, challenges,
// preflight, publish, preflight, verify, wait, download, renewal window.
func demoACMEPart(ctx context.Context, w io.Writer, n int, d demoACME) error {
	fmt.Fprintf(w, "\n%d. A third CA, through the same interface: ACME, on Let's Encrypt's test server (Pebble, in the process)\n", n)
	fmt.Fprintf(w, "   anyca.Order; p.Challenges; preflight.Check; anyca sim publish; anyca.Verify; anyca.WaitValidated; anyca.Download; anyca.RenewalWindow\n\n")
	p, err := d.ca.ACMEProvider()
	if err != nil {
		return err
	}
	fail := func(step string, err error) error { return fmt.Errorf("ACME: %s: %w", step, err) }
	byStatus := map[model.CertificateStatus]int{}
	total := 0
	for c, err := range p.Certificates(ctx, model.CertificateQuery{}) {
		if err != nil {
			return fail("certificates", err)
		}
		total++
		byStatus[c.Status]++
	}
	var counts []string
	for _, st := range model.CertificateStatuses() {
		if byStatus[st] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", st, byStatus[st]))
		}
	}
	fmt.Fprintf(w, "ACME account (a new ECDSA P-256 key, registered with agree_terms): %s, %s\n", textout.Plural(total, "order"), strings.Join(counts, ", "))

	csr, err := sim.NewCSR(demoACMENames)
	if err != nil {
		return err
	}
	ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: demoACMENames, CSR: csr, Method: model.ChallengeDNSTXT, Product: acmetest.DefaultProfile})
	if err != nil {
		return fail("order", err)
	}
	fmt.Fprintf(w, "  order %s (profile %s): %s; its ID is the order URL\n", strings.Join(ord.DNSNames, ", "), ord.Product, ord.Status)
	chs, err := p.Challenges(ctx, ord.ID)
	if err != nil {
		return fail("challenges", err)
	}
	sim.SortChallenges(chs)
	types := map[string][]string{}
	var txt []model.Challenge
	for _, ch := range chs {
		types[ch.Domain] = append(types[ch.Domain], string(ch.Type))
		if ch.Type == model.ChallengeDNSTXT {
			txt = append(txt, ch)
		}
	}
	domains := make([]string, 0, len(types))
	for dom := range types {
		domains = append(domains, dom)
	}
	sort.Strings(domains)
	for _, dom := range domains {
		fmt.Fprintf(w, "  challenges for %s: %s\n", dom, strings.Join(types[dom], ", "))
	}
	if len(txt) == 0 {
		return fail("challenges", fmt.Errorf("no dns-txt challenge offered"))
	}
	ch := txt[0]
	fmt.Fprintf(w, "  the dns-txt one: %s IN TXT \"<%d-character digest of the key authorization>\"\n", textout.FQDN(ch.RecordName), len(ch.RecordValue))
	fmt.Fprintf(w, "  preflight %s: %s\n", ch.Domain, preflight.Check(ctx, ch, d.preflight).Status)
	lines, err := sim.Publish(ctx, []sim.CA{d.ca}, "", ord.ID, sim.WrongNone)
	if err != nil {
		return fail("publish", err)
	}
	records, files := 0, 0
	for _, l := range lines {
		if strings.HasPrefix(l, "http") {
			files++
		} else {
			records++
		}
	}
	fmt.Fprintf(w, "  anyca sim publish ID: %s and %s into the simulator's DNS zones and file host\n", textout.Plural(records, "TXT record"), textout.Plural(files, "http-01 file"))
	fmt.Fprintf(w, "  preflight %s: %s\n", ch.Domain, preflight.Check(ctx, ch, d.preflight).Status)
	if _, err := anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT); err != nil {
		return fail("verify", err)
	}
	after, err := anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: sim.ACMEPollInterval, Max: 5 * sim.ACMEPollInterval, MaxPolls: 100})
	if err != nil {
		return fail("wait", err)
	}
	valid := map[string]bool{}
	for _, c := range after {
		if c.Status == model.ValidationValid {
			valid[c.Domain] = true
		}
	}
	fmt.Fprintf(w, "  anyca.Verify (dns-txt), then WaitValidated: Pebble asked the simulator's DNS server over TCP: %d of %d domains valid\n", len(valid), len(domains))
	b, err := anyca.Download(ctx, p, ord.ID)
	if err != nil {
		return fail("download", err)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AppendCertsFromPEM(d.ca.RootPEM)
	for _, c := range b.Intermediates {
		inter.AddCert(c)
	}
	verdict := "verifies against Pebble's root"
	if _, err := b.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: demoACMENames[0]}); err != nil {
		verdict = "does NOT verify: " + err.Error()
	}
	lifetime := b.Leaf.NotAfter.Sub(b.Leaf.NotBefore).Round(24 * time.Hour)
	fmt.Fprintf(w, "  anyca.Download (finalize with the order's CSR, then the chain): leaf for %s, valid %s, chain certificates: %d; %s\n",
		strings.Join(b.Leaf.DNSNames, ", "), acmeDays(lifetime), len(b.Intermediates), verdict)
	c, err := p.Certificate(ctx, ord.ID)
	if err != nil {
		return fail("certificate", err)
	}
	win, err := anyca.RenewalWindow(ctx, p, c)
	if err != nil {
		return fail("renewal window", err)
	}
	from := "computed: the last third of the lifetime"
	if win.FromCA {
		from = "ARI: the CA's advice"
	}
	fmt.Fprintf(w, "  anyca.RenewalWindow: %s, from day %d to day %d of %d (%s)\n", c.Status, acmeDayOf(win.Start, c.NotBefore), acmeDayOf(win.End, c.NotBefore), int(lifetime.Hours()/24), from)
	return nil
}

// acmeDays renders a whole number of days: "90 days".
func acmeDays(d time.Duration) string { return textout.Plural(int(d.Hours()/24), "day") }

// acmeDayOf is the whole day of t counted from start.
func acmeDayOf(t, start time.Time) int { return int(t.Sub(start).Round(24*time.Hour).Hours() / 24) }
