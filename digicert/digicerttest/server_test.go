package digicerttest_test

import (
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do sends method url with body to the fake, with key in CertCentral's key header (none
// when ""), and returns the status and the body.
func do(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	code, b := fakecatest.Do(t, method, url, body, fakecatest.Header("X-DC-DEVKEY", key))
	return code, string(b)
}

func TestAuthAndRoles(t *testing.T) {
	s := digicerttest.NewServer(digicerttest.WithAPIKey("full"), digicerttest.WithViewOnlyKey("view"))
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "a.example.com"})
	assert.Equal(t, "full", s.APIKey)

	code, body := do(t, "GET", s.URL+"/order/certificate/"+c.ID, "", "")
	assert.Equal(t, 401, code)
	assert.Contains(t, body, `"errors"`)
	code, _ = do(t, "GET", s.URL+"/order/certificate/"+c.ID, "view", "")
	assert.Equal(t, 200, code)
	code, body = do(t, "POST", s.URL+"/reports/query", "view", `{"query":"query{o0:order_details_by_id(id:1){id}}"}`)
	assert.Equal(t, 403, code)
	assert.Contains(t, body, "access_denied|missing_permission")
	code, body = do(t, "GET", s.URL+"/order/certificate/999", "full", "")
	assert.Equal(t, 404, code)
	assert.Contains(t, body, "not_found|order")
	assert.EqualValues(t, 1, s.EndpointRequests()["POST forbidden"])
}

func TestReportsWireFormat(t *testing.T) {
	s := digicerttest.NewServer(digicerttest.WithGraphQLBatchLimit(2))
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "a.example.com", DNSNames: []string{"b.example.com"}})
	code, body := do(t, "POST", s.URL+"/reports/query", s.APIKey,
		`{"query":"query{x:order_details_by_id(id:`+c.ID+`){id,dns_names,valid_till} y:order_details_by_id(id:1){id}}"}`)
	require.Equal(t, 200, code, body)
	var ans struct {
		Data map[string]map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ans))
	assert.Equal(t, map[string]any{"id": c.ID, "dns_names": "b.example.com", "valid_till": nil}, ans.Data["x"])
	assert.Nil(t, ans.Data["y"])

	for _, q := range []string{`{"query":"query{x:order_details_by_id(id:1){}}"}`, `{"query":"mutation{drop}"}`, `not json`,
		`{"query":"{a:order_details_by_id(id:1){id} b:order_details_by_id(id:2){id} c:order_details_by_id(id:3){id}}"}`} {
		code, _ := do(t, "POST", s.URL+"/reports/query", s.APIKey, q)
		assert.Equal(t, 400, code, q)
	}
}

func TestPagingValidationAndHandler(t *testing.T) {
	s := digicerttest.NewUnstarted()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	base := ts.URL + digicerttest.BasePath
	for i := 0; i < 3; i++ {
		s.AddDomain(model.DomainValidation{Domain: "x" + string(rune('a'+i)) + ".example.com"})
	}
	code, body := do(t, "GET", base+"/domain?limit=2&offset=2", s.APIKey, "")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `"page":{"limit":2,"offset":2,"total":3}`)
	code, _ = do(t, "GET", base+"/domain?limit=5000", s.APIKey, "")
	assert.Equal(t, 400, code)
	code, _ = do(t, "GET", base+"/domain?sort=color", s.APIKey, "")
	assert.Equal(t, 400, code)
	assert.EqualValues(t, 3, s.Requests())
}

func TestConcurrentSeedingAndReading(t *testing.T) {
	s := digicerttest.NewServer()
	defer s.Close()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				c := s.AddCertificate(model.Certificate{CommonName: "c.example.com"})
				code, _ := do(t, "GET", s.URL+"/order/certificate/"+c.ID, s.APIKey, "")
				assert.Equal(t, 200, code)
			}
		}()
	}
	wg.Wait()
	code, body := do(t, "GET", s.URL+"/order/certificate?limit=1", s.APIKey, "")
	require.Equal(t, 200, code)
	assert.Contains(t, body, `"total":160`)
}
