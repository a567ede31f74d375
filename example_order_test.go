package anyca_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Ordering a certificate, at most once: when the create request's answer is lost, Order
// says the outcome is unknown (code anyca.OrderOutcomeUnknown) and never sends it again;
// FindOrder then finds the order if the CA made it. Here the fake loses the answer after
// making the order.
func ExampleOrder() {
	ctx := context.Background()
	zs := zerossltest.NewServer()
	defer zs.Close()
	p, err := anyca.New(ctx, anyca.Config{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The key stays with you; the CA gets a CSR for the names.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	names := []string{"shop.example.com", "www.shop.example.com"}
	csr, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, key)
	req := model.OrderRequest{Names: names, CSR: csr, Validity: 90 * 24 * time.Hour}

	zs.FailNext(1, fakeca.Fault{Kind: fakeca.LostAnswer}) // the order is made, its answer lost
	since := time.Now()
	cert, err := anyca.Order(ctx, p, req)
	var me *model.Error
	if errors.As(err, &me) && me.Code == anyca.OrderOutcomeUnknown {
		fmt.Println("outcome unknown: looking for the order, not ordering again")
		cert, err = anyca.FindOrder(ctx, p, req, since) // model.ErrNotFound: it was not made
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cert.Status, cert.DNSNames)
	// Then: p.Challenges(ctx, cert.ID), publish, anyca.WaitValidated, anyca.Download;
	// anyca.RenewalWindow to know when to renew, and an order with Replaces: cert.ID.

	// Output:
	// outcome unknown: looking for the order, not ordering again
	// draft [shop.example.com www.shop.example.com]
}
