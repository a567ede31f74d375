package digicerttest_test

import (
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckDCVWireFormat: check-dcv consults the Published hook with the challenge the
// order hands out, answers 400 invalid_dns_txt while a domain is unpublished, then
// approves and issues; the download is pem_all (leaf, intermediate, root) of that leaf.
func TestCheckDCVWireFormat(t *testing.T) {
	var asked []model.Challenge
	published := map[string]bool{}
	s := digicerttest.NewServer(digicerttest.WithPublished(func(ch model.Challenge) bool {
		asked = append(asked, ch)
		return published[ch.Domain]
	}))
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "a.example.com", Status: model.StatusPending, Level: model.LevelOV})
	s.SetChallenges(c.ID, []model.Challenge{{Domain: "a.example.com", Type: model.ChallengeDNSTXT, Token: "rv-1", Status: model.ValidationPending}})

	code, body := do(t, "GET", s.URL+"/certificate/download/order/"+c.ID+"/format/pem_all", s.APIKey, "")
	assert.Equal(t, 400, code, "a pending order has nothing to download: %s", body)

	code, body = do(t, "PUT", s.URL+"/order/certificate/"+c.ID+"/check-dcv", s.APIKey, "")
	assert.Equal(t, 400, code)
	assert.Contains(t, body, `"code":"invalid_dns_txt"`)
	require.Len(t, asked, 1)
	assert.Equal(t, model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSTXT, RecordName: "a.example.com",
		RecordValue: "rv-1", Token: "rv-1", Status: model.ValidationPending, ExpiresAt: asked[0].ExpiresAt}, asked[0],
		"the hook sees what to look for")

	published["a.example.com"] = true
	code, body = do(t, "PUT", s.URL+"/order/certificate/"+c.ID+"/check-dcv", s.APIKey, "")
	require.Equal(t, 200, code, body)
	var ans struct {
		OrderStatus        string `json:"order_status"`
		CertificateID      int64  `json:"certificate_id"`
		DCVStatus          string `json:"dcv_status"`
		DNSNameValidations []struct {
			DNSName, Status string
		} `json:"dns_name_validations"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ans))
	assert.Equal(t, "issued", ans.OrderStatus)
	assert.Equal(t, "valid", ans.DCVStatus)
	assert.NotZero(t, ans.CertificateID)
	require.Len(t, ans.DNSNameValidations, 1)
	assert.Equal(t, "approved", ans.DNSNameValidations[0].Status)

	code, body = do(t, "GET", s.URL+"/certificate/download/order/"+c.ID+"/format/pem_all", s.APIKey, "")
	require.Equal(t, 200, code)
	assert.Equal(t, 3, strings.Count(body, "-----BEGIN CERTIFICATE-----"))
	code, body = do(t, "GET", s.URL+"/certificate/download/order/"+c.ID+"/format/pem_noroot", s.APIKey, "")
	require.Equal(t, 200, code)
	assert.Equal(t, 2, strings.Count(body, "-----BEGIN CERTIFICATE-----"))
	blk, _ := pem.Decode([]byte(body))
	require.NotNil(t, blk)
	code, _ = do(t, "GET", s.URL+"/certificate/download/order/"+c.ID+"/format/p12", s.APIKey, "")
	assert.Equal(t, 400, code)

	code, body = do(t, "PUT", s.URL+"/order/certificate/"+c.ID+"/check-dcv", s.APIKey, "")
	assert.Equal(t, 400, code, "an issued order has no DCV to check: %s", body)
	code, _ = do(t, "PUT", s.URL+"/order/certificate/424242/check-dcv", s.APIKey, "")
	assert.Equal(t, 404, code)
}

// TestIssuedSeedsGetRealLeaves: an issued order is seeded with a leaf whose serial is
// the seeded one and whose thumbprint the order then reports.
func TestIssuedSeedsGetRealLeaves(t *testing.T) {
	s := digicerttest.NewServer()
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "b.example.com", Status: model.StatusIssued, SerialNumber: "0A:BC:DE",
		FingerprintSHA1: strings.Repeat("ab", 20)})
	assert.Equal(t, "0abcde", c.SerialNumber)
	assert.Len(t, c.FingerprintSHA1, 40)
	assert.NotEqual(t, strings.Repeat("ab", 20), c.FingerprintSHA1, "the thumbprint is the real leaf's")
	code, body := do(t, "GET", s.URL+"/order/certificate/"+c.ID, s.APIKey, "")
	require.Equal(t, 200, code)
	assert.Contains(t, body, strings.ToUpper(c.FingerprintSHA1))
}

// BenchmarkAddCertificate measures seeding: an issued order signs a real leaf, a pending
// one does not.
func BenchmarkAddCertificate(b *testing.B) {
	for _, st := range []model.CertificateStatus{model.StatusPending, model.StatusIssued} {
		b.Run(string(st), func(b *testing.B) {
			s := digicerttest.NewUnstarted()
			for i := 0; i < b.N; i++ {
				s.AddCertificate(model.Certificate{CommonName: "bench.example.com", DNSNames: []string{"www.bench.example.com"},
					Status: st, Level: model.LevelOV, SerialNumber: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"})
			}
		})
	}
}
