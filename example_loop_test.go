package anyca_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Closing the DCV loop: ask the CA to check now, wait until every domain is valid, and
// download the issued chain. The fake CA approves a domain once its challenge is
// published (here by Publish; a simulator points the hook at DNS and HTTP checks).
func ExampleWaitValidated() {
	ctx := context.Background()
	srv := digicerttest.NewServer()
	defer srv.Close()
	order := srv.AddCertificate(model.Certificate{CommonName: "shop.example.com", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(order.ID, []model.Challenge{{Domain: "shop.example.com", Type: model.ChallengeDNSTXT, Status: model.ValidationPending}})

	p, err := anyca.New(ctx, anyca.Config{Provider: "digicert", APIKey: srv.APIKey, BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	chs, _ := anyca.Verify(ctx, p, order.ID, "")
	fmt.Println("before publishing:", chs[0].Status)

	srv.Publish("shop.example.com")
	chs, err = anyca.WaitValidated(ctx, p, order.ID, anyca.WaitOptions{Min: time.Millisecond, Max: 10 * time.Millisecond, VerifyEvery: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after publishing:", chs[0].Status)

	b, err := anyca.Download(ctx, p, order.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	inter := x509.NewCertPool()
	for _, c := range b.Intermediates {
		inter.AddCert(c)
	}
	_, err = b.Leaf.Verify(x509.VerifyOptions{Roots: digicerttest.Roots(), Intermediates: inter, DNSName: "shop.example.com"})
	fmt.Println("leaf:", b.Leaf.Subject.CommonName, "chain verifies:", err == nil)
	// Output:
	// before publishing: failed
	// after publishing: valid
	// leaf: shop.example.com chain verifies: true
}

// A refused check is an answer: the domain comes back failed, with what the CA found.
func ExampleVerify() {
	ctx := context.Background()
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{CommonName: "api.example.com", Status: model.StatusPending})

	p, err := anyca.New(ctx, anyca.Config{Provider: "zerossl", APIKey: srv.APIKey, BaseURL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	chs, err := anyca.Verify(ctx, p, cert.ID, model.ChallengeDNSCNAME)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range chs {
		if ch.Type == model.ChallengeDNSCNAME {
			fmt.Println(ch.Domain, ch.Status, strings.Contains(ch.Problem, "no CNAME record"))
		}
	}
	_, err = anyca.Download(ctx, p, cert.ID)
	fmt.Println(errors.Is(err, model.ErrFailedPrecondition))
	// Output:
	// api.example.com failed true
	// true
}
