package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// demoLoop walks the DCV loop on each target's featured pending certificate: preflight
// before anything is published (missing), the CA's own check (refused, with its reason),
// the simulator publishing the records and files, preflight again (ok), WaitValidated
// with a check on every poll, and the download of the issued chain verified against the
// simulator's root. Nothing printed depends on the clock, on ports or on random key
// material, so the output is the same on every run with one seed.
func demoLoop(ctx context.Context, w io.Writer, n int, targets []demoTarget) error {
	fmt.Fprintf(w, "\n%d. Walk the DCV loop: preflight, publish, preflight again, verify, download\n", n)
	fmt.Fprintf(w, "   preflight.Check(ctx, ch, opts); anyca sim publish ID; anyca.WaitValidated(ctx, p, id, opts); anyca.Download(ctx, p, id)\n\n")
	cas, err := publishingCAs(ctx, targets)
	if err != nil {
		return err
	}
	for i, t := range cas {
		if i > 0 {
			fmt.Fprintln(w) // one blank line between the CAs, none after the last
		}
		p, opt := t.p, t.opt
		chs, err := p.Challenges(ctx, t.featuredCert)
		if err != nil {
			return fmt.Errorf("%s: %w", t.label, err)
		}
		sim.SortChallenges(chs)
		method := loopMethod(chs)
		ch, ok := firstOf(chs, demo.FeaturedDomain, method)
		if !ok {
			return fmt.Errorf("%s: %s %s has no %s challenge for %s", t.label, t.noun, t.featuredCert, method, demo.FeaturedDomain)
		}
		fmt.Fprintf(w, "%s, pending %s %s, by %s:\n", t.label, t.noun, t.featuredCert, method)
		fmt.Fprintf(w, "  preflight %s: %s\n", ch.Domain, verdictLine(preflight.Check(ctx, ch, opt)))
		before, err := anyca.Verify(ctx, p, t.featuredCert, method)
		if err != nil {
			return fmt.Errorf("%s: verify: %w", t.label, err)
		}
		domains := map[string]bool{}
		for _, c := range before {
			domains[c.Domain] = true
		}
		for _, c := range before {
			if c.Type == method && c.Domain == ch.Domain {
				fmt.Fprintf(w, "  the CA checks now: %s %s: %s\n", c.Domain, c.Status, oneLine(c.Problem))
				break
			}
		}
		lines, err := t.publish(ctx, t.featuredCert, sim.WrongNone)
		if err != nil {
			return fmt.Errorf("%s: publish: %w", t.label, err)
		}
		fmt.Fprintf(w, "  anyca sim publish %s: %s", t.featuredCert, pickLine(lines, ch))
		if len(lines) > 1 {
			fmt.Fprintf(w, " (and %d more records and files)", len(lines)-1)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  preflight %s: %s\n", ch.Domain, verdictLine(preflight.Check(ctx, ch, opt)))
		after, err := anyca.WaitValidated(ctx, p, t.featuredCert, anyca.WaitOptions{Min: time.Millisecond, Max: 10 * time.Millisecond,
			MaxPolls: 5, VerifyEvery: 1, Method: method})
		if err != nil {
			return fmt.Errorf("%s: wait: %w", t.label, err)
		}
		valid := map[string]bool{}
		for _, c := range after {
			if c.Status == model.ValidationValid {
				valid[c.Domain] = true
			}
		}
		fmt.Fprintf(w, "  the CA checks again: %d of %d domains valid\n", len(valid), len(domains))
		b, err := anyca.Download(ctx, p, t.featuredCert)
		if err != nil {
			return fmt.Errorf("%s: download: %w", t.label, err)
		}
		inter := x509.NewCertPool()
		for _, c := range b.Intermediates {
			inter.AddCert(c)
		}
		_, verr := b.Leaf.Verify(x509.VerifyOptions{Roots: digicerttest.Roots(), Intermediates: inter, CurrentTime: b.Leaf.NotBefore.Add(time.Second)})
		verdict := "verifies against the simulator's root"
		if verr != nil {
			verdict = "does NOT verify: " + verr.Error()
		}
		fmt.Fprintf(w, "  download: leaf %s (names: %d), chain certificates: %d; %s\n",
			b.Leaf.Subject.CommonName, len(b.Leaf.DNSNames), len(b.Intermediates), verdict)
	}
	return nil
}

// demoCA is a target the simulator publishes for, connected, with preflight options
// that know its CA's CAA identities.
type demoCA struct {
	demoTarget
	p   anyca.Provider
	opt preflight.Options
}

// publishingCAs connects, in order, to every target the simulator can publish for.
func publishingCAs(ctx context.Context, targets []demoTarget) ([]demoCA, error) {
	var cas []demoCA
	for _, t := range targets {
		if t.publish == nil {
			continue
		}
		p, err := anyca.New(ctx, t.cfg)
		if err != nil {
			return nil, err
		}
		opt := t.preflight
		opt.CAAIdentities = anyca.CAAIdentities(p)
		cas = append(cas, demoCA{demoTarget: t, p: p, opt: opt})
	}
	return cas, nil
}

// verdictLine is a preflight result on one line: "STATUS: message".
func verdictLine(r preflight.Result) string {
	return string(r.Status) + ": " + oneLine(r.Message)
}

// firstOf returns the first challenge of type t for domain.
func firstOf(chs []model.Challenge, domain string, t model.ChallengeType) (model.Challenge, bool) {
	for _, ch := range chs {
		if ch.Domain == domain && ch.Type == t {
			return ch, true
		}
	}
	return model.Challenge{}, false
}

// pickLine returns the published line about ch (its record name or URL), else the first.
func pickLine(lines []string, ch model.Challenge) string {
	key := ch.URL
	if key == "" {
		key = strings.ToLower(fqdn(ch.RecordName))
	}
	for _, l := range lines {
		if key != "" && strings.HasPrefix(l, key) {
			return l
		}
	}
	if len(lines) > 0 {
		return lines[0]
	}
	return "nothing"
}

// loopMethod picks the method to check: the DNS one the certificate offers, else the
// first non-email one.
func loopMethod(chs []model.Challenge) model.ChallengeType {
	var first model.ChallengeType
	for _, ch := range chs {
		switch ch.Type {
		case model.ChallengeDNSTXT, model.ChallengeDNSCNAME:
			return ch.Type
		case model.ChallengeEmail:
		default:
			if first == "" {
				first = ch.Type
			}
		}
	}
	return first
}
