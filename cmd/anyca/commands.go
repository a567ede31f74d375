package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the
// module version from the build info is used.
var version = ""

// commands lists every subcommand, in the order the help shows them.
var commands = []command{
	{
		name:  "certs list",
		short: "list certificates (DigiCert: orders)",
		help: `Usage: anyca certs list [--status S[,S...]] [--search Q] [-o json]

Lists the account's certificates, sorted by common name then id. --status keeps the
given normalized states (draft, pending, issued, revoked, cancelled, rejected, expired,
unknown); --search is matched by the CA against the names on the certificate.

Table columns: ACCOUNT, ID, COMMON NAME, STATUS (vendor word in parentheses when it
differs), LEVEL, PRODUCT, NOT AFTER (UTC date), NAMES (number of names on the
certificate).
JSON: an array of certificates (see "anyca --help" for the fields).

Examples:
  anyca certs list
  anyca certs list --status issued,pending --search example.com
  anyca certs list -o json | jq -r '.[] | select(.level == "ev") | .id'`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.StringVar(&o.status, "status", "", "keep only these `statuses`, comma-separated")
			fs.StringVar(&o.search, "search", "", "`text` the CA matches against certificate names")
		},
		check: func(o *cmdOpts) (err error) {
			o.statuses, err = parseStatuses(o.status)
			return err
		},
		run: runCertsList,
	},
	{
		name:  "cert get",
		short: "show one certificate",
		help: `Usage: anyca cert get ID [-o json]

Shows one certificate (DigiCert: order id; ZeroSSL: certificate id).
Exit code 3 when the CA does not know the id.

Examples:
  anyca cert get 4123045
  anyca cert get 4123045 -o json | jq -r .not_after`,
		arg: "the certificate ID",
		run: onProvider(runCertGet),
	},
	{
		name:  "domains list",
		short: "list domains and their validation state",
		help: `Usage: anyca domains list [--search Q] [-o json]

Lists the account's domains with their domain-control validation, sorted by name.
--search keeps domains whose name contains the text. ZeroSSL has no domain objects: its
domains are derived from the certificates.

Table columns: ACCOUNT, DOMAIN, STATUS, METHOD (DCV method), VALID UNTIL (latest valid
level), LEVELS (each level's state and expiry).
JSON: an array of domain validations (see "anyca --help" for the fields).

Examples:
  anyca domains list
  anyca domains list --search example -o json`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.StringVar(&o.search, "search", "", "keep domains whose name contains `text`")
		},
		run: runDomainsList,
	},
	{
		name:  "domain status",
		short: "show one domain's validation, levels and challenges",
		help: `Usage: anyca domain status NAME [-o json]

Shows what the CA knows about a domain's validation: its state, the DCV method, each
level's (dv/ov/ev) state and expiry, and pending challenges ready to publish. NAME may be
an IDN (converted to punycode) and may end with a dot. Exit code 3 when the CA does not
know the domain, 2 when the name is malformed. With several accounts, every account is
asked and each that knows the domain is shown; JSON is then an array.

Examples:
  anyca domain status example.com
  anyca domain status example.com -o json | jq '.levels'`,
		arg: "the domain NAME",
		run: runDomainStatus,
	},
	{
		name:  "challenges",
		short: "what to publish to validate a certificate's domains",
		help: `Usage: anyca challenges CERT_ID [--check [--dns-server ADDR] [--http-host ADDR] [--https-host ADDR] [--tls-roots FILE]] [-o json]

Prints, for each domain of the certificate or order, what to publish, ready to paste:
DNS records as zone-file lines (names absolute, TXT values quoted), for example
  _dnsauth.example.com. 3600 IN CNAME xyz.dcv.digicert.com.
  _dnsauth.example.com. 3600 IN TXT "token"
the URL and the exact body of a validation file, or the addresses an approval email goes
to. Comment lines start with ";" so DNS sections paste into a zone file as they are.
JSON: an array of challenges.

--check also looks from outside, as the CA will, whether each challenge is published
right (package preflight), and prints below it "; preflight: STATUS: message" and each
value found there. STATUS is ok, missing, mismatch, blocked_by_caa (a CAA record forbids
this CA, whose identities the provider gives), error or not_checkable (email). DNS
records are read from the zone's authoritative nameservers, found from the resolvers of
/etc/resolv.conf, or from --dns-server (ANYCA_DNS_SERVER) asked for every name; files
are fetched without following redirects, from the URL's host or from --http-host
(ANYCA_HTTP_HOST) and --https-host (ANYCA_HTTPS_HOST), https verified against the system
roots or --tls-roots (ANYCA_TLS_ROOTS). anyca sim prints these export lines. The exit
code does not depend on the verdicts; JSON adds a "preflight" object to each challenge
(status, reason, name, wanted, found, message, caa).

Examples:
  anyca challenges 4123045
  anyca challenges 4123045 -o json | jq -r '.[] | select(.type == "dns-cname") | .record_name'
  anyca challenges 4123045 --check
  anyca challenges 4123045 --check --dns-server 127.0.0.1:5353 --http-host 127.0.0.1:8080`,
		flags: registerCheck,
		arg:   "the certificate ID",
		run:   onProvider(runChallenges),
	},
	{
		name:  "expiring",
		short: "certificates and domain validations expiring soon",
		help: `Usage: anyca expiring [--within 30d] [-o json]

Lists issued certificates that expire within the window, and domain validations (per
level) that lapse within it, soonest first: what must be renewed or revalidated. The
window takes days ("30d"), or Go durations ("12h", "90m", "1h30m").

Table columns: EXPIRES (UTC), IN (time left), RENEW FROM (a certificate's renewal
window: the CA's advice, else the last third of its lifetime; "(due)" once open),
ACCOUNT, KIND (certificate or domain), NAME, ID, DETAIL (certificate level and product;
domain validation level).
JSON: {"now", "within", "certificates": [certificate...], "domains": [domain
validation...], "renewal_windows": [{"account", "id", "window": {"start", "end",
"from_ca"}, "open", "error"}...] (one per certificate, in order), "failed": {account:
error}} ("failed" only when some accounts failed) where a domain is listed when one of
its levels lapses within the window.

Examples:
  anyca expiring --within 30d
  anyca expiring --within 12h -o json | jq '.certificates | length'`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.StringVar(&o.within, "within", "30d", "time `window`: 30d, 12h, or a Go duration")
		},
		check: func(o *cmdOpts) (err error) {
			o.window, err = parseWithin(o.within)
			return err
		},
		run: runExpiring,
	},
	verifyCommand, downloadCommand, orderCommand, renewCommand, revokeCommand, cancelCommand, acmeRegisterCommand, simPublishCommand,
	{
		name:     "sim",
		local:    true,
		noOutput: true,
		short:    "serve the DigiCert and ZeroSSL fakes and an ACME CA on loopback",
		help: `Usage: anyca sim [--listen 127.0.0.1:8089] [--dns-listen ADDR] [--http-listen ADDR] [--https-listen ADDR] [--env-file FILE] [--seed N]

Serves simulated DigiCert CertCentral and ZeroSSL APIs, seeded with a generated demo
account (a few hundred certificates in every state, domains with OV/EV validations
expiring at different times, pending DCV), on one loopback listener:
  /digicert/services/v2/...   DigiCert CertCentral Services API
  /zerossl/...                ZeroSSL REST API
  POST /publish?id=CERT_ID    publish the certificate's DCV records and files (anyca sim publish)
and, on its own loopback port over TLS, an ACME CA: Let's Encrypt's test server, Pebble,
with an account registered and four orders (issued, revoked, and one pending for
pay.example.org). Pebble validates for real, asking the DNS server below (over TCP) and
fetching http-01 files from the file host below. Its export line sets ANYCA_CONFIG to a
config file (mode 0600) holding the account, whose key is never printed, and
ANYCA_CA_ROOTS to the certificate of Pebble's API; issued chains verify against the root
it names.
It also serves, on three more loopback ports, an authoritative DNS server for the
simulated zones (SOA, NS, and the TXT, CNAME and CAA records published) and file hosts
(HTTP, and HTTPS with certificates from a test root it writes to a file) for
/.well-known/pki-validation/ files (the Host header selects the domain). The simulated CAs
decide anyca verify by looking there with their own DNS and HTTP lookup, so the whole DCV
loop can be walked: anyca challenges ID --check (missing), anyca sim publish ID, --check
again (ok), anyca verify ID (valid), anyca download ID.
It prints the environment lines that point this tool (or the library) at each, and
ANYCA_SIM, ANYCA_DNS_SERVER, ANYCA_HTTP_HOST, ANYCA_HTTPS_HOST and ANYCA_TLS_ROOTS for
the loop. It also serves a fleet of three accounts (DigiCert "prod" and "staging" under
/digicert-staging, ZeroSSL "dv"), each with its own data and key, writes an accounts
config for them to a temporary file (removed on exit) and prints its path and the export
line of their keys. It runs until interrupted (SIGINT/SIGTERM). Non-loopback addresses
are refused: the fakes accept a published demo key. Port 0 picks a free port; the DNS
server and file hosts take free ports unless --dns-listen, --http-listen and
--https-listen fix them, so that the printed lines stay the same across restarts.
--env-file FILE also writes every variable, one NAME=value a line, to FILE (mode 0600;
read it with: set -a; . FILE; set +a): ANYCA_PROVIDER, ANYCA_API_KEY and ANYCA_BASE_URL
of the simulated DigiCert, ANYCA_SIM_<CA>_PROVIDER, _API_KEY, _BASE_URL and _PENDING_ID
of each simulated CA, the world's ANYCA_SIM, ANYCA_DNS_SERVER, ANYCA_HTTP_HOST,
ANYCA_HTTPS_HOST and ANYCA_TLS_ROOTS, the fleet's key variables and
ANYCA_SIM_FLEET_CONFIG (the accounts config's path).

Examples:
  anyca sim
  anyca sim --listen 127.0.0.1:0 --seed 7
  anyca sim --dns-listen 127.0.0.1:8053 --http-listen 127.0.0.1:8080 --https-listen 127.0.0.1:8443 --env-file sim.env
  # in another shell, paste one of the printed export lines, then:
  anyca expiring --within 30d
  anyca challenges 4128223 --check && anyca sim publish 4128223 && anyca verify 4128223`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.StringVar(&o.listen, "listen", "127.0.0.1:8089", "loopback `address` to serve the CA APIs on")
			fs.StringVar(&o.sim.dns, "dns-listen", "", "loopback `address` of the DNS server (default: a free port)")
			fs.StringVar(&o.sim.http, "http-listen", "", "loopback `address` of the HTTP file host (default: a free port)")
			fs.StringVar(&o.sim.https, "https-listen", "", "loopback `address` of the HTTPS file host (default: a free port)")
			fs.StringVar(&o.sim.envFile, "env-file", "", "write the variables to `file`, one NAME=value a line")
			fs.Uint64Var(&o.seed, "seed", defaultSeed, "`seed` of the generated demo account")
		},
		run: runSim,
	},
	{
		name:     "demo",
		local:    true,
		noOutput: true,
		short:    "ask the simulated CAs the same questions, side by side",
		help: `Usage: anyca demo [--seed N]

Starts the simulator in-process and asks the simulated DigiCert and ZeroSSL accounts the
same questions through the one anyca.Provider interface: certificates by status, the
soonest-expiring certificates, one domain's validation and its challenges, and the error
kind for an id that does not exist. Then it walks the DCV loop for one pending order of
each CA against the simulator's own DNS server and file host: preflight (missing), the
CA's check (refused), the simulator publishing the records, preflight (ok), the CA's
check (valid), the download. Then it walks the whole life of a new certificate on each
CA: order (a new key), challenges, preflight, publish, verify, download, the renewal
window, renew, revoke, and cancel of the renewal. Last, it publishes once each of a
wrong CNAME target, a TXT typo, a redirecting file URL and a CAA record forbidding the
CA, with preflight's verdict naming the value found. Then a third CA, ACME (Let's
Encrypt's test server, Pebble, in the process, validating for real against the
simulator's DNS server): an order, its challenges, preflight, publishing, verify, wait,
download and the renewal window (ARI). Needs no account and no network; the output is
the same for a seed.

Example:
  go run ./cmd/anyca demo`,
		flags: func(fs *flag.FlagSet, o *cmdOpts) {
			fs.Uint64Var(&o.seed, "seed", defaultSeed, "`seed` of the generated demo account")
		},
		run: runDemo,
	},
	{
		name:  "version",
		local: true,
		short: "print the version and the registered providers",
		help: `Usage: anyca version [-o json]

Prints the tool's version, the Go version it was built with, and the registered
providers. JSON: {"version", "go", "providers"}.`,
		run: runVersion,
	},
}

