package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// The simulated ACME CA: Let's Encrypt's Pebble (acme/acmetest) in the process, its
// validation authority asking the world's DNS server (over TCP) and fetching http-01
// files from the world's file host, so that a challenge validates exactly when what the
// simulator published is right. Its account is registered and a few orders placed (and
// issued, with real validation) when it starts.

// ACMEPollInterval is how often the simulated ACME CA's clients look at an order being
// issued: Pebble issues within milliseconds.
const ACMEPollInterval = 10 * time.Millisecond

// ACMEOrder is an order the simulated ACME account was seeded with.
type ACMEOrder struct {
	Names   []string
	Method  model.ChallengeType
	Profile string                  // named, since Pebble picks one at random otherwise
	Status  model.CertificateStatus // pending, issued or revoked
}

// ACMEOrders are the orders StartACME places: two issued (validated by dns-01 and by
// http-01), one issued then revoked, and the featured pending order for
// demo.FeaturedDomain, whose challenges wait to be published.
var ACMEOrders = []ACMEOrder{
	{Names: []string{"www.example.org", "example.org"}, Method: model.ChallengeDNSTXT, Profile: acmetest.DefaultProfile, Status: model.StatusIssued},
	{Names: []string{"shop.example.com"}, Method: model.ChallengeHTTPFile, Profile: "shortlived", Status: model.StatusIssued},
	{Names: []string{"legacy.example.net"}, Method: model.ChallengeDNSTXT, Profile: acmetest.DefaultProfile, Status: model.StatusRevoked},
	{Names: []string{demo.FeaturedDomain, "www." + demo.FeaturedDomain}, Method: model.ChallengeDNSTXT, Profile: acmetest.DefaultProfile, Status: model.StatusPending},
}

// ACMEOptions configure StartACME.
type ACMEOptions struct {
	// StateDir is where the account's clients keep the orders placed (with their CSR, for
	// Download) and the account URL; "" keeps them in memory (in-process clients only).
	StateDir string
	// Seed places no orders when false: only the account is registered.
	Seed bool
}

// StartACME starts Pebble pointed at the world (which must be started), registers an
// account with a new key and, with opts.Seed, places ACMEOrders. It returns the CA (its
// Config reaches the account) and the function that stops Pebble.
func StartACME(ctx context.Context, w *World, opts ACMEOptions) (CA, func(), error) {
	if w.dnsAddr == "" || w.fileAddr == "" {
		return CA{}, nil, fmt.Errorf("sim ACME: the world is not started")
	}
	_, port, err := net.SplitHostPort(w.fileAddr)
	if err != nil {
		return CA{}, nil, fmt.Errorf("sim ACME: file host %q: %w", w.fileAddr, err)
	}
	httpPort, err := strconv.Atoi(port)
	if err != nil {
		return CA{}, nil, fmt.Errorf("sim ACME: file host %q: %w", w.fileAddr, err)
	}
	srv, err := acmetest.New(acmetest.Options{DNSServer: w.dnsAddr, HTTP01Port: httpPort})
	if err != nil {
		return CA{}, nil, fmt.Errorf("sim ACME: %w", err)
	}
	key, err := acme.NewKey()
	if err != nil {
		srv.Close()
		return CA{}, nil, fmt.Errorf("sim ACME: %w", err)
	}
	ca := CA{Provider: acme.Name, Label: "ACME", Noun: "order", World: w, acmeServer: srv, dirURL: srv.DirectoryURL,
		acme:    &anyca.ACMEAccount{Key: key, Email: "ops@example.org", AgreeTerms: true, StateDir: opts.StateDir},
		RootPEM: srv.RootPEM, TLSRootPEM: srv.TLSCertificatePEM(), FailNext: srv.Faults.FailNext,
		MissingID: srv.URL() + "/my-order/missing-order-404"}
	p, err := ca.ACMEProvider()
	if err == nil {
		_, err = p.Register(ctx)
	}
	if err == nil && opts.Seed {
		ca.FeaturedCert, ca.Certs, err = seedACME(ctx, p, w)
	}
	if err != nil {
		srv.Close()
		return CA{}, nil, fmt.Errorf("sim ACME: %w", err)
	}
	return ca, srv.Close, nil
}

// ACMEProvider is the simulated ACME CA's client, with the poll interval and rate limit
// tuned for a CA in the process (ACMEPollInterval, no client-side limit).
func (s CA) ACMEProvider() (*acme.Client, error) {
	if s.acme == nil {
		return nil, fmt.Errorf("%s is not an ACME CA", s.Label)
	}
	return acme.New(acme.Config{Provider: s.Provider, DirectoryURL: s.dirURL, Key: s.acme.Key, Email: s.acme.Email,
		AgreeTerms: s.acme.AgreeTerms, StateDir: s.acme.StateDir, HTTPClient: s.acmeServer.Client(),
		Retry: retry.Config{RequestsPerSecond: -1}, PollInterval: ACMEPollInterval})
}

// ACMEAccount is the simulated ACME CA's account (nil for the other CAs). Its key is the
// secret a client config needs; it is never printed.
func (s CA) ACMEAccount() *anyca.ACMEAccount { return s.acme }

// seedACME places ACMEOrders and carries each to its status, with real validation. It
// returns the featured pending order's ID and how many orders it placed.
func seedACME(ctx context.Context, p *acme.Client, w *World) (featured string, n int, err error) {
	for _, o := range ACMEOrders {
		c, err := Issue(ctx, p, w, model.OrderRequest{Names: o.Names, Method: o.Method, Product: o.Profile}, o.Status == model.StatusPending)
		if err != nil {
			return "", n, fmt.Errorf("seeding %v: %w", o.Names, err)
		}
		n++
		switch o.Status {
		case model.StatusPending:
			featured = c.ID
		case model.StatusRevoked:
			if err := p.Revoke(ctx, c.ID, model.ReasonSuperseded); err != nil {
				return "", n, fmt.Errorf("revoking %v: %w", o.Names, err)
			}
		}
	}
	return featured, n, nil
}

// Issue orders a certificate for req (its CSR made with a new key when req has none, and
// kept by the client) and, unless pendingOnly, publishes the challenges of req.Method
// into the world, asks the CA to check, waits for the validation and downloads the
// certificate: the whole loop, with the CA looking at what the world serves.
func Issue(ctx context.Context, p *acme.Client, w *World, req model.OrderRequest, pendingOnly bool) (*model.Certificate, error) {
	method := req.Method
	if req.CSR == nil {
		csr, err := NewCSR(req.Names)
		if err != nil {
			return nil, err
		}
		req.CSR = csr
	}
	c, err := p.Order(ctx, req)
	if err != nil || pendingOnly {
		return c, err
	}
	chs, err := p.Challenges(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, ch := range chs {
		if ch.Type == method {
			if _, err := w.publish(ch, WrongNone); err != nil {
				return nil, err
			}
		}
	}
	if _, err := p.Verify(ctx, c.ID, method); err != nil {
		return nil, err
	}
	if _, err := anyca.WaitValidated(ctx, p, c.ID, anyca.WaitOptions{Min: ACMEPollInterval, Max: 10 * ACMEPollInterval, MaxPolls: 200}); err != nil {
		return nil, err
	}
	if _, err := p.Download(ctx, c.ID); err != nil {
		return nil, err
	}
	return p.Certificate(ctx, c.ID)
}

// NewCSR returns a DER certificate request for names, the first the common name, with a
// new ECDSA P-256 key that is then forgotten: the simulator never serves the certificate.
func NewCSR(names []string) ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, k)
}
