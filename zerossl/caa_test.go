package zerossl_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

var _ anyca.CAAIdentifier = (*zerossl.Client)(nil)

func TestCAAIdentities(t *testing.T) {
	s := zerossltest.NewServer()
	defer s.Close()
	c, err := zerossl.New(zerossl.Config{APIKey: s.APIKey, BaseURL: s.URL})
	require.NoError(t, err)
	ids := c.CAAIdentities()
	// api-notes: ZeroSSL certificates are issued by Sectigo; CAA must allow sectigo.com.
	assert.Equal(t, []string{"sectigo.com"}, ids)
	ids[0] = "changed.example"
	assert.Equal(t, []string{"sectigo.com"}, c.CAAIdentities(), "the caller's slice is a copy")
}
