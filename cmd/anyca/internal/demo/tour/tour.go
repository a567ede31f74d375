// Package tour is `anyca demo`: it starts the simulated CAs (DigiCert, ZeroSSL and an
// ACME CA) on loopback, asks each the same questions through one anyca.Provider
// interface, walks the DCV loop and a certificate's whole life, and writes the answers
// side by side. Nothing printed depends on ports, random keys or the clock beyond the
// seed and now, so one seed and one now give the same output.
package tour

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/cmd/anyca/internal/textout"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// Options are what the demo takes from the command.
type Options struct {
	// Seed seeds the simulated accounts (demo.DefaultSeed unless told otherwise).
	Seed uint64
	// Now is the instant the accounts' dates are relative to.
	Now time.Time
	// ExitCode is the CLI's exit code for an error, shown in brackets beside its kind.
	ExitCode func(error) int
	// Expiring counts, as `anyca expiring --within d` finds them, what the account
	// behind p must renew or revalidate within d of now: issued certificates, and valid
	// domain validation levels.
	Expiring func(ctx context.Context, p anyca.Provider, now time.Time, d time.Duration) (certificates, levels int, err error)
}

// Run starts the simulated CAs on loopback, asks them the demo's questions and writes
// the answers to w. Everything it started is stopped before it returns.
func Run(ctx context.Context, w io.Writer, o Options) error {
	now := o.Now
	cas := sim.NewCAs(o.Seed, now)
	srv := httptest.NewServer(sim.Mux(cas)) // loopback, random port
	defer srv.Close()
	targets := make([]demoTarget, len(cas))
	var acmeCA *demoACME
	if len(cas) > 0 {
		stop, err := cas[0].World.Start(ctx)
		if err != nil {
			return err
		}
		defer stop()
		// The ACME clients share a state directory: what one revoked, the next knows.
		state, err := os.MkdirTemp("", "anyca-demo-acme-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(state)
		ca, stopACME, err := sim.StartACME(ctx, cas[0].World, sim.ACMEOptions{StateDir: state, Seed: true})
		if err != nil {
			return err
		}
		defer stopACME()
		acmeCA = &demoACME{ca: ca, world: cas[0].World, preflight: cas[0].World.PreflightOptions()}
	}
	for i, ca := range cas {
		targets[i] = demoTarget{label: ca.Label, cfg: ca.Config(srv.URL), featuredCert: ca.FeaturedCert, noun: ca.Noun, missingID: ca.MissingID,
			preflight: ca.World.PreflightOptions(),
			publish: func(ctx context.Context, id string, k sim.Wrong) ([]string, error) {
				return sim.Publish(ctx, cas, srv.URL, id, k)
			}}
	}
	fmt.Fprintf(w, "anyca demo: the same questions to three CAs through one anyca.Provider interface.\n")
	fmt.Fprintf(w, "Simulated accounts (seed %d, dates relative to now) served on loopback; no account, no network.\n", o.Seed)
	return askAll(ctx, w, o, targets, acmeCA, now)
}

// demoTarget is one CA the demo questions.
type demoTarget struct {
	label        string
	cfg          anyca.Config
	featuredCert string
	noun         string // what the CA calls a certificate request: "order", "certificate"
	missingID    string // a well-formed id the CA does not know
	// publish publishes a certificate's challenges in the simulator, right or wrong, and
	// returns the lines published.
	publish func(ctx context.Context, id string, k sim.Wrong) ([]string, error)
	// preflight points preflight at the simulator's DNS server and file host.
	preflight preflight.Options
}

// demoAnswers is what one CA answered.
type demoAnswers struct {
	byStatus       map[model.CertificateStatus]int
	total          int
	soonest        []*model.Certificate
	expiringCerts  int // certificates to renew within 30 days
	expiringLevels int // domain validation levels to renew within 30 days
	domain         *model.DomainValidation
	domainErr      error
	challs         []model.Challenge
	challErr       error
	missing        error // Certificate of an unknown id
	badKey         error // Certificate with a wrong API key
}

// askAll asks every target the questions and writes the answers side by side to w,
// then the ACME CA's part when there is one.
func askAll(ctx context.Context, w io.Writer, o Options, targets []demoTarget, acmeCA *demoACME, now time.Time) error {
	answers := make([]*demoAnswers, len(targets))
	for i, t := range targets {
		ans, err := askDemo(ctx, o, t, now)
		if err != nil {
			return fmt.Errorf("%s: %w", t.label, err)
		}
		answers[i] = ans
	}
	head := func(n int, q, how string) {
		fmt.Fprintf(w, "\n%d. %s\n   %s\n\n", n, q, how)
	}
	labels := []string{"ANSWER"}
	for _, t := range targets {
		labels = append(labels, strings.ToUpper(t.label))
	}

	head(1, "How many certificates, in which state?", "for c, err := range p.Certificates(ctx, model.CertificateQuery{})")
	tw := textout.NewTable(w)
	textout.Row(tw, append([]string{"STATUS"}, labels[1:]...)...)
	for _, st := range model.CertificateStatuses() {
		cols := []string{string(st)}
		any := false
		for _, ans := range answers {
			cols = append(cols, fmt.Sprint(ans.byStatus[st]))
			any = any || ans.byStatus[st] > 0
		}
		if any {
			textout.Row(tw, cols...)
		}
	}
	cols := []string{"total"}
	for _, ans := range answers {
		cols = append(cols, fmt.Sprint(ans.total))
	}
	textout.Row(tw, cols...)
	_ = tw.Flush()

	head(2, "Which 5 issued certificates expire first?", "issued, sorted by NotAfter")
	tw = textout.NewTable(w)
	textout.Row(tw, append([]string{"#"}, labels[1:]...)...)
	for k := 0; k < 5; k++ {
		cols := []string{fmt.Sprint(k + 1)}
		for _, ans := range answers {
			cell := ""
			if k < len(ans.soonest) {
				c := ans.soonest[k]
				cell = fmt.Sprintf("%s  %s (%s)", textout.Date(c.NotAfter), c.CommonName, textout.Relative(c.NotAfter, now))
			}
			cols = append(cols, cell)
		}
		textout.Row(tw, cols...)
	}
	_ = tw.Flush()

	head(3, "What must be renewed or revalidated within 30 days?", "anyca expiring --within 30d: c.ExpiresWithin(now, 30d), domain levels' ValidUntil")
	tw = textout.NewTable(w)
	textout.Row(tw, labels...)
	certRow, domRow := []string{"certificates"}, []string{"domain validations"}
	for _, ans := range answers {
		certRow = append(certRow, fmt.Sprint(ans.expiringCerts))
		domRow = append(domRow, fmt.Sprint(ans.expiringLevels))
	}
	textout.Row(tw, certRow...)
	textout.Row(tw, domRow...)
	_ = tw.Flush()

	head(4, "Is "+demo.FeaturedDomain+" validated?", "p.DomainValidation(ctx, \""+demo.FeaturedDomain+"\")")
	tw = textout.NewTable(w)
	textout.Row(tw, labels...)
	fields := []struct {
		name string
		get  func(*model.DomainValidation) string
	}{
		{"status", func(d *model.DomainValidation) string { return textout.StatusWord(string(d.Status), d.VendorStatus) }},
		{"method", func(d *model.DomainValidation) string { return string(d.Method) }},
		{"levels", func(d *model.DomainValidation) string { return textout.LevelsSummary(d.Levels) }},
		{"valid until", func(d *model.DomainValidation) string { return textout.Date(d.ValidUntil()) }},
		{"challenges", func(d *model.DomainValidation) string { return challengeTypes(d.Challenges) }},
	}
	for _, f := range fields {
		cols := []string{f.name}
		for _, ans := range answers {
			if ans.domainErr != nil {
				cols = append(cols, "error: "+kindName(ans.domainErr))
				continue
			}
			cols = append(cols, f.get(ans.domain))
		}
		textout.Row(tw, cols...)
	}
	_ = tw.Flush()

	head(5, "What do we publish to validate "+demo.FeaturedDomain+"?", "p.Challenges(ctx, pendingOrderID), shown as by: anyca challenges ID")
	for i, t := range targets {
		ans := answers[i]
		fmt.Fprintf(w, "%s, pending %s %s:\n", t.label, t.noun, t.featuredCert)
		if ans.challErr != nil {
			fmt.Fprintf(w, "  error: %s\n\n", textout.OneLine(ans.challErr.Error()))
			continue
		}
		// The featured domain's DNS challenge and one file challenge; the rest counted.
		var mine []model.Challenge
		others := 0
		shown := map[string]bool{}
		for _, ch := range ans.challs {
			group := "dns"
			switch ch.Type {
			case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
				group = "file"
			case model.ChallengeEmail:
				group = "email"
			}
			if ch.Domain == demo.FeaturedDomain && !shown[group] && (group != "email" || len(mine) == 0) {
				shown[group] = true
				mine = append(mine, ch)
			} else {
				others++
			}
		}
		var b strings.Builder
		textout.WriteChallenges(&b, mine)
		for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if line != "" {
				line = "  " + line
			}
			fmt.Fprintln(w, line)
		}
		if others > 0 {
			fmt.Fprintf(w, "  ; ... and %d more challenges (other methods or names): anyca challenges %s\n", others, t.featuredCert)
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "6. Errors: one model, whichever CA\n   errors.Is(err, model.ErrNotFound), ...; the CLI's exit code in brackets\n\n")
	tw = textout.NewTable(w)
	textout.Row(tw, labels...)
	missRow, keyRow := []string{"p.Certificate(ctx, unknownID)"}, []string{"p.Certificate with a wrong API key"}
	for _, ans := range answers {
		missRow = append(missRow, fmt.Sprintf("%s [%d]", kindName(ans.missing), o.ExitCode(ans.missing)))
		keyRow = append(keyRow, fmt.Sprintf("%s [%d]", kindName(ans.badKey), o.ExitCode(ans.badKey)))
	}
	textout.Row(tw, missRow...)
	textout.Row(tw, keyRow...)
	_ = tw.Flush()
	if err := demoLoop(ctx, w, 7, targets); err != nil {
		return err
	}
	if err := demoLife(ctx, w, 8, targets); err != nil {
		return err
	}
	if err := demoWrong(ctx, w, 9, targets); err != nil {
		return err
	}
	if acmeCA != nil {
		if err := demoACMEPart(ctx, w, 10, *acmeCA); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nSame code for every CA: only anyca.Config.Provider (or ANYCA_PROVIDER) changed.\n")
	fmt.Fprintf(w, "Ask your own questions: \"go run ./cmd/anyca sim\" prints the env lines for each simulated CA.\n")
	return nil
}

// askDemo asks one CA every demo question.
func askDemo(ctx context.Context, o Options, t demoTarget, now time.Time) (*demoAnswers, error) {
	p, err := anyca.New(ctx, t.cfg)
	if err != nil {
		return nil, err
	}
	ans := &demoAnswers{byStatus: map[model.CertificateStatus]int{}}
	var issued []*model.Certificate
	for c, err := range p.Certificates(ctx, model.CertificateQuery{}) {
		if err != nil {
			return nil, err
		}
		ans.total++
		ans.byStatus[c.Status]++
		if c.Status == model.StatusIssued && !c.IsExpired(now) {
			issued = append(issued, c)
		}
	}
	sort.SliceStable(issued, func(i, j int) bool {
		if !issued[i].NotAfter.Equal(issued[j].NotAfter) {
			return issued[i].NotAfter.Before(issued[j].NotAfter)
		}
		return model.LessID(issued[i].ID, issued[j].ID)
	})
	ans.soonest = issued[:min(5, len(issued))]
	if ans.expiringCerts, ans.expiringLevels, err = o.Expiring(ctx, p, now, 30*24*time.Hour); err != nil {
		return nil, err
	}
	ans.domain, ans.domainErr = p.DomainValidation(ctx, demo.FeaturedDomain)
	ans.challs, ans.challErr = p.Challenges(ctx, t.featuredCert)
	sim.SortChallenges(ans.challs)
	_, ans.missing = p.Certificate(ctx, t.missingID)
	bad := t.cfg
	bad.APIKey = "not-the-right-key"
	if pb, err := anyca.New(ctx, bad); err != nil {
		ans.badKey = err
	} else {
		_, ans.badKey = pb.Certificate(ctx, t.missingID)
	}
	return ans, nil
}

// kindName names the error kind of err ("not found"), or says there was none.
func kindName(err error) string {
	if err == nil {
		return "no error"
	}
	if k := model.KindOf(err); k != nil {
		return k.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "deadline exceeded"
	}
	return "error"
}

// challengeTypes lists the distinct challenge types, in order.
func challengeTypes(chs []model.Challenge) string {
	var out []string
	seen := map[model.ChallengeType]bool{}
	for _, ch := range chs {
		if !seen[ch.Type] {
			seen[ch.Type] = true
			out = append(out, string(ch.Type))
		}
	}
	return strings.Join(out, ", ")
}
