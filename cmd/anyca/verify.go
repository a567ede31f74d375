package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
)

// exitDCVFailed is the exit code of a verify in which the CA refused a domain's proof.
const exitDCVFailed = 7

// loopOpts are the flags of verify and download.
type loopOpts struct {
	method  string
	wait    bool
	timeout time.Duration
	out     string
	force   bool
}

var verifyCommand = command{
	name:  "verify",
	short: "ask the CA to check DCV now (and wait until validated)",
	help: `Usage: anyca verify ID [--method M] [--wait] [--timeout 10m] [-o json]

Asks the CA to check the domain-control validation of a certificate or order now,
instead of waiting for its own poll, and prints each domain's state after the check, with
the CA's reason for a refusal (PROBLEM: the record or file it found, or did not). --method
names the DCV method (dns-txt, dns-cname, http-file, https-file, email); by default the
certificate's own. With --wait it then polls until every domain is valid, a domain fails,
or --timeout passes, showing a progress line when stderr is a terminal.
DigiCert: orders validated by email are approved by email only (exit 1, unsupported).
ZeroSSL: a verify is sent once, never retried (an email verify sends the emails again).

Table columns: DOMAIN, TYPE, STATUS, PROBLEM. JSON: an array of challenges with "problem".
Exit code 7 when the CA refused a domain's proof; 1 when the certificate is not pending
(issued, cancelled, revoked) or --timeout passed; 3 for an unknown id.

Examples:
  anyca verify 4123045
  anyca verify 4123045 --wait --timeout 30m
  anyca verify 0c8f...e1 --method dns-cname -o json | jq -r '.[] | select(.status == "failed") | .problem'`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.loop.method, "method", "", "DCV `method`: dns-txt, dns-cname, http-file, https-file or email")
		fs.BoolVar(&o.loop.wait, "wait", false, "after the check, wait until every domain is valid")
		fs.DurationVar(&o.loop.timeout, "timeout", 10*time.Minute, "how long --wait waits, as a Go `duration`")
	},
	arg: "the certificate ID",
	check: func(o *cmdOpts) error {
		if method := model.ChallengeType(o.loop.method); method != "" && !validMethod(method) {
			return usagef("--method %q: want dns-txt, dns-cname, http-file, https-file or email", o.loop.method)
		}
		if o.loop.timeout <= 0 {
			return usagef("--timeout must be positive")
		}
		return nil
	},
	run: onProvider(runVerify),
}

func runVerify(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
	method := model.ChallengeType(o.loop.method)
	chs, err := anyca.Verify(ctx, p, id, method)
	if err != nil {
		return err
	}
	if o.loop.wait && !settled(chs) {
		wctx, cancel := context.WithTimeout(ctx, o.loop.timeout)
		defer cancel()
		shown := false
		chs, err = anyca.WaitValidated(wctx, p, id, anyca.WaitOptions{Min: 5 * time.Second, Max: time.Minute,
			Progress: func(wp anyca.WaitProgress) {
				if a.progress {
					fmt.Fprintf(a.stderr, "\ranyca: %d of %d domains valid after %d polls…", wp.Valid, wp.Domains, wp.Poll)
					shown = true
				}
			}})
		if shown {
			fmt.Fprint(a.stderr, "\r\033[K")
		}
		var vf *anyca.ValidationFailedError
		if err != nil && !errors.As(err, &vf) {
			return err
		}
	}
	sim.SortChallenges(chs)
	if err := writeVerified(a, o, chs); err != nil {
		return err
	}
	return dcvFailure(p.Name(), id, chs)
}

func validMethod(t model.ChallengeType) bool {
	for _, m := range model.ChallengeTypes() {
		if m == t {
			return true
		}
	}
	return false
}

// settled reports whether every domain is valid or one has failed: nothing to wait for.
func settled(chs []model.Challenge) bool {
	valid := map[string]bool{}
	for _, ch := range chs {
		if ch.Status == model.ValidationFailed {
			return true
		}
		if ch.Status == model.ValidationValid {
			valid[ch.Domain] = true
		}
	}
	for _, ch := range chs {
		if !valid[ch.Domain] {
			return false
		}
	}
	return true
}

// writeVerified prints one line per challenge: domain, type, state and the CA's problem.
func writeVerified(a *app, o *cmdOpts, chs []model.Challenge) error {
	if o.output == "json" {
		if chs == nil {
			chs = []model.Challenge{}
		}
		return writeJSON(a.stdout, chs)
	}
	tw := newTable(a.stdout)
	row(tw, "DOMAIN", "TYPE", "STATUS", "PROBLEM")
	for _, ch := range chs {
		row(tw, ch.Domain, string(ch.Type), string(ch.Status), ch.Problem)
	}
	return tw.Flush()
}

// dcvFailure returns the error (exit code 7) naming the domains the CA refused, or nil.
func dcvFailure(provider, id string, chs []model.Challenge) error {
	return anyca.NewValidationFailedError(provider, "Verify", id, chs)
}
