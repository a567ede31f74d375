package zerossltest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// get fetches url (the key in its query) and returns the status and the JSON object.
func get(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	return fakecatest.JSON(t, "GET", url, "", nil)
}

func TestWireQuirks(t *testing.T) {
	s := zerossltest.NewServer(zerossltest.WithAPIKey("key-1"))
	defer s.Close()
	c := s.AddCertificate(model.Certificate{CommonName: "example.com", Status: model.StatusDraft})

	status, m := get(t, s.URL+"/certificates/"+c.ID+"?access_key=wrong")
	if status != 200 || m["success"] != false || m["error"].(map[string]any)["code"] != 101.0 {
		t.Errorf("bad key: %d %v", status, m)
	}
	_, m = get(t, s.URL+"/certificates/"+c.ID+"?access_key=key-1")
	if m["type"] != "1" || m["expires"] != nil || m["validation_type"] != nil || m["fingerprint_sha1"] != nil {
		t.Errorf("certificate: %v", m)
	}
	_, m = get(t, s.URL+"/certificates?access_key=key-1&limit=10&page=1")
	if m["page"] != "1" || m["limit"] != "10" || m["total_count"] != 1.0 {
		t.Errorf("list: %v", m)
	}
	_, m = get(t, s.URL+"/certificates/"+c.ID+"/status?access_key=key-1")
	if m["error"].(map[string]any)["code"] != 2838.0 {
		t.Errorf("status: %v", m)
	}
	_, m = get(t, s.URL+"/nope?access_key=key-1")
	if m["error"].(map[string]any)["type"] != "route_not_found" {
		t.Errorf("route: %v", m)
	}
	s.SetValidation(c.ID, zerossltest.Validation{})
	_, m = get(t, s.URL+"/certificates/"+c.ID+"?access_key=key-1")
	v := m["validation"].(map[string]any)
	if _, isArr := v["other_methods"].([]any); !isArr {
		t.Errorf("empty other_methods must be PHP's []: %v", v)
	}

	n := zerossltest.NewServer(zerossltest.WithPageAsString(false))
	defer n.Close()
	_, m = get(t, n.URL+"/certificates?access_key="+n.APIKey)
	if m["page"] != 1.0 {
		t.Errorf("numeric page: %v", m)
	}
}

func TestFaultBodiesAndHandler(t *testing.T) {
	s := zerossltest.NewUnstarted()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultServerError})
	status, m := get(t, ts.URL+"/certificates?access_key="+s.APIKey)
	if status != 503 || m["error"] == nil {
		t.Errorf("server error: %d %v", status, m)
	}
	s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultHTMLError})
	code, b := fakecatest.Do(t, "GET", ts.URL+"/certificates?access_key="+s.APIKey, "", nil)
	if code != 502 || !strings.HasPrefix(string(b), "<html>") {
		t.Errorf("html: %d %s", code, b)
	}
	if s.Requests() != 2 {
		t.Errorf("requests %d", s.Requests())
	}
}

func TestAddCertificate(t *testing.T) {
	s := zerossltest.NewServer()
	defer s.Close()
	a := s.AddCertificate(model.Certificate{CommonName: "*.Example.com", Status: model.StatusRejected, Level: model.LevelEV, SerialNumber: "01"})
	if len(a.ID) != 32 || a.Status != model.StatusCancelled || a.Level != model.LevelDV || a.SerialNumber != "" ||
		a.Product != "ZeroSSL 90-day wildcard" || a.CommonName != "*.example.com" || a.CreatedAt.IsZero() {
		t.Errorf("%+v", a)
	}
	b := s.AddCertificate(model.Certificate{CommonName: "b.example.com", Status: model.StatusCancelled, VendorStatus: "deleted", Product: "ZeroSSL 1-year"})
	if b.VendorStatus != "deleted" || b.Product != "ZeroSSL 1-year" {
		t.Errorf("%+v", b)
	}
	if got := s.Certificates(); len(got) != 2 || got[0].ID != b.ID {
		t.Errorf("newest first: %+v", got)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.AddCertificate(model.Certificate{CommonName: "c.example.com"})
			if resp, err := http.Get(s.URL + "/certificates?access_key=" + s.APIKey); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	if len(s.Certificates()) != 12 {
		t.Error("concurrent adds")
	}
}
