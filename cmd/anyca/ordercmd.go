package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// The whole life of a certificate on the command line: order, renew, revoke, cancel.

// exitOutcomeUnknown is the exit code of an order whose create request may have reached
// the CA and whose answer was lost: what FindOrder found is printed, nothing is ordered
// again.
const exitOutcomeUnknown = 8

// lifeOpts are the flags of order, renew, revoke and cancel.
type lifeOpts struct {
	names    namesFlag
	csr      string
	keyOut   string
	product  string
	validity string
	method   string
	replaces string
	reason   string

	// parsed by check
	validityD time.Duration
}

// namesFlag is the repeatable --name.
type namesFlag []string

func (n *namesFlag) String() string { return strings.Join(*n, ",") }

func (n *namesFlag) Set(v string) error {
	*n = append(*n, v)
	return nil
}

// orderFlags registers the flags order and renew share.
func orderFlags(fs *flag.FlagSet, o *cmdOpts) {
	fs.StringVar(&o.life.csr, "csr", "", "PKCS#10 CSR `file` (PEM or DER) whose key gets certified")
	fs.StringVar(&o.life.keyOut, "key-out", "", "write a new ECDSA P-256 private key to `file` (mode 0600; must not exist)")
	fs.StringVar(&o.life.product, "product", "", "`product` in the CA's vocabulary (DigiCert: ssl_basic, ssl_plus...; ACME: the profile, such as shortlived); default the adapter's")
	fs.StringVar(&o.life.validity, "validity", "", "`validity`: days (90d) or a Go duration; the longest the CA sells that is not longer (not ACME: use --product)")
	fs.StringVar(&o.life.method, "method", "", "DCV `method`: dns-txt, dns-cname, http-file, https-file or email; default the CA's")
}

// checkOrderFlags refuses order and renew flags that cannot work, before any request.
func checkOrderFlags(o *cmdOpts) error {
	l := &o.life
	switch {
	case l.csr != "" && l.keyOut != "":
		return usagef("--csr and --key-out exclude each other: the CSR's key is certified, no new key is made")
	case l.csr == "" && l.keyOut == "":
		return usagef("give --key-out FILE (a new key is written there) or --csr FILE (your own key's CSR)")
	}
	if l.keyOut != "" {
		if _, err := os.Lstat(l.keyOut); err == nil {
			return usagef("%s exists: a private key is never overwritten; choose another --key-out", l.keyOut)
		}
	}
	if l.validity != "" {
		d, err := parseWithin(l.validity)
		if err != nil {
			return usagef("--validity %q: want days such as 90d, or a Go duration such as 720h", l.validity)
		}
		l.validityD = d
	}
	if m := model.ChallengeType(l.method); m != "" && !validMethod(m) {
		return usagef("--method %q: want dns-txt, dns-cname, http-file, https-file or email", l.method)
	}
	return nil
}

var orderCommand = command{
	name:  "order",
	short: "order a new certificate (a new key, or your CSR)",
	help: `Usage: anyca order --name NAME [--name NAME...] (--key-out FILE | --csr FILE) [--product P] [--validity 90d] [--method M] [--replaces ID] [-o json]

Asks the CA for a new certificate for the names (the first is the common name). With
--key-out a new ECDSA P-256 key is made and written to FILE (mode 0600; an existing file
is never overwritten) before the order, and its CSR is sent; the key is never printed.
With --csr your own CSR is sent (PEM or DER); without --name its names are taken.
--validity takes the longest validity the CA sells that is not longer; --product is in the
CA's vocabulary (DigiCert: ssl_basic, ssl_plus, ssl_ev_basic...; DigiCert OV and EV need
"digicert": {"organization_id"} in the --config file); --replaces names the certificate
this one renews. An ACME CA sets the lifetime by profile: --product names it (shortlived:
6 days at Let's Encrypt), and --validity is refused (exit 2). Then: anyca challenges ID,
publish, anyca verify ID --wait, anyca download ID.

The create request reaches the CA at most once. When its answer is lost (a timeout, a
dropped connection, a 5xx), the order may or may not exist: anyca looks for it
(anyca.FindOrder) and prints what it found, exits 8, and never orders again. Run "anyca
certs list --search NAME" before ordering again.

Table: the order's ID, status, names and what it replaces. JSON: the certificate. Exit
code 2 for a bad name, CSR or flag, or an existing --key-out (nothing is sent); 8 when
the outcome is unknown.

Examples:
  anyca order --name shop.example.com --name www.shop.example.com --key-out shop.key
  anyca order --csr shop.csr --validity 90d --method dns-txt -o json | jq -r .id`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.Var(&o.life.names, "name", "DNS `name` to certify (repeat for more; the first is the common name)")
		orderFlags(fs, o)
		fs.StringVar(&o.life.replaces, "replaces", "", "`ID` of the certificate this one renews")
	},
	check: checkOrderFlags,
	run: func(ctx context.Context, a *app, o *cmdOpts, _ []string) error {
		p, err := a.provider(ctx, &o.globalOpts)
		if err != nil {
			return err
		}
		return a.order(ctx, o, p, o.life.names, o.life.replaces)
	},
}

