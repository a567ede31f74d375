// Command anyca asks certificate authorities the questions the anyca library answers in
// code, from a shell or CI, the same way whichever CA is configured.
//
// Usage:
//
//	anyca [global flags] COMMAND [flags] [args]
//
// Commands:
//
//	certs list [--status S] [--search Q]   list certificates (orders)
//	cert get ID                            one certificate
//	domains list [--search Q]              list domains and their validation
//	domain status NAME                     one domain's validation, levels and challenges
//	challenges CERT_ID [--check]           what to publish to validate a certificate's domains; --check: is it published?
//	expiring --within 30d                  certificates and domain validations expiring soon
//	verify CERT_ID [--wait]                ask the CA to check DCV now (and wait until validated)
//	download CERT_ID --out FILE            save an issued certificate and its chain as PEM
//	order --name NAME --key-out FILE       order a new certificate (a new key, or your CSR)
//	renew CERT_ID --key-out FILE           order the renewal of a certificate (same names, a new key)
//	revoke CERT_ID                         revoke an issued certificate
//	cancel CERT_ID                         cancel an order that is not issued yet
//	acme register --key-file FILE          make an ACME account key and register it with the CA
//	sim [--listen 127.0.0.1:8089]          serve the DigiCert and ZeroSSL fakes on loopback
//	sim publish CERT_ID [--wrong KIND]     publish a certificate's DCV records and files in the running sim
//	demo                                   run the same questions against both simulated CAs
//	version                                print the version and the registered providers (also --version)
//	exporter [--listen 127.0.0.1:9469]     serve Prometheus metrics of every configured account
//
// Configuration comes from a JSON file (--config, the field names of anyca.Config), then
// the environment (ANYCA_PROVIDER, ANYCA_API_KEY, ANYCA_BASE_URL, ANYCA_REGION), then the
// flags --provider, --base-url and --region; later sources override earlier ones. The API
// key is never taken from a flag, so it stays out of shell history and process lists.
//
// Output is an aligned table, or JSON with -o json (the model package's JSON field
// names). Exit codes: 0 success, 1 other error, 2 usage or configuration error, 3 not
// found, 4 authentication or permission failure, 5 rate limited, 6 partial (some of
// several configured accounts failed; the others' answers were printed), 7 DCV failed (the
// CA refused a domain's proof: anyca verify), 8 order outcome unknown (the create request
// may have reached the CA: anyca order, anyca renew), 130 interrupted (SIGINT or SIGTERM before
// the command finished; sim and exporter, which run until interrupted, then stop with 0).
//
// A config file may list named accounts ({"accounts": [...]}); the listing commands
// then ask every account at once and show which account each line comes from.
//
// Run "anyca COMMAND --help" (or "anyca help COMMAND") for each command's flags and
// examples.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// The first SIGINT or SIGTERM cancels the command's context with errInterrupted, so it
	// ends with "interrupted" and exit code 130; a second one gets Go's default (exit).
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sigs; ok {
			signal.Stop(sigs)
			cancel(errInterrupted)
		}
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	signal.Stop(sigs)
	cancel(nil)
	os.Exit(code)
}
