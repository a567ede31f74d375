package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// demoWrongCase is one wrong value the demo has the simulator publish.
type demoWrongCase struct {
	title string
	kind  sim.Wrong
	types []model.ChallengeType // challenge types the case can be shown on, in preference order
}

// demoWrongCases are the wrong values shown once: each preflight verdict names the value
// actually published.
var demoWrongCases = []demoWrongCase{
	{"a CNAME pointing at an old target", sim.WrongCNAME, []model.ChallengeType{model.ChallengeDNSCNAME}},
	{"a TXT value with a typo", sim.WrongTXT, []model.ChallengeType{model.ChallengeDNSTXT}},
	{"a file URL that redirects", sim.WrongRedirect, []model.ChallengeType{model.ChallengeHTTPFile}},
	{"a CAA record forbidding the CA", sim.WrongCAA, []model.ChallengeType{model.ChallengeDNSCNAME, model.ChallengeDNSTXT, model.ChallengeHTTPFile}},
}

// demoWrong has the simulator publish each wrong value for a pending certificate other
// than the featured ones (the first, by id, with a fitting challenge, so the demo stays
// deterministic), and shows what preflight says. The CAA case comes last: its record
// stays and would block later checks under the same domain.
func demoWrong(ctx context.Context, w io.Writer, n int, targets []demoTarget) error {
	fmt.Fprintf(w, "\n%d. What preflight reports when the published value is wrong\n", n)
	fmt.Fprintf(w, "   anyca sim publish ID --wrong cname|txt|redirect|caa; anyca challenges ID --check\n\n")
	used := map[string]bool{}
	for _, t := range targets {
		used[t.featuredCert] = true
	}
	cas, err := publishingCAs(ctx, targets)
	if err != nil {
		return err
	}
	for i, c := range demoWrongCases {
		if i > 0 {
			fmt.Fprintln(w) // one blank line between the cases, none after the last
		}
		shown := false
		for _, t := range cas {
			id, ch, ok, err := pendingWith(ctx, t.p, c.types, used)
			if err != nil {
				return fmt.Errorf("%s: %w", t.label, err)
			}
			if !ok {
				continue
			}
			used[id] = true
			lines, err := t.publish(ctx, id, c.kind)
			if err != nil {
				return fmt.Errorf("%s: publish: %w", t.label, err)
			}
			res := preflight.Check(ctx, ch, t.opt)
			fmt.Fprintf(w, "%s (%s %s %s, %s %s):\n", capitalize(c.title), t.label, t.noun, id, ch.Domain, ch.Type)
			line := pickLine(lines, ch)
			if c.kind == sim.WrongCAA {
				line = lines[len(lines)-1]
			}
			fmt.Fprintf(w, "  the sim publishes: %s\n", line)
			fmt.Fprintf(w, "  preflight: %s\n", verdictLine(res))
			shown = true
			break
		}
		if !shown {
			return fmt.Errorf("no pending certificate has a challenge to show %s on", c.title)
		}
	}
	return nil
}

// pendingWith finds, among p's pending certificates not in skip (by id order), the first
// with a challenge of one of types (in order of preference).
func pendingWith(ctx context.Context, p anyca.Provider, types []model.ChallengeType, skip map[string]bool) (string, model.Challenge, bool, error) {
	var ids []string
	for c, err := range p.Certificates(ctx, model.CertificateQuery{Status: []model.CertificateStatus{model.StatusPending}}) {
		if err != nil {
			return "", model.Challenge{}, false, err
		}
		if !skip[c.ID] {
			ids = append(ids, c.ID)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return model.LessID(ids[i], ids[j]) })
	for _, typ := range types {
		for _, id := range ids {
			chs, err := p.Challenges(ctx, id)
			if err != nil {
				return "", model.Challenge{}, false, err
			}
			sim.SortChallenges(chs)
			for _, ch := range chs {
				if ch.Type == typ {
					return id, ch, true, nil
				}
			}
		}
	}
	return "", model.Challenge{}, false, nil
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
