package acmetest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// Example is the whole life of an ACME certificate through anyca, against Pebble with
// real dns-01 validation: order, challenges, publish, verify, wait, download. Against
// Let's Encrypt, only the Config changes (Provider "letsencrypt", no BaseURL or
// HTTPClient) and Publish is your DNS provider's API.
func Example() {
	srv, err := acmetest.New(acmetest.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	accountKey, _ := acme.NewKey() // keep it: it is the account
	p, err := anyca.New(ctx, anyca.Config{Provider: "acme", BaseURL: srv.DirectoryURL, HTTPClient: srv.Client(),
		ACME: &anyca.ACMEAccount{Key: accountKey, Email: "ops@example.com", AgreeTerms: true}})
	if err != nil {
		panic(err)
	}

	certKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "www.example.com"}, DNSNames: []string{"www.example.com"}}, certKey)
	order, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"www.example.com"}, CSR: csr, Method: model.ChallengeDNSTXT})
	if err != nil {
		panic(err)
	}
	chs, err := p.Challenges(ctx, order.ID)
	if err != nil {
		panic(err)
	}
	for _, ch := range chs {
		if ch.Type == model.ChallengeDNSTXT {
			fmt.Println("publish TXT at", ch.RecordName)
			_ = srv.Publish(ch)
		}
	}
	if _, err := anyca.Verify(ctx, p, order.ID, model.ChallengeDNSTXT); err != nil {
		panic(err)
	}
	if _, err := anyca.WaitValidated(ctx, p, order.ID, anyca.WaitOptions{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}); err != nil {
		panic(err)
	}
	bundle, err := anyca.Download(ctx, p, order.ID)
	if err != nil {
		panic(err)
	}
	cert, _ := p.Certificate(ctx, order.ID)
	fmt.Println(cert.Status, bundle.Leaf.DNSNames)
	// Output:
	// publish TXT at _acme-challenge.www.example.com
	// issued [www.example.com]
}
