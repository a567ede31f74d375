package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// Environment variables naming where preflight looks (anyca sim prints them).
const (
	envDNSServer = preflight.EnvDNSServer // authoritative DNS server asked for every name
	envHTTPHost  = preflight.EnvHTTPHost  // address every http file URL's connection is dialed to
	envHTTPSHost = preflight.EnvHTTPSHost // address every https file URL's connection is dialed to
	envTLSRoots  = preflight.EnvTLSRoots  // PEM file of the roots https file hosts are verified against
	envSim       = "ANYCA_SIM"            // the running simulator's URL, for anyca sim publish
)

// preflightOpts are the flags of challenges --check and sim publish.
type preflightOpts struct {
	check     bool
	dnsServer string
	httpHost  string
	httpsHost string
	tlsRoots  string
	wrong     string
	sim       string
}

// registerCheck adds challenges' --check flags.
func registerCheck(fs *flag.FlagSet, o *cmdOpts) {
	fs.BoolVar(&o.pre.check, "check", false, "look, from outside, whether each challenge is published right (preflight)")
	fs.StringVar(&o.pre.dnsServer, "dns-server", "", "ask this DNS server `host:port` as authoritative for every name (default $"+envDNSServer+", else walk from /etc/resolv.conf)")
	fs.StringVar(&o.pre.httpHost, "http-host", "", "dial every http file URL at this `host:port` (default $"+envHTTPHost+", else the URL's host)")
	fs.StringVar(&o.pre.httpsHost, "https-host", "", "dial every https file URL at this `host:port` (default $"+envHTTPSHost+", else the URL's host)")
	fs.StringVar(&o.pre.tlsRoots, "tls-roots", "", "verify https file hosts against the roots in this PEM `file` (default $"+envTLSRoots+", else the system roots)")
}

// preflightOptions builds the preflight options of --check: servers from the flags or
// the environment, the CAA identities from the provider.
func (a *app) preflightOptions(o *cmdOpts, p anyca.Provider) (preflight.Options, error) {
	// The flags win over the variables (preflight.RedirectFromEnv reads those).
	env := preflight.RedirectFromEnv(a.getenv)
	r := preflight.Redirect{DNSServer: firstNonEmpty(o.pre.dnsServer, env.DNSServer), HTTPHost: firstNonEmpty(o.pre.httpHost, env.HTTPHost),
		HTTPSHost: firstNonEmpty(o.pre.httpsHost, env.HTTPSHost), TLSRoots: firstNonEmpty(o.pre.tlsRoots, env.TLSRoots)}
	opt, err := r.Options()
	if err != nil {
		return opt, usagef("--check: %v (from the flags or ANYCA_DNS_SERVER, ANYCA_HTTP_HOST, ANYCA_HTTPS_HOST, ANYCA_TLS_ROOTS)", err)
	}
	opt.CAAIdentities = anyca.CAAIdentities(p)
	return opt, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// checkedChallenge is one challenge with its preflight verdict, as -o json prints it.
type checkedChallenge struct {
	model.Challenge
	Preflight checkVerdict `json:"preflight"`
}

// checkVerdict is the JSON form of a preflight.Result.
type checkVerdict struct {
	Status  preflight.Status `json:"status"`
	Reason  preflight.Reason `json:"reason,omitempty"`
	Name    string           `json:"name,omitempty"`
	Wanted  string           `json:"wanted,omitempty"`
	Found   []string         `json:"found"`
	Message string           `json:"message"`
	CAA     *checkCAA        `json:"caa,omitempty"`
}

// checkCAA is the JSON form of a preflight.CAAResult.
type checkCAA struct {
	Status  preflight.Status `json:"status"`
	Domain  string           `json:"domain,omitempty"`
	Records []string         `json:"records"`
	Allowed string           `json:"allowed,omitempty"`
	Message string           `json:"message"`
}

func verdictOf(r preflight.Result) checkVerdict {
	v := checkVerdict{Status: r.Status, Reason: r.Reason, Name: r.Name, Wanted: r.Wanted, Found: r.Found, Message: r.Message}
	if v.Found == nil {
		v.Found = []string{}
	}
	if r.CAA != nil {
		v.CAA = &checkCAA{Status: r.CAA.Status, Domain: r.CAA.Domain, Records: r.CAA.Records, Allowed: r.CAA.Allowed, Message: r.CAA.Message}
		if v.CAA.Records == nil {
			v.CAA.Records = []string{}
		}
	}
	return v
}

// checkConcurrency is how many challenges --check looks at at once.
const checkConcurrency = 8

// checkChallenges runs preflight on every challenge, at most checkConcurrency at a time,
// all under one deadline (preflight.DefaultTimeout, or opt.Timeout when set): hostile
// DNS can hold the whole command no longer than one Check. The results keep the
// challenges' order.
func checkChallenges(ctx context.Context, chs []model.Challenge, opt preflight.Options) []preflight.Result {
	limit := opt.Timeout
	if limit <= 0 {
		limit = preflight.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out := make([]preflight.Result, len(chs))
	sem := make(chan struct{}, checkConcurrency)
	var wg sync.WaitGroup
	for i, ch := range chs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i] = preflight.Check(ctx, ch, opt)
		}()
	}
	wg.Wait()
	return out
}

// writeChecked prints each challenge as anyca challenges does, followed by its verdict
// and what was found, as comment lines.
func writeChecked(w io.Writer, chs []model.Challenge, results []preflight.Result) {
	for i := range chs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeChallenges(w, chs[i:i+1])
		writeVerdict(w, "", results[i])
	}
}

// writeVerdict prints one verdict: "; preflight: STATUS: message" and the values found.
func writeVerdict(w io.Writer, indent string, r preflight.Result) {
	fmt.Fprintf(w, "%s; preflight: %s: %s\n", indent, r.Status, oneLine(r.Message))
	if r.Type == model.ChallengeEmail || r.Reason == preflight.ReasonInvalid {
		return
	}
	switch {
	case len(r.Found) == 0:
		fmt.Fprintf(w, "%s;   found: nothing\n", indent)
	default:
		for _, f := range r.Found {
			fmt.Fprintf(w, "%s;   found: %s\n", indent, quoteFound(f))
		}
	}
	if r.CAA != nil && r.CAA.Status != preflight.StatusOK {
		for _, rec := range r.CAA.Records {
			fmt.Fprintf(w, "%s;   CAA at %s: %s\n", indent, r.CAA.Domain, rec)
		}
	}
}

// quoteFound shows a found value on one line: quoted when it holds anything but
// printable non-space text.
func quoteFound(s string) string {
	for _, r := range s {
		if r < 0x21 || r == '"' || r == '\\' || !unicode.IsPrint(r) {
			return fmt.Sprintf("%q", s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// showChecked prints the challenges with their preflight verdicts (-o json: an array of
// challenges, each with a "preflight" object).
func (a *app) showChecked(ctx context.Context, o *cmdOpts, p anyca.Provider, chs []model.Challenge) error {
	opt, err := a.preflightOptions(o, p)
	if err != nil {
		return err
	}
	results := checkChallenges(ctx, chs, opt)
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.output == "json" {
		out := make([]checkedChallenge, len(chs))
		for i := range chs {
			out[i] = checkedChallenge{Challenge: chs[i], Preflight: verdictOf(results[i])}
		}
		return writeJSON(a.stdout, out)
	}
	writeChecked(a.stdout, chs, results)
	return nil
}
