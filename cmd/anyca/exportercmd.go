package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/exporter"
)

// The exporter command is added to the list here, after the others, so its code stays
// in its own files.
func init() {
	commands = append(commands, command{
		name:     "exporter",
		noOutput: true,
		short:    "serve Prometheus metrics of every configured account",
		help: `Usage: anyca exporter [--listen 127.0.0.1:9469] [--interval 5m] [--config FILE] [--account NAME]

Serves Prometheus metrics on http://ADDR/metrics for every configured account (an
accounts config, or the single account of ANYCA_* and --config), labelled by account
and provider:
  anyca_certificate_not_after_seconds{id, common_name}   per issued certificate
  anyca_domain_validation_valid_until_seconds{domain, level, status}   per domain level
  anyca_certificates{status}, anyca_domain_validations{status}   counts
  anyca_refresh_success, anyca_refresh_timestamp_seconds,
  anyca_refresh_last_success_timestamp_seconds, anyca_refresh_duration_seconds
  anyca_ca_requests_total, anyca_ca_rate_limited_total   every attempt, retries included
Each account is refreshed in the background, at most every --interval, and less often
when a refresh would use more than a tenth of the account's client-side rate limit
(retry.requests_per_second, default 5/s). A scrape never calls a CA: it reads the last
complete refresh. A failed refresh keeps the last complete listing and sets
anyca_refresh_success to 0; a refresh that takes longer than the account's
interval (a CA that never answers) fails. Runs until interrupted (SIGINT/SIGTERM).
Use --listen :9469 to serve on every interface.
Example alert rules: cmd/anyca/exporter-rules.yml.

Examples:
  anyca --config fleet.json exporter --listen 127.0.0.1:9469
  curl -s 127.0.0.1:9469/metrics | grep anyca_refresh_success`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.StringVar(&o.listen, "listen", "127.0.0.1:9469", "`address` to serve metrics on")
			fs.DurationVar(&o.interval, "interval", exporter.DefaultInterval, "shortest `time` between two refreshes of one account")
		},
		check: func(o *cmdOpts) error {
			if o.interval <= 0 {
				return usagef("--interval %s: must be positive", o.interval)
			}
			return nil
		},
		run: runExporter,
	})
}

func runExporter(ctx context.Context, a *app, o *cmdOpts, args []string) error {
	accts, err := a.accounts(&o.globalOpts)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(a.stderr, nil))
	e, err := exporter.New(ctx, accts, exporter.Options{Interval: o.interval, Logger: logger})
	if err != nil {
		return err
	}
	h, err := e.Handler()
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "anyca exporter: metrics at /metrics")
	})
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", o.listen)
	if err != nil {
		return fmt.Errorf("exporter: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stderr, "anyca exporter: %d account(s), metrics on http://%s/metrics\n", len(accts), ln.Addr())

	runCtx, stopRefresh := context.WithCancel(ctx)
	refreshed := make(chan struct{})
	go func() { e.Run(runCtx); close(refreshed) }()
	return a.serveUntilDone(ctx, "exporter", srv, ln, func() {
		stopRefresh()
		<-refreshed
	})
}
