package anyca_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// seededFakes starts the in-memory DigiCert and ZeroSSL fakes, each holding one issued
// certificate for shop.example.com until 2031-03-01; stop closes both.
func seededFakes() (dc *digicerttest.Server, zs *zerossltest.Server, stop func()) {
	notAfter := time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)
	seed := model.Certificate{CommonName: "shop.example.com", DNSNames: []string{"shop.example.com", "www.shop.example.com"},
		Status: model.StatusIssued, CreatedAt: notAfter.AddDate(-1, 0, 0), NotBefore: notAfter.AddDate(-1, 0, 0), NotAfter: notAfter}
	dc, zs = digicerttest.NewServer(), zerossltest.NewServer()
	dc.AddCertificate(seed)
	zs.AddCertificate(seed)
	return dc, zs, func() { dc.Close(); zs.Close() }
}

// The same code asks both CAs the same question; only the Config differs. Here each CA is
// its in-memory fake, seeded with one issued certificate.
func ExampleNew() {
	ctx := context.Background()
	dc, zs, stop := seededFakes()
	defer stop()

	for _, cfg := range []anyca.Config{
		{Provider: "digicert", APIKey: dc.APIKey, BaseURL: dc.URL},
		{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL},
	} {
		p, err := anyca.New(ctx, cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		query := model.CertificateQuery{Status: []model.CertificateStatus{model.StatusIssued}}
		for cert, err := range p.Certificates(ctx, query) {
			if err != nil {
				fmt.Println(err)
				return
			}
			fmt.Printf("%s: %s %s until %s %v\n", p.Name(), cert.CommonName, cert.Status,
				cert.NotAfter.Format(time.DateOnly), cert.DNSNames)
		}
	}
	// Output:
	// digicert: shop.example.com issued until 2031-03-01 [shop.example.com www.shop.example.com]
	// zerossl: shop.example.com issued until 2031-03-01 [shop.example.com www.shop.example.com]
}

// Errors carry one normalized kind whichever CA answered, so callers branch with errors.Is.
func Example_errors() {
	ctx := context.Background()
	zs := zerossltest.NewServer()
	defer zs.Close()

	p, err := anyca.New(ctx, anyca.Config{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = p.Certificate(ctx, "0123456789abcdef0123456789abcdef")
	var e *model.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, model.ErrNotFound), e.Provider, e.Op)
	}
	// Output:
	// true zerossl Certificate
}
