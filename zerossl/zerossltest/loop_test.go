package zerossltest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// post sends form to path of s as ZeroSSL's clients do and returns the JSON object.
func post(t *testing.T, s *zerossltest.Server, path string, form url.Values) map[string]any {
	t.Helper()
	_, m := fakecatest.JSON(t, "POST", s.URL+path+"?access_key="+s.APIKey, form.Encode(),
		fakecatest.Header("Content-Type", "application/x-www-form-urlencoded"))
	return m
}

// TestVerifyWireFormat: failure details per method in ZeroSSL's shapes (a passing
// domain one level up), EMAIL refused without one offered address per domain, then a
// pass that issues the certificate and serves {"certificate.crt", "ca_bundle.crt"}.
func TestVerifyWireFormat(t *testing.T) {
	s := zerossltest.NewServer()
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "a.example.com", DNSNames: []string{"b.example.com"}, Status: model.StatusPending})
	s.Publish("b.example.com")

	m := post(t, s, "/certificates/"+c.ID+"/challenges", url.Values{"validation_method": {"CNAME_CSR_HASH"}})
	e, _ := m["error"].(map[string]any)
	if m["success"] != false || e["type"] != "domain_control_validation_failed" {
		t.Fatalf("answer %v", m)
	}
	details := e["details"].(map[string]any)
	if b := details["b.example.com"].(map[string]any); b["validation_successful"] != true {
		t.Errorf("passing domain: %v", b)
	}
	for name, v := range details["a.example.com"].(map[string]any) {
		f := v.(map[string]any)
		if !strings.HasPrefix(name, "_") || f["cname_found"] != float64(0) || f["target_record"] == "" {
			t.Errorf("CNAME details %s: %v", name, f)
		}
	}
	m = post(t, s, "/certificates/"+c.ID+"/challenges", url.Values{"validation_method": {"HTTP_CSR_HASH"}})
	for name, v := range m["error"].(map[string]any)["details"].(map[string]any)["a.example.com"].(map[string]any) {
		if f := v.(map[string]any); !strings.HasPrefix(name, "http://") || f["file_found"] != float64(0) || f["error_slug"] != "file_not_found" {
			t.Errorf("file details %s: %v", name, f)
		}
	}
	m = post(t, s, "/certificates/"+c.ID+"/challenges", url.Values{"validation_method": {"EMAIL"}, "validation_email": {"admin@a.example.com"}})
	if m["success"] != false || s.EmailsSent() != 0 {
		t.Errorf("EMAIL with one address for two domains: %v", m)
	}
	m = post(t, s, "/certificates/"+c.ID+"/challenges", url.Values{"validation_method": {"TXT"}})
	if m["success"] != false {
		t.Errorf("unknown method accepted: %v", m)
	}

	s.Publish("a.example.com")
	m = post(t, s, "/certificates/"+c.ID+"/challenges", url.Values{"validation_method": {"CNAME_CSR_HASH"}})
	if m["status"] != "issued" || m["id"] != c.ID || m["fingerprint_sha1"] == nil {
		t.Fatalf("passing verify: %v", m)
	}
	_, b := fakecatest.Do(t, "GET", s.URL+"/certificates/"+c.ID+"/download/return?access_key="+s.APIKey, "", nil)
	var d map[string]string
	fakecatest.DecodeJSON(t, b, &d)
	if !strings.HasPrefix(d["certificate.crt"], "-----BEGIN CERTIFICATE-----") || !strings.HasPrefix(d["ca_bundle.crt"], "-----BEGIN CERTIFICATE-----") {
		t.Errorf("download: %v", d)
	}
	if s.VerifyRequests() != 5 {
		t.Errorf("VerifyRequests %d, want 5", s.VerifyRequests())
	}
}
