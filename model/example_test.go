package model_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/anyca/anyca/model"
)

// Example shows the normalized values every provider returns and the one error model:
// a domain name in the form anyca compares, a certificate's expiry question, the
// latest valid level of a domain, and an error's kind whatever CA answered.
func Example() {
	name, err := model.NormalizeDomain(" Bücher.Example.COM. ")
	fmt.Println(name, err)
	_, err = model.NormalizeDomain("bad name.example.com")
	fmt.Println(errors.Is(err, model.ErrInvalidArgument))

	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := model.Certificate{ID: "4123045", CommonName: "shop.example.com", Status: model.StatusIssued,
		NotAfter: now.Add(10 * 24 * time.Hour)}
	fmt.Println(c.ExpiresWithin(now, 30*24*time.Hour), c.IsExpired(now), model.FormatDate(c.NotAfter))

	d := model.DomainValidation{Domain: "example.com", Status: model.ValidationValid, Levels: []model.LevelValidation{
		{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: now.AddDate(0, 6, 0)},
		{Level: model.LevelEV, Status: model.ValidationExpired, ValidUntil: now.AddDate(0, -1, 0)},
	}}
	fmt.Println(model.FormatDate(d.ValidUntil()))

	// What an adapter returns for an id the CA does not know; callers test the kind.
	err = fmt.Errorf("looking up: %w", &model.Error{Provider: "digicert", Op: "Certificate",
		Kind: model.ErrNotFound, HTTPStatus: 404, Message: "Order not found."})
	fmt.Println(errors.Is(err, model.ErrNotFound), model.KindOf(err) == model.ErrNotFound)
	fmt.Println(err)
	// Output:
	// xn--bcher-kva.example.com <nil>
	// true
	// true false 2026-03-11
	// 2026-09-01
	// true true
	// looking up: digicert: Certificate: not found (HTTP 404): Order not found.
}
