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
certificate's own. With --wait it then waits until every domain is valid or --timeout
passes, asking the CA to check again at a growing interval (5s to 1m; never again for
email, which would send the emails again): a refused proof is checked again until the
timeout, since DNS takes time to propagate, and each problem is printed on stderr as it
comes; a progress line shows when stderr is a terminal. At the timeout it prints the last
state and says how many domains are valid (exit 1).
DigiCert: orders validated by email are approved by email only (exit 1, unsupported).
ZeroSSL: a verify is sent once, never retried (an email verify sends the emails again).

Table columns: DOMAIN, TYPE, STATUS, PROBLEM. JSON: an array of challenges with "problem".
Exit code 7 when the CA refused a domain's proof (without --wait); 1 when the certificate
is not pending (issued, cancelled, revoked) or --timeout passed; 3 for an unknown id.

Examples:
  anyca verify 4123045
  anyca verify 4123045 --wait --timeout 30m
  anyca verify 0c8f...e1 --method dns-cname -o json | jq -r '.[] | select(.status == "failed") | .problem'`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.loop.method, "method", "", "DCV `method`: dns-txt, dns-cname, http-file, https-file or email")
		fs.BoolVar(&o.loop.wait, "wait", false, "after the check, wait until every domain is valid, re-checking refused proofs")
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
	var waitErr error
	if o.loop.wait && !allValid(chs) {
		chs, waitErr = a.waitValid(ctx, o, p, id, method, chs)
	}
	sim.SortChallenges(chs)
	if err := writeVerified(a, o, id, chs); err != nil {
		return err
	}
	if waitErr != nil {
		return waitErr
	}
	return dcvFailure(p.Name(), id, chs)
}

// waitValid waits until every domain of id is valid or --timeout passes, asking the CA
// to check again where it needs asking (WaitValidated's default) and re-checking a
// refused proof until then (UntilValid): DNS takes time to propagate. Each new problem
// is printed on stderr as it comes. It returns the last challenges, and at the timeout
// an error saying how many domains are valid.
func (a *app) waitValid(ctx context.Context, o *cmdOpts, p anyca.Provider, id string, method model.ChallengeType, first []model.Challenge) ([]model.Challenge, error) {
	wctx, cancel := context.WithTimeout(ctx, o.loop.timeout)
	defer cancel()
	shown := map[string]string{} // the last problem printed per domain
	report := func(chs []model.Challenge) {
		for _, ch := range chs {
			if ch.Status == model.ValidationFailed && ch.Problem != "" && shown[ch.Domain] != ch.Problem {
				shown[ch.Domain] = ch.Problem
				fmt.Fprintf(a.stderr, "anyca: %s: %s (checking again until valid)\n", display(ch.Domain), display(ch.Problem))
			}
		}
	}
	report(first)
	progress := false
	chs, err := anyca.WaitValidated(wctx, p, id, anyca.WaitOptions{Min: 5 * time.Second, Max: time.Minute,
		Method: method, UntilValid: true, Sleep: a.sleep,
		Progress: func(wp anyca.WaitProgress) {
			if progress {
				fmt.Fprint(a.stderr, "\r\033[K")
				progress = false
			}
			report(wp.Failed)
			if a.progress {
				fmt.Fprintf(a.stderr, "\ranyca: %d of %d domains valid after %d polls…", wp.Valid, wp.Domains, wp.Poll)
				progress = true
			}
		}})
	if progress {
		fmt.Fprint(a.stderr, "\r\033[K")
	}
	if chs == nil {
		chs = first
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		valid, domains := countValid(chs)
		return chs, fmt.Errorf("--timeout %s passed: %d of %d domains valid", o.loop.timeout, valid, domains)
	}
	return chs, err
}

// countValid returns how many domains of chs are valid, and how many there are.
func countValid(chs []model.Challenge) (valid, domains int) {
	state := map[string]bool{}
	for _, ch := range chs {
		state[ch.Domain] = state[ch.Domain] || ch.Status == model.ValidationValid
	}
	for _, v := range state {
		if v {
			valid++
		}
	}
	return valid, len(state)
}

func validMethod(t model.ChallengeType) bool {
	for _, m := range model.ChallengeTypes() {
		if m == t {
			return true
		}
	}
	return false
}

// allValid reports whether every domain of chs is valid: nothing to wait for.
func allValid(chs []model.Challenge) bool {
	valid, domains := countValid(chs)
	return valid == domains
}

// writeVerified prints one line per challenge: domain, type, state and the CA's problem.
func writeVerified(a *app, o *cmdOpts, id string, chs []model.Challenge) error {
	if o.output == "json" {
		if chs == nil {
			chs = []model.Challenge{}
		}
		return writeJSON(a.stdout, chs)
	}
	if len(chs) == 0 {
		// An empty table would read as a failure to print: say what the CA answered.
		fmt.Fprintln(a.stdout, "; nothing to check: the CA lists no domain to validate for", display(id))
		return nil
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
