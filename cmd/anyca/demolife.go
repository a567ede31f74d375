package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// demoLifeName is the name the demo orders a certificate for, in a simulated zone.
const demoLifeName = "shop.example.org"

// demoLife walks the whole life of a new certificate on each CA the simulator publishes
// for: order (a new key, never printed), challenges, preflight, publish, preflight again,
// verify and wait, download (the leaf certifies the order's key), the renewal window,
// renew (naming what it replaces), revoke, and cancel of the renewal not issued. The
// ids are the fakes' own sequence and the lifetime is shown in whole days, so the output
// is the same on every run with one seed.
func demoLife(ctx context.Context, w io.Writer, n int, targets []demoTarget) error {
	fmt.Fprintf(w, "\n%d. The whole life of a certificate: order, validate, download, renew, revoke\n", n)
	fmt.Fprintf(w, "   anyca.Order(ctx, p, req); ...the DCV loop...; anyca.RenewalWindow(ctx, p, c); anyca.Order with Replaces; anyca.Revoke; anyca.Cancel\n\n")
	cas, err := publishingCAs(ctx, lifeTargets(targets))
	if err != nil {
		return err
	}
	for i, t := range cas {
		if i > 0 {
			fmt.Fprintln(w) // one blank line between the CAs, none after the last
		}
		if err := demoLifeOn(ctx, w, t); err != nil {
			return fmt.Errorf("%s: %w", t.label, err)
		}
	}
	return nil
}

// lifeTargets are targets configured to order: DigiCert's DV product by DNS TXT (its
// defaults are OV and email), its revocation requests approved by the adapter.
func lifeTargets(targets []demoTarget) []demoTarget {
	out := make([]demoTarget, len(targets))
	for i, t := range targets {
		if t.cfg.Provider == "digicert" {
			t.cfg.DigiCert = &anyca.DigiCertSettings{Product: "ssl_dv_geotrust", ApproveRequests: true}
		}
		out[i] = t
	}
	return out
}

// lifeRequest is the demo's order for names with a new ECDSA P-256 key, and the key.
func lifeRequest(p anyca.Provider, names ...string) (model.OrderRequest, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return model.OrderRequest{}, nil, err
	}
	csr, err := csrFor(key, names)
	if err != nil {
		return model.OrderRequest{}, nil, err
	}
	req := model.OrderRequest{Names: names, CSR: csr}
	if p.Name() == "digicert" {
		req.Method = model.ChallengeDNSTXT
	}
	return req, key, nil
}

func demoLifeOn(ctx context.Context, w io.Writer, t demoCA) error {
	p, opt := t.p, t.opt
	req, key, err := lifeRequest(p, demoLifeName)
	if err != nil {
		return err
	}
	c, err := anyca.Order(ctx, p, req)
	if err != nil {
		return fmt.Errorf("order: %w", err)
	}
	fmt.Fprintf(w, "%s: anyca order --name %s --key-out shop.key\n", t.label, demoLifeName)
	fmt.Fprintf(w, "  ordered %s %s: %s, names %v (the key stays here; the CA gets its CSR)\n", t.noun, c.ID, c.Status, c.DNSNames)
	chs, err := p.Challenges(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("challenges: %w", err)
	}
	sim.SortChallenges(chs)
	method := loopMethod(chs)
	ch, ok := firstOf(chs, demoLifeName, method)
	if !ok {
		return fmt.Errorf("%s %s has no %s challenge for %s", t.noun, c.ID, method, demoLifeName)
	}
	// Only the verdicts: a record's value may derive from the CSR, whose key is new.
	fmt.Fprintf(w, "  challenges: %d; by %s at %s: preflight %s\n", len(chs), method, ch.Domain, preflight.Check(ctx, ch, opt).Status)
	if _, err := t.publish(ctx, c.ID, sim.WrongNone); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	fmt.Fprintf(w, "  anyca sim publish %s; preflight %s\n", c.ID, preflight.Check(ctx, ch, opt).Status)
	if _, err := anyca.WaitValidated(ctx, p, c.ID, anyca.WaitOptions{Min: time.Millisecond, Max: 10 * time.Millisecond,
		MaxPolls: 5, VerifyEvery: 1, Method: method}); err != nil {
		return fmt.Errorf("wait: %w", err)
	}
	b, err := anyca.Download(ctx, p, c.ID)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	fmt.Fprintf(w, "  verified and issued; download: leaf %s, certifies the order's key: %v\n", b.Leaf.Subject.CommonName, key.PublicKey.Equal(b.Leaf.PublicKey))
	issued, err := p.Certificate(ctx, c.ID)
	if err != nil {
		return err
	}
	win, err := anyca.RenewalWindow(ctx, p, issued)
	if err != nil {
		return fmt.Errorf("renewal window: %w", err)
	}
	from := "computed: the last third of its lifetime"
	if win.FromCA {
		from = "the CA's advice"
	}
	fmt.Fprintf(w, "  renewal window (%s): from %d days before expiry, of a %d-day certificate\n", from,
		days(win.End.Sub(win.Start)), days(win.End.Sub(issuedStart(issued))))
	renewReq, _, err := lifeRequest(p, demoLifeName)
	if err != nil {
		return err
	}
	renewReq.Replaces = c.ID
	r, err := anyca.Order(ctx, p, renewReq)
	if err != nil {
		return fmt.Errorf("renew: %w", err)
	}
	fmt.Fprintf(w, "  anyca renew %s: %s %s, %s, replaces %s (a new key)\n", c.ID, t.noun, r.ID, r.Status, r.ReplacesID)
	if err := anyca.Revoke(ctx, p, c.ID, model.ReasonSuperseded); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	got, err := p.Certificate(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  anyca revoke %s --reason superseded: %s\n", c.ID, got.Status)
	if err := anyca.Cancel(ctx, p, r.ID); err != nil {
		return fmt.Errorf("cancel: %w", err)
	}
	if got, err = p.Certificate(ctx, r.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "  anyca cancel %s (the renewal, not issued): %s\n", r.ID, got.Status)
	return nil
}

// issuedStart is when c's lifetime starts: NotBefore, or CreatedAt when the CA gives no
// start (ZeroSSL), as anyca.RenewalWindow counts it.
func issuedStart(c *model.Certificate) time.Time {
	if c.NotBefore.IsZero() {
		return c.CreatedAt
	}
	return c.NotBefore
}

// days rounds d to whole days.
func days(d time.Duration) int { return int(math.Round(d.Hours() / 24)) }
