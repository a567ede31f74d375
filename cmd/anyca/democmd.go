package main

import (
	"context"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo/tour"
)

// runDemo writes the demo to stdout: the simulated CAs asked the same questions.
func runDemo(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	return tour.Run(ctx, a.stdout, tour.Options{Seed: o.seed, Now: a.now(), ExitCode: exitCode, Expiring: a.demoExpiring})
}

// demoExpiring counts, as anyca expiring finds them but without a progress line, what
// the account behind p must renew or revalidate within d of now: certificates, and
// domain validation levels.
func (a *app) demoExpiring(ctx context.Context, p anyca.Provider, now time.Time, d time.Duration) (int, int, error) {
	quiet := *a
	quiet.progress = false
	one, err := anyca.FleetOf(map[string]anyca.Provider{p.Name(): p}, anyca.FleetOptions{})
	if err != nil {
		return 0, 0, err
	}
	rep, err := quiet.findExpiring(ctx, one, now, d)
	if err != nil {
		return 0, 0, err
	}
	levels := 0
	for _, dv := range rep.Domains {
		levels += len(expiringLevels(dv, now, d))
	}
	return len(rep.Certificates), levels, nil
}