var renewCommand = command{
	name:  "renew",
	short: "order the renewal of a certificate (same names, a new key)",
	help: `Usage: anyca renew ID (--key-out FILE | --csr FILE) [--product P] [--validity 90d] [--method M] [-o json]

Orders a new certificate for the names of certificate ID, telling the CA it replaces ID
(DigiCert renewal_of_order_id, ZeroSSL replacement_for_certificate). A new ECDSA P-256 key
is written to --key-out (mode 0600, never overwritten, never printed) unless --csr gives
your own CSR, whose names must be ID's. The product is the adapter's default unless
--product names one. "anyca expiring" shows when each certificate should be renewed.
The create request reaches the CA at most once, as for anyca order (exit 8: see there).

Examples:
  anyca renew 4123045 --key-out shop-2027.key
  anyca renew 4123045 --csr shop.csr -o json | jq -r .id`,
	flags: orderFlags,
	arg:   "the certificate ID",
	check: checkOrderFlags,
	run: onProvider(func(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
		c, err := p.Certificate(ctx, id)
		if err != nil {
			return err
		}
		names := model.NormalizeDomains(append([]string{c.CommonName}, c.DNSNames...))
		if len(names) == 0 {
			return model.NewError(p.Name(), "Renew", model.ErrFailedPrecondition, "certificate %s has no names to renew", id)
		}
		return a.order(ctx, o, p, names, id)
	}),
}

var revokeCommand = command{
	name:  "revoke",
	short: "revoke an issued certificate",
	help: `Usage: anyca revoke ID [--reason R] [-o json]

Revokes an issued certificate. --reason is one of unspecified (default), key_compromise,
affiliation_changed, superseded, cessation_of_operation, sent in the CA's own spelling.
A certificate already revoked is done (exit 0). Nothing is reported revoked that is not:
a revocation that waits for an approver (DigiCert's request flow) exits 1 naming the
request, unless "digicert": {"approve_requests": true} in the --config file lets anyca
approve it. JSON: {"id", "status", "reason"}.
Exit code 1 when the certificate is not issued (pending, cancelled) or awaits approval;
2 for an unknown reason; 3 for an unknown id.

Examples:
  anyca revoke 4123045 --reason superseded
  anyca revoke 0c8f...e1 --reason key_compromise -o json`,
	flags: func(fs *flag.FlagSet, o *cmdOpts) {
		fs.StringVar(&o.life.reason, "reason", string(model.ReasonUnspecified), "revocation `reason`: "+reasonList())
	},
	arg: "the certificate ID",
	check: func(o *cmdOpts) error {
		if _, ok := model.RevocationReason(o.life.reason).Code(); !ok || o.life.reason == "" {
			return usagef("--reason %q: want one of %s", o.life.reason, reasonList())
		}
		return nil
	},
	run: onProvider(func(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
		reason := model.RevocationReason(o.life.reason)
		if err := anyca.Revoke(ctx, p, id, reason); err != nil {
			return err
		}
		return a.lifeDone(o, id, model.StatusRevoked, string(reason))
	}),
}

