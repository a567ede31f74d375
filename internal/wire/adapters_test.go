package wire_test

// These tests drive both adapters through their public API against hostile httptest
// servers and the project's fakes: foreign 2xx documents, the invalid-key 403, both forms
// of CertCentral's "errors", BaseURL given as an origin, a 404 from something that is
// not the CA, the key in no printed form of any value, and the meanings of
// DomainValidation's ID, DomainID and CertificateID.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

const testKey = "wire-test-key-0123456789abcdef"

var noRetry = retry.Config{MaxAttempts: 1, MinWait: time.Millisecond, MaxWait: time.Millisecond}

func newProvider(t *testing.T, name, base, key string) anyca.Provider {
	t.Helper()
	p, err := anyca.New(context.Background(), anyca.Config{Provider: name, APIKey: key, BaseURL: base, Retry: noRetry})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serve returns a server answering every request with status and body.
func serve(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func listErr(p anyca.Provider) (int, error) {
	n := 0
	for _, err := range p.Certificates(context.Background(), model.CertificateQuery{}) {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

const (
	digicertEmptyList = `{"page":{"total":0,"limit":1,"offset":0}}`
	zerosslEmptyList  = `{"total_count":0,"result_count":0,"page":1,"limit":100,"acmeUsageLevel":"LOW","isAcmeLocked":false,"results":[]}`
	proxyJSON         = `{"status":"ok","items":[],"count":0}`
)

func TestForeignDocumentIsAnError(t *testing.T) {
	cases := []struct {
		provider, body string
	}{
		{"digicert", `{}`},
		{"digicert", zerosslEmptyList},
		{"digicert", proxyJSON},
		{"zerossl", `{}`},
		{"zerossl", digicertEmptyList},
		{"zerossl", proxyJSON},
	}
	for _, tc := range cases {
		t.Run(tc.provider+" "+tc.body, func(t *testing.T) {
			srv, _ := serve(t, http.StatusOK, tc.body)
			p := newProvider(t, tc.provider, srv.URL, testKey)
			n, err := listErr(p)
			var me *model.Error
			if err == nil || !errors.As(err, &me) || me.Code != wire.CodeUnexpectedDocument || !errors.Is(err, model.ErrUnavailable) {
				t.Fatalf("listing %s: %d items, error %v; want ErrUnavailable %s", tc.body, n, err, wire.CodeUnexpectedDocument)
			}
			if !strings.Contains(err.Error(), "BaseURL") {
				t.Errorf("the message should suggest checking BaseURL: %v", err)
			}
			id := "12345"
			if tc.provider == "zerossl" {
				id = strings.Repeat("a", 32)
			}
			if _, err := p.Certificate(context.Background(), id); !errors.Is(err, model.ErrUnavailable) {
				t.Errorf("Certificate on %s: %v, want ErrUnavailable", tc.body, err)
			}
		})
	}
}

func TestRealEmptyListsStayEmpty(t *testing.T) {
	for name, body := range map[string]string{"digicert": digicertEmptyList, "zerossl": zerosslEmptyList} {
		srv, _ := serve(t, http.StatusOK, body)
		if n, err := listErr(newProvider(t, name, srv.URL, testKey)); err != nil || n != 0 {
			t.Errorf("%s: the vendor's empty list gave %d items, error %v; want an empty list", name, n, err)
		}
	}
}

func TestDigiCertInvalidKey403IsUnauthenticatedWithoutFallbacks(t *testing.T) {
	srv, requests := serve(t, http.StatusForbidden,
		`{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]}`)
	p := newProvider(t, "digicert", srv.URL, testKey)
	ctx := context.Background()
	check := func(what string, err error, wantRequests int64) {
		t.Helper()
		if !errors.Is(err, model.ErrUnauthenticated) || errors.Is(err, model.ErrPermissionDenied) {
			t.Errorf("%s: %v, want ErrUnauthenticated only", what, err)
		}
		if got := requests.Swap(0); got != wantRequests {
			t.Errorf("%s: %d requests, want %d (no view-only-key fallback on an invalid key)", what, got, wantRequests)
		}
	}
	_, err := p.Certificate(ctx, "123")
	check("Certificate", err, 1)
	_, err = p.(anyca.BatchGetter).CertificatesByID(ctx, []string{"1", "2", "3"})
	check("CertificatesByID", err, 1)
	_, err = p.Challenges(ctx, "123")
	check("Challenges", err, 1)
}

func TestDigiCertErrorsAsObject(t *testing.T) {
	srv, _ := serve(t, http.StatusBadRequest, `{"errors":{"code":"not_found|order","message":"No such order."}}`)
	_, err := newProvider(t, "digicert", srv.URL, testKey).Certificate(context.Background(), "123")
	var me *model.Error
	if !errors.As(err, &me) || me.Code != "not_found|order" || !errors.Is(err, model.ErrNotFound) || !strings.Contains(me.Message, "No such order") {
		t.Fatalf("errors as an object: %v; want ErrNotFound with code not_found|order and the message", err)
	}
}

func TestBaseURLAsOrigin(t *testing.T) {
	digicertOrder := `{"id":123,"status":"issued","certificate":{"common_name":"a.example.com","valid_till":"2030-01-01"}}`
	zerosslCert := `{"id":"` + strings.Repeat("a", 32) + `","type":"1","common_name":"a.example.com","status":"issued","created":"2024-01-01 00:00:00","expires":"2030-01-01 00:00:00"}`
	cases := []struct {
		provider, path, body, id string
	}{
		{"digicert", "/services/v2/order/certificate/123", digicertOrder, "123"},
		{"zerossl", "/certificates/" + strings.Repeat("a", 32), zerosslCert, strings.Repeat("a", 32)},
	}
	for _, tc := range cases {
		mux := http.NewServeMux()
		mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		for _, base := range []string{srv.URL, srv.URL + "/"} {
			c, err := newProvider(t, tc.provider, base, testKey).Certificate(context.Background(), tc.id)
			if err != nil || c.ID != tc.id {
				t.Errorf("%s with BaseURL %s (an origin): %+v, %v", tc.provider, base, c, err)
			}
		}
	}
}

func TestNotTheCA404SaysCheckBaseURL(t *testing.T) {
	for _, name := range []string{"digicert", "zerossl"} {
		srv, _ := serve(t, http.StatusNotFound, "<html><body><h1>Not Found</h1></body></html>")
		id := "123"
		if name == "zerossl" {
			id = strings.Repeat("b", 32)
		}
		_, err := newProvider(t, name, srv.URL, testKey).Certificate(context.Background(), id)
		// Not ErrNotFound: the endpoint is missing, not the certificate (the CLI would
		// say "not found", exit 3, as for an unknown id).
		if !errors.Is(err, model.ErrUnavailable) || errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "is BaseURL right?") {
			t.Errorf("%s: a 404 that is not the CA's: %v; want ErrUnavailable saying \"is BaseURL right?\"", name, err)
		}
		var me *model.Error
		if !errors.As(err, &me) || me.Code != wire.NotVendor404Code || me.HTTPStatus != http.StatusNotFound {
			t.Errorf("%s: a 404 that is not the CA's: %#v; want code %s and HTTP 404", name, me, wire.NotVendor404Code)
		}
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	const key = "PRINTME-secret-key-0123456789"
	srv, _ := serve(t, http.StatusUnauthorized, `{"errors":[{"code":"bad key `+key+`","message":"key `+key+` refused"}],"error":{"code":101,"type":"invalid_access_key","info":"`+key+`"}}`)
	values := map[string]any{}
	for _, name := range []string{"digicert", "zerossl"} {
		cfg := anyca.Config{Provider: name, APIKey: key, BaseURL: srv.URL, Retry: noRetry}
		p, err := anyca.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		values[name+" anyca.Config"] = cfg
		values[name+" Provider"] = p
		_, callErr := p.Certificate(context.Background(), strings.Repeat("c", 32))
		if callErr == nil {
			t.Fatalf("%s: a refused key must fail", name)
		}
		values[name+" error"] = callErr
		for range p.Certificates(context.Background(), model.CertificateQuery{}) {
		}
	}
	dcfg := digicert.Config{APIKey: key, BaseURL: srv.URL, Retry: noRetry}
	dc, err := digicert.New(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	zcfg := zerossl.Config{APIKey: key, BaseURL: srv.URL, Retry: noRetry}
	zc, err := zerossl.New(zcfg)
	if err != nil {
		t.Fatal(err)
	}
	values["digicert.Config"], values["*digicert.Config"], values["*digicert.Client"] = dcfg, &dcfg, dc
	values["zerossl.Config"], values["*zerossl.Config"], values["*zerossl.Client"] = zcfg, &zcfg, zc
	for what, v := range values {
		providertest.AssertNeverPrints(t, what, v, key)
	}
}

func TestDomainValidationIDs(t *testing.T) {
	ctx := context.Background()
	t.Run("digicert", func(t *testing.T) {
		s := digicerttest.NewServer()
		t.Cleanup(s.Close)
		s.AddDomain(model.DomainValidation{Domain: "ids.example.com", Method: model.ChallengeDNSTXT})
		p := newProvider(t, "digicert", s.URL, s.APIKey)
		dv, err := p.DomainValidation(ctx, "ids.example.com")
		if err != nil {
			t.Fatal(err)
		}
		if dv.DomainID == "" || dv.ID != dv.DomainID || dv.CertificateID != "" {
			t.Errorf("DigiCert: ID %q, DomainID %q, CertificateID %q; want ID = DomainID (the domain record), no CertificateID", dv.ID, dv.DomainID, dv.CertificateID)
		}
	})
	t.Run("zerossl", func(t *testing.T) {
		s := zerossltest.NewServer()
		t.Cleanup(s.Close)
		c := s.AddCertificate(model.Certificate{CommonName: "ids.example.com", Status: model.StatusPending, CreatedAt: time.Now().Add(-time.Hour)})
		s.SetValidation(c.ID, zerossltest.Validation{Method: model.ChallengeDNSCNAME, Challenges: zerossltest.DefaultChallenges(c.ID, c.DNSNames)})
		p := newProvider(t, "zerossl", s.URL, s.APIKey)
		dv, err := p.DomainValidation(ctx, "ids.example.com")
		if err != nil {
			t.Fatal(err)
		}
		if dv.DomainID != "" || dv.CertificateID != c.ID || dv.ID != dv.CertificateID {
			t.Errorf("ZeroSSL: ID %q, DomainID %q, CertificateID %q; want ID = CertificateID = %q, no DomainID", dv.ID, dv.DomainID, dv.CertificateID, c.ID)
		}
		chs, err := p.Challenges(ctx, dv.CertificateID)
		if err != nil || len(chs) == 0 {
			t.Errorf("Challenges(CertificateID): %v, %v; want the certificate's challenges", chs, err)
		}
	})
}