const topHelp = `anyca asks certificate authorities (DigiCert CertCentral, ZeroSSL) the same questions
through one interface: which certificates exist and when they expire, whether a domain is
validated and until when, and what to publish to validate it.

Usage: anyca [global flags] COMMAND [flags] [args]

Commands:
%s
Global flags (also accepted after the command):
  --config FILE      JSON config file with the fields of anyca.Config:
                     {"provider": "digicert", "api_key": "...", "base_url": "...", "region": "eu",
                      "retry": {"max_attempts": 4, "min_wait": "500ms", "max_wait": "30s",
                                "requests_per_second": 5, "burst": 5}}
                     (default: $ANYCA_CONFIG)
  --provider NAME    provider: %s
  --base-url URL     API base URL (https, or http on loopback for simulators)
  --region REGION    DigiCert region: us (default) or eu
  --account NAME     ask only this account of a config file that lists accounts (the name
                     compared case-insensitively)
  -o, --output FMT   table (default, for people) or json (for scripts)
  --version          print the version and the registered providers, as "anyca version"

Several accounts: a --config file of the form
  {"accounts": [{"name": "prod", "provider": "digicert", "api_key_env": "DIGICERT_PROD_KEY"},
                {"name": "dv", "provider": "zerossl", "api_key_file": "/run/secrets/zerossl"}]}
(each account may also set base_url, region and retry; api_key is accepted with a
warning) makes certs list, domains list, domain status and expiring ask every account
at once and show an ACCOUNT column ("account" in JSON). cert get and challenges then
need --account. With such a file ANYCA_* variables are not read.

Configuration, lowest to highest precedence: the --config file, then the environment
(ANYCA_PROVIDER, ANYCA_API_KEY, ANYCA_BASE_URL, ANYCA_REGION), then the flags.
The API key is read only from ANYCA_API_KEY or the config file, never from a flag:
command-line arguments are saved in shell history and visible to every user of the
machine in the process list (ps). The key is never printed, not even in errors.

ACME CAs (acme, letsencrypt, letsencrypt-staging, zerossl-acme, google, google-staging)
take an account instead of an API key: "acme": {"key": "<PEM>"} in the --config file, or
"acme": {"key_file": FILE} in an account of an accounts config (anyca acme register
makes and registers a key, and prints that config). ANYCA_CA_ROOTS names a PEM file of
roots trusted for the CA's API besides the system's (anyca sim's Pebble), for an
accounts config too.

JSON output (-o json) uses the field names of the model package, which are stable:
  certificate: provider, account, id, common_name, dns_names, status, vendor_status, level,
    product, serial_number, fingerprint_sha1, created_at, not_before, not_after,
    replaces_id
  domain validation: provider, account, domain, id, status, vendor_status, method,
    vendor_method, levels [{level, status, vendor_status, valid_until}], validated_at,
    challenges
  challenge: domain, type, record_name, record_value, url, content, emails, token,
    status, expires_at
Times are RFC 3339 in UTC; a time the CA did not give is "0001-01-01T00:00:00Z".
Statuses: certificate draft|pending|issued|revoked|cancelled|rejected|expired|unknown;
validation valid|pending|expired|not_started|failed|unknown; challenge types
dns-txt|dns-cname|http-file|https-file|email; levels dv|ov|ev.

Exit codes:
    0  success
    1  other error (CA unavailable, network, timeout)
    2  usage or configuration error (bad flag, missing key, malformed argument)
    3  not found (unknown certificate id or domain)
    4  authentication or permission failure (wrong, missing or inactive API key)
    5  rate limited by the CA (try again later)
    6  partial: some configured accounts failed; the others' answers were printed and
       the failed accounts are named on stderr (when every account fails, the code is
       that of their errors, e.g. 4)
    7  DCV failed: the CA checked a domain and refused its proof (anyca verify)
    8  order outcome unknown: the create request may have reached the CA; what anyca
       found is printed, nothing was ordered again (anyca order, anyca renew)
  130  interrupted (Ctrl-C or SIGTERM) before the command finished: "anyca: interrupted"
       is printed once; sim and exporter, which run until interrupted, stop with 0
Errors are printed as one line on stderr, without secrets.

Examples:
  go run ./cmd/anyca demo                       # both simulated CAs, side by side
  export ANYCA_PROVIDER=digicert ANYCA_API_KEY=...   # the key from the environment
  anyca expiring --within 30d
  anyca certs list --status issued -o json | jq length
  anyca --config prod.json domain status example.com
  anyca challenges 4123045

Run "anyca COMMAND --help" or "anyca help COMMAND" for a command's flags and examples.
`

