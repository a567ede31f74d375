package digicert_test

import (
	"context"
	"fmt"
	"time"

	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
)

func ExampleNew() {
	fake := digicerttest.NewServer()
	defer fake.Close()
	order := fake.AddCertificate(model.Certificate{CommonName: "www.example.com", Level: model.LevelOV,
		NotAfter: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})

	c, err := digicert.New(digicert.Config{APIKey: fake.APIKey, BaseURL: fake.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	cert, err := c.Certificate(context.Background(), order.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cert.CommonName, cert.Status, cert.Level, cert.NotAfter.Format("2006-01-02"))
	// Output: www.example.com issued ov 2026-03-01
}

func ExampleClient_Certificates() {
	fake := digicerttest.NewServer()
	defer fake.Close()
	for _, name := range []string{"a.example.com", "b.example.com", "c.example.org"} {
		fake.AddCertificate(model.Certificate{CommonName: name})
	}
	c, err := digicert.New(digicert.Config{APIKey: fake.APIKey, BaseURL: fake.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	for cert, err := range c.Certificates(context.Background(), model.CertificateQuery{Search: "example.com", PageSize: 1}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(cert.CommonName)
	}
	// Output:
	// a.example.com
	// b.example.com
}
