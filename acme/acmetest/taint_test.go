package acmetest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// TestTaintedAnswersShowNoKeyMaterial: a CA whose every string, on a call's first four
// requests, carries a private key (PEM) and a terminal escape gets no part of the key
// into an error or a Problem: every CA text the adapter quotes is redacted first, then
// made one line and cut.
func TestTaintedAnswersShowNoKeyMaterial(t *testing.T) {
	srv, p := start(t, acmetest.Options{})
	cert, _ := issue(t, srv, p, model.ChallengeDNSTXT, "taint.example.com")
	ord, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"pending.example.com"}, CSR: csrFor(t, "pending.example.com")})
	require.NoError(t, err)
	taint := " \x1b[2J" + secretstest.PrivateKeyPEM()
	calls := map[string]func() (any, error){
		"Certificate": func() (any, error) { return p.Certificate(context.Background(), cert.ID) },
		"Challenges":  func() (any, error) { return p.Challenges(context.Background(), ord.ID) },
		"Download":    func() (any, error) { return anyca.Download(context.Background(), p, cert.ID) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv.Faults.FailNext(4, fakeca.Fault{Kind: fakeca.Taint, Message: taint})
			v, err := call()
			secretstest.AssertNoKeyMaterial(t, err, "")
			if chs, ok := v.([]model.Challenge); ok {
				for _, ch := range chs {
					secretstest.AssertNoKeyMaterial(t, nil, ch.Problem)
				}
			}
		})
	}
}