func (a *app) topHelp(w io.Writer) {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-14s %s\n", c.name, c.short)
	}
	// The provider list is wrapped under its column, as the other global flags are.
	providers := strings.Join(wrap(strings.Join(anyca.Providers(), ", "), helpWidth-len("  --provider NAME    provider: ")), "\n"+strings.Repeat(" ", len("  --provider NAME    provider: ")))
	fmt.Fprintf(w, topHelp, b.String(), providers)
}

func (a *app) commandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintln(w, c.help)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags:")
	printFlags(w, fs)
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Configuration, JSON fields and exit codes: "anyca --help".`)
}

// groupHelp lists the commands that start with word ("anyca help cert").
func (a *app) groupHelp(w io.Writer, word string, group []*command) {
	fmt.Fprintf(w, "Commands starting with %q:\n", word)
	for _, c := range group {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.short)
	}
	fmt.Fprintf(w, "\nRun \"anyca help %s\" for a command's flags and examples.\n", group[0].name)
}

// helpWidth is the width flag descriptions are wrapped to.
const helpWidth = 90

// printFlags lists fs's flags in --flag style, one entry per flag: -o and --output share
// theirs. Descriptions are wrapped to helpWidth under their flag.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "o" && fs.Lookup("output") != nil {
			return
		}
		value, usage := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if f.Name == "output" && fs.Lookup("o") != nil {
			name = "-o, --output"
		}
		if value != "" {
			name += " " + value
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  %s\n", name)
		for _, line := range wrap(usage, helpWidth-6) {
			fmt.Fprintf(w, "      %s\n", line)
		}
	})
}

// wrap splits text into lines of at most width characters, breaking between words.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// checkArgs refuses a command line without the command's one positional argument, or
// with more arguments than it takes.
func (c *command) checkArgs(args []string) error {
	n := 0
	if c.arg != "" {
		n = 1
	}
	switch {
	case len(args) == n:
		return nil
	case n == 0:
		return usagef("unexpected argument %q", args[0])
	case len(args) < n:
		return usagef("missing %s", c.arg)
	}
	return usagef("too many arguments: want only %s", c.arg)
}

func runCertGet(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
	c, err := p.Certificate(ctx, id)
	if err != nil {
		return err
	}
	if o.output == "json" {
		return writeJSON(a.stdout, c)
	}
	now := a.now()
	tw := newTable(a.stdout)
	row(tw, "Provider:", c.Provider)
	row(tw, "ID:", c.ID)
	row(tw, "Common name:", c.CommonName)
	row(tw, "DNS names:", strings.Join(c.DNSNames, ", "))
	row(tw, "Status:", statusWord(string(c.Status), c.VendorStatus))
	row(tw, "Level:", string(c.Level))
	row(tw, "Product:", c.Product)
	row(tw, "Serial number:", c.SerialNumber)
	row(tw, "SHA-1 fingerprint:", c.FingerprintSHA1)
	row(tw, "Created:", stamp(c.CreatedAt))
	row(tw, "Not before:", stamp(c.NotBefore))
	notAfter := stamp(c.NotAfter)
	if !c.NotAfter.IsZero() {
		notAfter += " (" + relative(c.NotAfter, now) + ")"
	}
	row(tw, "Not after:", notAfter)
	row(tw, "Replaces:", c.ReplacesID)
	return tw.Flush()
}

// writeDomain prints one domain validation: summary, per-level table, challenges.
func writeDomain(w io.Writer, d *model.DomainValidation, now time.Time) {
	tw := newTable(w)
	row(tw, "Account:", d.Account)
	row(tw, "Provider:", d.Provider)
	row(tw, "Domain:", d.Domain)
	row(tw, "ID:", d.ID)
	row(tw, "Status:", statusWord(string(d.Status), d.VendorStatus))
	row(tw, "Method:", statusWord(string(d.Method), d.VendorMethod))
	row(tw, "Validated at:", stamp(d.ValidatedAt))
	vu := stamp(d.ValidUntil())
	if !d.ValidUntil().IsZero() {
		vu += " (" + relative(d.ValidUntil(), now) + ")"
	}
	row(tw, "Valid until:", vu)
	_ = tw.Flush()
	if len(d.Levels) > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		row(tw, "LEVEL", "STATUS", "VALID UNTIL", "LEFT")
		for _, l := range d.Levels {
			row(tw, string(l.Level), statusWord(string(l.Status), l.VendorStatus), stamp(l.ValidUntil), relative(l.ValidUntil, now))
		}
		_ = tw.Flush()
	}
	if len(d.Challenges) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Challenges:")
		writeChallenges(w, d.Challenges)
	}
}

func runChallenges(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
	chs, err := p.Challenges(ctx, id)
	if err != nil {
		return err
	}
	sim.SortChallenges(chs)
	if o.pre.check && len(chs) > 0 {
		return a.showChecked(ctx, o, p, chs)
	}
	if o.output == "json" {
		if chs == nil {
			chs = []model.Challenge{}
		}
		return writeJSON(a.stdout, chs)
	}
	if len(chs) == 0 {
		fmt.Fprintln(a.stdout, "; nothing to publish: the CA lists no pending challenge for", id)
		return nil
	}
	writeChallenges(a.stdout, chs)
	return nil
}

// parseWithin reads a window: "30d", "1.5d" or a Go duration; it must be positive.
func parseWithin(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil || f <= 0 || f > 100*365 {
			return 0, usagef("--within %q: want a number of days such as 30d, or a Go duration such as 12h", s)
		}
		d = time.Duration(f * float64(24*time.Hour))
	} else {
		var err error
		d, err = time.ParseDuration(s)
		if err != nil {
			return 0, usagef("--within %q: want days such as 30d, or a Go duration such as 12h", s)
		}
	}
	if d <= 0 {
		return 0, usagef("--within %q: the window must be positive", s)
	}
	return d, nil
}

// expiringLevels returns dv's valid levels that lapse within d of now, soonest first.
func expiringLevels(dv *model.DomainValidation, now time.Time, d time.Duration) []model.LevelValidation {
	var out []model.LevelValidation
	for _, l := range dv.Levels {
		if l.Status == model.ValidationValid && !l.ValidUntil.IsZero() && now.Before(l.ValidUntil) && l.ValidUntil.Before(now.Add(d)) {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ValidUntil.Before(out[j].ValidUntil) })
	return out
}

func runVersion(_ context.Context, a *app, o *cmdOpts, args []string) error {
	v := version
	if v == "" {
		v = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			v = bi.Main.Version
		}
	}
	info := struct {
		Version   string   `json:"version"`
		Go        string   `json:"go"`
		Providers []string `json:"providers"`
	}{v, runtime.Version(), anyca.Providers()}
	if o.output == "json" {
		return writeJSON(a.stdout, info)
	}
	fmt.Fprintf(a.stdout, "anyca %s (%s)\nproviders: %s\n", info.Version, info.Go, strings.Join(info.Providers, ", "))
	return nil
}

// plural renders "1 certificate", "2 certificates".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