var cancelCommand = command{
	name:  "cancel",
	short: "cancel an order that is not issued yet",
	help: `Usage: anyca cancel ID [-o json]

Withdraws an order (DigiCert) or certificate (ZeroSSL) that is not issued yet. An order
already cancelled is done (exit 0); an issued certificate is not cancelled but revoked
(anyca revoke). ACME has no cancel: a pending ACME order expires on its own. JSON:
{"id", "status"}.
Exit code 1 when the certificate is issued, revoked or expired, or the CA cannot cancel
(ACME: nothing is sent); 3 for an unknown id.

Examples:
  anyca cancel 4123045
  anyca cancel 0c8f...e1 -o json`,
	arg: "the certificate ID",
	run: onProvider(func(ctx context.Context, a *app, o *cmdOpts, p anyca.Provider, id string) error {
		if err := anyca.Cancel(ctx, p, id); err != nil {
			if errors.Is(err, model.ErrUnsupported) && isACMEProvider(p.Name()) {
				return fmt.Errorf("%w: ACME (RFC 8555) has no way to withdraw an order; a pending order expires on its own, and an issued certificate is revoked with anyca revoke %s", err, display(id))
			}
			return err
		}
		return a.lifeDone(o, id, model.StatusCancelled, "")
	}),
}

// reasonList names the revocation reasons, comma-separated.
func reasonList() string {
	var out []string
	for _, r := range model.RevocationReasons() {
		out = append(out, string(r))
	}
	return strings.Join(out, ", ")
}

// lifeDone prints the outcome of revoke or cancel.
func (a *app) lifeDone(o *cmdOpts, id string, st model.CertificateStatus, reason string) error {
	if o.output == "json" {
		return writeJSON(a.stdout, struct {
			ID     string                  `json:"id"`
			Status model.CertificateStatus `json:"status"`
			Reason string                  `json:"reason,omitempty"`
		}{id, st, reason})
	}
	line := display(id) + ": " + string(st)
	if reason != "" {
		line += " (" + reason + ")"
	}
	fmt.Fprintln(a.stdout, line)
	return nil
}

// order places the order for names (renewing replaces when set) with the key or CSR of
// o's flags, and prints it. An unknown outcome prints what FindOrder found and returns
// an *outcomeUnknownError (exit 8).
func (a *app) order(ctx context.Context, o *cmdOpts, p anyca.Provider, names []string, replaces string) error {
	l := &o.life
	if l.validity != "" && isACMEProvider(p.Name()) {
		return usagef("--validity: an ACME CA sets the lifetime by profile, not per order: name the profile with --product (Let's Encrypt and anyca sim: --product shortlived for 6 days; without --product, the CA's default)")
	}
	req := model.OrderRequest{Names: names, Validity: l.validityD, Method: model.ChallengeType(l.method),
		Product: l.product, Replaces: replaces}
	if l.csr != "" {
		csr, err := os.ReadFile(l.csr)
		if err != nil {
			return usagef("--csr: %v", err)
		}
		req.CSR = csr
		if len(req.Names) == 0 {
			req.Names = csrNames(csr)
		}
		if _, err := model.CheckOrder(p.Name(), req); err != nil {
			return err // before any file is written or request sent
		}
	} else {
		norm, err := checkNames(p.Name(), req.Names)
		if err != nil {
			return err // a bad name: no key is written
		}
		req.Names = norm
		csr, err := newKey(l.keyOut, req.Names)
		if err != nil {
			return err
		}
		req.CSR = csr
	}
	since := time.Now()
	c, err := anyca.Order(ctx, p, req)
	var me *model.Error
	switch {
	case err == nil:
		return a.writeOrder(o, c, l.keyOut)
	case errors.As(err, &me) && me.Code == anyca.OrderOutcomeUnknown:
		found, ferr := anyca.FindOrder(ctx, p, req, since)
		if ferr == nil {
			if werr := a.writeOrder(o, found, l.keyOut); werr != nil {
				return werr
			}
		}
		return &outcomeUnknownError{err: err, found: found, findErr: ferr, names: req.Names, keyOut: l.keyOut}
	}
	if l.keyOut != "" {
		_ = os.Remove(l.keyOut) // the CA refused: nothing certifies the key made for it
	}
	return err
}

