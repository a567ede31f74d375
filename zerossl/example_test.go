package zerossl_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// Reading one certificate from the fake API.
func ExampleClient_Certificate() {
	srv := zerossltest.NewServer()
	defer srv.Close()
	seeded := srv.AddCertificate(model.Certificate{ID: "0123456789abcdef0123456789abcdef", CommonName: "example.com",
		DNSNames: []string{"www.example.com"}, Status: model.StatusIssued,
		CreatedAt: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)})

	c, err := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL})
	if err != nil {
		panic(err)
	}
	cert, err := c.Certificate(context.Background(), seeded.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(cert.CommonName, cert.DNSNames, cert.Status, cert.Level, cert.Product, cert.NotAfter.Format(time.DateOnly))

	_, err = c.Certificate(context.Background(), "ffffffffffffffffffffffffffffffff")
	fmt.Println(errors.Is(err, model.ErrNotFound), err)
	// Output:
	// example.com [example.com www.example.com] issued dv ZeroSSL 90-day 2025-04-01
	// true zerossl: Certificate: not found (HTTP 200, 2803 certificate_not_found)
}

// Listing issued certificates lazily; pages are fetched as the loop advances.
func ExampleClient_Certificates() {
	srv := zerossltest.NewServer()
	defer srv.Close()
	srv.AddCertificate(model.Certificate{CommonName: "a.example.com", Status: model.StatusIssued})
	srv.AddCertificate(model.Certificate{CommonName: "b.example.com", Status: model.StatusDraft})
	srv.AddCertificate(model.Certificate{CommonName: "c.example.com", Status: model.StatusIssued})

	c, _ := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL})
	q := model.CertificateQuery{Status: []model.CertificateStatus{model.StatusIssued}}
	for cert, err := range c.Certificates(context.Background(), q) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(cert.CommonName, cert.Status)
	}
	// Output:
	// c.example.com issued
	// a.example.com issued
}

// The DCV challenges of a certificate awaiting validation.
func ExampleClient_Challenges() {
	srv := zerossltest.NewServer()
	defer srv.Close()
	cert := srv.AddCertificate(model.Certificate{ID: "0123456789abcdef0123456789abcdef", CommonName: "example.com", Status: model.StatusPending})
	srv.SetValidation(cert.ID, zerossltest.Validation{
		Method: model.ChallengeDNSCNAME,
		Challenges: []model.Challenge{
			{Domain: "example.com", Type: model.ChallengeDNSCNAME, RecordName: "_AB12.example.com", RecordValue: "AB12.CD34.COMODOCA.COM."},
			{Domain: "example.com", Type: model.ChallengeHTTPFile, URL: "http://example.com/.well-known/pki-validation/AB12.txt", Content: "AB12\ncomodoca.com\ntoken"},
		},
	})
	c, _ := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL})
	chs, err := c.Challenges(context.Background(), cert.ID)
	if err != nil {
		panic(err)
	}
	for _, ch := range chs {
		fmt.Printf("%s %s %s %q %s %q\n", ch.Domain, ch.Type, ch.Status, ch.RecordName+ch.URL, ch.RecordValue, ch.Content)
	}
	// Output:
	// example.com dns-cname pending "_ab12.example.com" ab12.cd34.comodoca.com ""
	// example.com http-file pending "http://example.com/.well-known/pki-validation/AB12.txt"  "AB12\ncomodoca.com\ntoken"
}

// The validation state of a domain, read from the newest certificate that lists it.
func ExampleClient_DomainValidation() {
	srv := zerossltest.NewServer()
	defer srv.Close()
	expires := time.Now().Add(60 * 24 * time.Hour).UTC().Truncate(time.Second)
	cert := srv.AddCertificate(model.Certificate{CommonName: "example.com", Status: model.StatusIssued, NotAfter: expires})

	c, _ := zerossl.New(zerossl.Config{APIKey: srv.APIKey, BaseURL: srv.URL})
	dv, err := c.DomainValidation(context.Background(), "Example.COM.")
	if err != nil {
		panic(err)
	}
	fmt.Println(dv.Domain, dv.Status, dv.ID == cert.ID, dv.ValidUntil().Equal(expires), dv.Levels[0].Level)
	// Output:
	// example.com valid true true dv
}
