package acmetest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// start returns a running server and a provider on it.
func start(t *testing.T, opts acmetest.Options) (*acmetest.Server, anyca.Provider) {
	t.Helper()
	srv, err := acmetest.New(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	p, err := anyca.New(context.Background(), configFor(t, srv))
	require.NoError(t, err)
	return srv, p
}

// configFor returns the Config of a new account on srv.
func configFor(t *testing.T, srv *acmetest.Server) anyca.Config {
	t.Helper()
	key, err := acme.NewKey()
	require.NoError(t, err)
	return anyca.Config{Provider: "acme", BaseURL: srv.DirectoryURL, HTTPClient: srv.Client(),
		ACME: &anyca.ACMEAccount{Key: key, AgreeTerms: true, Email: "ops@example.com"}}
}

// csrFor returns a PEM-less DER CSR for names with a fresh P-256 key.
func csrFor(t *testing.T, names ...string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, k)
	require.NoError(t, err)
	return der
}

// issue runs the whole loop: order, challenges, publish, verify, wait, download.
func issue(t *testing.T, srv *acmetest.Server, p anyca.Provider, method model.ChallengeType, names ...string) (*model.Certificate, *model.Bundle) {
	t.Helper()
	return issueRequest(t, srv, p, model.OrderRequest{Names: names, CSR: csrFor(t, names...), Method: method})
}

// issueRequest runs the whole loop for req (whose Method must be set).
func issueRequest(t *testing.T, srv *acmetest.Server, p anyca.Provider, req model.OrderRequest) (*model.Certificate, *model.Bundle) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	method, names := req.Method, req.Names
	ord, err := anyca.Order(ctx, p, req)
	require.NoError(t, err)
	require.Equal(t, model.StatusPending, ord.Status)
	chs, err := p.Challenges(ctx, ord.ID)
	require.NoError(t, err)
	published := 0
	for _, ch := range chs {
		if ch.Type == method {
			require.NoError(t, srv.Publish(ch))
			published++
		}
	}
	require.Equal(t, len(names), published, "one %s challenge per name: %+v", method, chs)
	_, err = anyca.Verify(ctx, p, ord.ID, method)
	require.NoError(t, err)
	_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond})
	require.NoError(t, err)
	b, err := anyca.Download(ctx, p, ord.ID)
	require.NoError(t, err)
	got, err := p.Certificate(ctx, ord.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusIssued, got.Status)
	return got, b
}

func TestLoopDNS01(t *testing.T) {
	srv, p := start(t, acmetest.Options{})
	began := time.Now()
	c, b := issue(t, srv, p, model.ChallengeDNSTXT, "www.example.com", "example.com")
	t.Logf("dns-01 issuance on Pebble: %s, %d requests", time.Since(began), srv.Requests())
	_, err := b.Leaf.Verify(x509.VerifyOptions{Roots: srv.Roots, Intermediates: pool(b.Intermediates), DNSName: "example.com"})
	require.NoError(t, err)
	require.Equal(t, []string{"www.example.com", "example.com"}, c.DNSNames)
	require.NotEmpty(t, c.SerialNumber)
	require.Len(t, c.FingerprintSHA1, 40)
}

func TestLoopHTTP01(t *testing.T) {
	srv, p := start(t, acmetest.Options{})
	_, b := issue(t, srv, p, model.ChallengeHTTPFile, "shop.example.org")
	_, err := b.Leaf.Verify(x509.VerifyOptions{Roots: srv.Roots, Intermediates: pool(b.Intermediates), DNSName: "shop.example.org"})
	require.NoError(t, err)
}

func pool(cs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