// outcomeUnknownError is an order whose create request may have reached the CA: the
// message says what FindOrder found, and what to do.
type outcomeUnknownError struct {
	err     error
	found   *model.Certificate
	findErr error
	names   []string
	keyOut  string
}

func (e *outcomeUnknownError) Error() string {
	var b strings.Builder
	b.WriteString(e.err.Error())
	switch {
	case e.found != nil:
		fmt.Fprintf(&b, "; the order was made: %s (%s), printed above; continue with it (anyca challenges %s), do not order again",
			e.found.ID, e.found.Status, e.found.ID)
	case errors.Is(e.findErr, model.ErrNotFound):
		fmt.Fprintf(&b, "; no order for %s was found, so it was most likely not made; check with anyca certs list --search %s before ordering again",
			strings.Join(e.names, ","), e.names[0])
	default:
		fmt.Fprintf(&b, "; looking for the order failed too (%v): check with anyca certs list --search %s before ordering again", e.findErr, e.names[0])
	}
	if e.keyOut != "" {
		fmt.Fprintf(&b, "; the key is kept in %s", e.keyOut)
	}
	return b.String()
}

func (e *outcomeUnknownError) Unwrap() error { return e.err }

// writeOrder prints an order placed (or found).
func (a *app) writeOrder(o *cmdOpts, c *model.Certificate, keyOut string) error {
	if o.output == "json" {
		return writeJSON(a.stdout, c)
	}
	tw := newTable(a.stdout)
	row(tw, "Provider:", c.Provider)
	row(tw, "ID:", c.ID)
	row(tw, "Status:", statusWord(string(c.Status), c.VendorStatus))
	row(tw, "DNS names:", strings.Join(c.DNSNames, ", "))
	row(tw, "Product:", c.Product)
	row(tw, "Replaces:", c.ReplacesID)
	row(tw, "Key file:", keyOut)
	next := "anyca challenges " + c.ID
	if c.Status == model.StatusIssued {
		next = "anyca download " + c.ID
	}
	row(tw, "Next:", next)
	return tw.Flush()
}

// csrNames returns the names of a CSR (common name first), or nil when it does not parse.
func csrNames(data []byte) []string {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		der = block.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil
	}
	var names []string
	if csr.Subject.CommonName != "" {
		names = append(names, csr.Subject.CommonName)
	}
	return append(names, csr.DNSNames...)
}

// checkNames normalizes the names of an order, as model.CheckOrder does, before a key
// is made for them: at least one, each a valid host name, duplicates dropped.
func checkNames(provider string, names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, usagef("give at least one --name (or --csr, whose names are taken)")
	}
	var out []string
	for _, n := range names {
		norm, err := model.NormalizeDomain(n)
		if err != nil {
			return nil, model.NewError(provider, "Order", model.ErrInvalidArgument, "--name %q: %v", n, err)
		}
		if !slices.Contains(out, norm) {
			out = append(out, norm)
		}
	}
	return out, nil
}

// csrFor returns the PEM CSR for names signed by key: the first name the common name,
// every name a DNS name.
func csrFor(key *ecdsa.PrivateKey, names []string) ([]byte, error) {
	tmpl := &x509.CertificateRequest{DNSNames: names}
	if len(names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: names[0]}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// newKey makes an ECDSA P-256 key, writes it as PKCS#8 PEM to path (created, never
// replaced, mode 0600) and returns the CSR for names it signs. The key is not kept.
func newKey(path string, names []string) ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	csr, err := csrFor(key, names)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, usagef("%s exists: a private key is never overwritten; choose another --key-out", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--key-out: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // whatever the umask
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("--key-out: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("--key-out: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("--key-out: %w", err)
	}
	return csr, nil
}
