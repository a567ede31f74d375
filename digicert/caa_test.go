package digicert_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
)

var _ anyca.CAAIdentifier = (*digicert.Client)(nil)

func TestCAAIdentities(t *testing.T) {
	s := digicerttest.NewServer()
	defer s.Close()
	c, err := digicert.New(digicert.Config{APIKey: s.APIKey, BaseURL: s.URL})
	require.NoError(t, err)
	ids := c.CAAIdentities()
	// api-notes: DigiCert issues where CAA allows digicert.com; its brands use these names.
	assert.Equal(t, []string{"digicert.com", "www.digicert.com", "geotrust.com", "rapidssl.com", "thawte.com", "symantec.com"}, ids)
	ids[0] = "changed.example"
	assert.Equal(t, "digicert.com", c.CAAIdentities()[0], "the caller's slice is a copy")
}
