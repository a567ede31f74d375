package anyca_test

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// The identities are the adapter's, not an account's: New contacts no CA, so the base
// URL need not answer.
func TestCAAIdentitiesOfBuiltInProviders(t *testing.T) {
	for provider, first := range map[string]string{"digicert": "digicert.com", "zerossl": "sectigo.com"} {
		p, err := anyca.New(context.Background(), anyca.Config{Provider: provider, APIKey: "caa-test-key-0123456789", BaseURL: "http://127.0.0.1:1"})
		require.NoError(t, err)
		ids := anyca.CAAIdentities(p)
		require.NotEmpty(t, ids, provider)
		assert.Equal(t, first, ids[0], provider)
	}
}

// bareProvider is a Provider that declares no CAA identities.
type bareProvider struct{}

func (bareProvider) Name() string { return "bare" }
func (bareProvider) Certificate(context.Context, string) (*model.Certificate, error) {
	return nil, model.NewError("bare", "Certificate", model.ErrNotFound, "none")
}
func (bareProvider) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(func(*model.Certificate, error) bool) {}
}
func (bareProvider) DomainValidation(context.Context, string) (*model.DomainValidation, error) {
	return nil, model.NewError("bare", "DomainValidation", model.ErrNotFound, "none")
}
func (bareProvider) Challenges(context.Context, string) ([]model.Challenge, error) { return nil, nil }

func TestCAAIdentitiesOfAProviderWithout(t *testing.T) {
	assert.Nil(t, anyca.CAAIdentities(bareProvider{}), "no identities: preflight then checks no CAA")
}
