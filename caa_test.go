package anyca_test

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

func TestCAAIdentitiesOfBuiltInProviders(t *testing.T) {
	dc := digicerttest.NewServer()
	defer dc.Close()
	zs := zerossltest.NewServer()
	defer zs.Close()
	for _, tt := range []struct {
		cfg   anyca.Config
		first string
	}{
		{anyca.Config{Provider: "digicert", APIKey: dc.APIKey, BaseURL: dc.URL}, "digicert.com"},
		{anyca.Config{Provider: "zerossl", APIKey: zs.APIKey, BaseURL: zs.URL}, "sectigo.com"},
	} {
		p, err := anyca.New(context.Background(), tt.cfg)
		require.NoError(t, err)
		ids := anyca.CAAIdentities(p)
		require.NotEmpty(t, ids, tt.cfg.Provider)
		assert.Equal(t, tt.first, ids[0])
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
