package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
)

// demoLoop shows the DCV loop on each target's featured pending certificate: a check
// before anything is published (refused, with the CA's reason), publication in the
// simulator, WaitValidated with a check on every poll, and the download of the issued
// chain verified against the simulator's root. Nothing printed depends on the clock or
// on random key material, so the output is the same on every run with one seed.
func demoLoop(ctx context.Context, w io.Writer, n int, targets []demoTarget) error {
	fmt.Fprintf(w, "\n%d. Close the DCV loop: check now, publish, wait until valid, download\n", n)
	fmt.Fprintf(w, "   anyca.Verify(ctx, p, id, method); anyca.WaitValidated(ctx, p, id, opts); anyca.Download(ctx, p, id)\n\n")
	for _, t := range targets {
		if t.publish == nil {
			continue
		}
		p, err := anyca.New(ctx, t.cfg)
		if err != nil {
			return err
		}
		chs, err := p.Challenges(ctx, t.featuredCert)
		if err != nil {
			return fmt.Errorf("%s: %w", t.label, err)
		}
		method := loopMethod(chs)
		fmt.Fprintf(w, "%s, pending %s %s, by %s:\n", t.label, t.noun, t.featuredCert, method)
		before, err := anyca.Verify(ctx, p, t.featuredCert, method)
		if err != nil {
			return fmt.Errorf("%s: verify: %w", t.label, err)
		}
		domains := map[string]bool{}
		for _, ch := range before {
			domains[ch.Domain] = true
		}
		names := make([]string, 0, len(domains))
		for d := range domains {
			names = append(names, d)
		}
		sort.Strings(names)
		shown := map[string]bool{}
		for _, ch := range before {
			if ch.Type == method && !shown[ch.Domain] && len(shown) < 1 {
				shown[ch.Domain] = true
				fmt.Fprintf(w, "  before publishing: %s %s: %s\n", ch.Domain, ch.Status, oneLine(ch.Problem))
			}
		}
		for _, d := range names {
			t.publish(d)
		}
		after, err := anyca.WaitValidated(ctx, p, t.featuredCert, anyca.WaitOptions{Min: time.Millisecond, Max: 10 * time.Millisecond,
			MaxPolls: 5, VerifyEvery: 1, Method: method})
		if err != nil {
			return fmt.Errorf("%s: wait: %w", t.label, err)
		}
		valid := map[string]bool{}
		for _, ch := range after {
			if ch.Status == model.ValidationValid {
				valid[ch.Domain] = true
			}
		}
		fmt.Fprintf(w, "  after publishing and checking again: %d of %d domains valid\n", len(valid), len(names))
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
		fmt.Fprintf(w, "  download: leaf %s (names: %d), chain certificates: %d; %s\n\n",
			b.Leaf.Subject.CommonName, len(b.Leaf.DNSNames), len(b.Intermediates), verdict)
	}
	return nil
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
