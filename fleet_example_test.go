package anyca_test

import (
	"context"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// A fleet lists every account at once; an account that fails is named in the result
// while the others' answers are complete.
func ExampleFleet() {
	ctx := context.Background()
	notAfter := time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)
	seed := model.Certificate{CommonName: "shop.example.com", Status: model.StatusIssued, NotAfter: notAfter}
	dc := digicerttest.NewServer()
	defer dc.Close()
	dc.AddCertificate(seed)
	zs := zerossltest.NewServer()
	defer zs.Close()
	zs.AddCertificate(seed)

	fleet, err := anyca.NewFleet(ctx, []anyca.Account{
		{Name: "prod", Config: anyca.Config{Provider: "digicert", APIKey: dc.APIKey, BaseURL: dc.URL}},
		{Name: "dv", Config: anyca.Config{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL}},
		{Name: "old", Config: anyca.Config{Provider: "zerossl", APIKey: "revoked-key-0123456789", BaseURL: zs.URL}},
	}, anyca.FleetOptions{Concurrency: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := fleet.Certificates(ctx, model.CertificateQuery{})
	for _, c := range r.Items {
		fmt.Println(c.Account, c.Provider, c.CommonName, c.NotAfter.Format(time.DateOnly))
	}
	for name, err := range r.Failed {
		fmt.Println("failed:", name, model.KindOf(err))
	}
	// Output:
	// dv zerossl shop.example.com 2031-03-01
	// prod digicert shop.example.com 2031-03-01
	// failed: old unauthenticated
}
