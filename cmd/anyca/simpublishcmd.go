package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// maxPublishAnswer caps what anyca sim publish reads of the simulator's answer.
const maxPublishAnswer = 1 << 20

// simPublishCommand is anyca sim publish. It precedes "sim" in the command list, which
// matches the first words of the command line in order.
var simPublishCommand = command{
	name:     "sim publish",
	local:    true,
	noOutput: true,
	short:    "publish a certificate's DCV records and files in the running simulator",
	help: `Usage: anyca sim publish CERT_ID [--wrong cname|txt|redirect|caa] [--sim URL]

Tells a running "anyca sim" to publish, for every challenge of the certificate
(DigiCert: order), the DNS record into its simulated zones or the file onto its file
host: exactly what a user would publish (https files are served with a certificate from
the fakes' test root, which anyca sim writes to the ANYCA_TLS_ROOTS file). The simulated
CAs look there, with their own lookup, when asked to check (anyca verify), and so does
"anyca challenges ID --check". Prints the records and files published. Email challenges
are not published (approve them by hand).

--wrong publishes a mistake instead, so that preflight has something real to report:
  cname     the CNAME points at an old target
  txt       the TXT value has two letters swapped
  redirect  the file URL answers 301 to https
  caa       the records are right, and a CAA record at the domain allows only ` + sim.ForbiddingIssuer + `
Publishing again without --wrong puts the right values back (and removes that CAA record).

The simulator's URL comes from --sim or ANYCA_SIM (anyca sim prints the export line); it
must be on loopback. Exit code 3 when no simulated CA knows the id.

Examples:
  anyca sim publish 4128223
  anyca sim publish 4128223 --wrong cname && anyca challenges 4128223 --check`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.pre.wrong, "wrong", "", "publish this `mistake` instead: cname, txt, redirect or caa")
		fs.StringVar(&o.pre.sim, "sim", "", "the running simulator's `URL` (default $"+envSim+")")
	},
	arg: "the certificate ID",
	run: runSimPublish,
}

func runSimPublish(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	k, err := sim.ParseWrong(o.pre.wrong)
	if err != nil {
		return usagef("%v", err)
	}
	raw := firstNonEmpty(o.pre.sim, a.getenv(envSim))
	if raw == "" {
		return usagef("no simulator: set %s (anyca sim prints the export line) or pass --sim URL", envSim)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || !retry.IsLoopback(u.Hostname()) {
		return usagef("--sim %q: want the simulator's loopback URL, such as http://127.0.0.1:8089", raw)
	}
	q := url.Values{"id": {args[0]}}
	if k != sim.WrongNone {
		q.Set("wrong", string(k))
	}
	target := u.Scheme + "://" + u.Host + "/publish?" + q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return fmt.Errorf("sim publish: %w", err)
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return fmt.Errorf("sim publish: is anyca sim running? %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPublishAnswer+1))
	if err != nil {
		return fmt.Errorf("sim publish: reading the answer: %w", err)
	}
	if len(body) > maxPublishAnswer {
		return fmt.Errorf("sim publish: the answer is larger than %d bytes", maxPublishAnswer)
	}
	text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(body)), "publish:"))
	switch resp.StatusCode {
	case http.StatusOK:
		if strings.TrimSpace(string(body)) == "" {
			fmt.Fprintln(a.stdout, "; nothing to publish: the simulated CA lists no pending DNS or file challenge for", display(args[0]),
				"(email challenges are approved by hand)")
			return nil
		}
		fmt.Fprintln(a.stdout, "; published in the simulator:")
		_, err := io.WriteString(a.stdout, escapeLines(string(body)))
		return err
	case http.StatusNotFound:
		return &model.Error{Kind: model.ErrNotFound, Op: "sim publish", HTTPStatus: resp.StatusCode, Message: oneLine(text)}
	case http.StatusBadRequest:
		return &model.Error{Kind: model.ErrInvalidArgument, Op: "sim publish", HTTPStatus: resp.StatusCode, Message: oneLine(text)}
	}
	return fmt.Errorf("sim publish: the simulator answered %s: %s", resp.Status, oneLine(text))
}

// escapeLines keeps the lines of s and escapes any other control character in them.
func escapeLines(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		body, nl := strings.CutSuffix(line, "\n")
		for _, r := range body {
			if r < 0x20 && r != '\t' || r == 0x7f {
				fmt.Fprintf(&b, "\\x%02x", r)
				continue
			}
			b.WriteRune(r)
		}
		if nl {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
