package digicert_test

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seedPendingTXT seeds a pending order validated by DNS TXT for two names.
func seedPendingTXT(s *digicerttest.Server) model.Certificate {
	cert := s.AddCertificate(model.Certificate{CommonName: "shop.example.com", DNSNames: []string{"www.shop.example.com"},
		Status: model.StatusPending, Level: model.LevelOV})
	s.SetChallenges(cert.ID, []model.Challenge{
		{Domain: "shop.example.com", Type: model.ChallengeDNSTXT, Token: "rv-shop-1", Status: model.ValidationPending},
		{Domain: "www.shop.example.com", Type: model.ChallengeDNSTXT, Status: model.ValidationPending},
	})
	return cert
}

func TestVerifyUnpublishedFailsThenPublishedValidatesAndIssues(t *testing.T) {
	s := newFake(t)
	cert := seedPendingTXT(s)
	c := client(t, s, "")
	ctx := context.Background()

	got, err := c.Verify(ctx, cert.ID, "")
	require.NoError(t, err, "a refused check is an answer, not an error")
	require.Len(t, got, 2)
	for _, ch := range got {
		assert.Equal(t, model.ValidationFailed, ch.Status, ch.Domain)
		assert.Contains(t, ch.Problem, "invalid_dns_txt")
		assert.Contains(t, ch.Problem, "rv-shop-1", "the Problem says which value the CA looked for")
	}
	_, err = c.Download(ctx, cert.ID)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition, "a pending order cannot be downloaded")

	s.Publish("shop.example.com")
	s.Publish("www.shop.example.com")
	got, err = c.Verify(ctx, cert.ID, model.ChallengeDNSTXT)
	require.NoError(t, err)
	for _, ch := range got {
		assert.Equal(t, model.ValidationValid, ch.Status, ch.Domain)
		assert.Empty(t, ch.Problem)
	}
	issued, err := c.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusIssued, issued.Status)

	b, err := c.Download(ctx, cert.ID)
	require.NoError(t, err)
	assert.Equal(t, issued.SerialNumber, hex.EncodeToString(b.Leaf.SerialNumber.Bytes()))
	assert.ElementsMatch(t, []string{"shop.example.com", "www.shop.example.com"}, b.Leaf.DNSNames)
	inter := x509.NewCertPool()
	for _, ic := range b.Intermediates {
		inter.AddCert(ic)
	}
	_, err = b.Leaf.Verify(x509.VerifyOptions{Roots: digicerttest.Roots(), Intermediates: inter, DNSName: "www.shop.example.com"})
	assert.NoError(t, err, "the bundle verifies against the fake's root")
	assert.True(t, strings.HasPrefix(string(b.PEM), "-----BEGIN CERTIFICATE-----\n"))
	assert.Equal(t, 3, strings.Count(string(b.PEM), "BEGIN CERTIFICATE"), "pem_all: leaf, intermediate, root")

	_, err = c.Verify(ctx, cert.ID, "")
	assert.ErrorIs(t, err, model.ErrFailedPrecondition, "verify of an issued order")
}

func TestVerifyAndDownloadBadInput(t *testing.T) {
	s := newFake(t, digicerttest.WithViewOnlyKey("view-only-key-0123456789"))
	pending := seedPendingTXT(s)
	issued := s.AddCertificate(model.Certificate{CommonName: "done.example.com", Status: model.StatusIssued, Level: model.LevelOV,
		NotBefore: day(2026, 1, 1), NotAfter: day(2027, 1, 1)})
	revoked := s.AddCertificate(model.Certificate{CommonName: "gone.example.com", Status: model.StatusRevoked, Level: model.LevelOV})
	emailOrder := s.AddCertificate(model.Certificate{CommonName: "mail.example.com", Status: model.StatusPending, Level: model.LevelOV})
	s.SetChallenges(emailOrder.ID, []model.Challenge{{Domain: "mail.example.com", Type: model.ChallengeEmail, Status: model.ValidationPending}})
	c := client(t, s, "")
	ctx := context.Background()

	before := s.Requests()
	_, err := c.Verify(ctx, "12/ab", "")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	_, err = c.Download(ctx, "../1")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	_, err = c.Verify(ctx, pending.ID, "carrier-pigeon")
	assert.ErrorIs(t, err, model.ErrInvalidArgument, "a method DigiCert does not have")
	assert.Equal(t, before, s.Requests(), "bad input sends no request")

	_, err = c.Verify(ctx, "999999999", "")
	assert.ErrorIs(t, err, model.ErrNotFound)
	_, err = c.Download(ctx, "999999999")
	assert.ErrorIs(t, err, model.ErrNotFound)
	_, err = c.Verify(ctx, pending.ID, model.ChallengeHTTPFile)
	assert.ErrorIs(t, err, model.ErrInvalidArgument, "a method other than the order's")
	_, err = c.Verify(ctx, emailOrder.ID, "")
	assert.ErrorIs(t, err, model.ErrUnsupported, "email orders are approved by email only")
	_, err = c.Verify(ctx, issued.ID, "")
	assert.ErrorIs(t, err, model.ErrFailedPrecondition)
	_, err = c.Download(ctx, revoked.ID)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition, "a revoked certificate is not downloaded")
	assert.Zero(t, s.EndpointRequest("GET /certificate/download/order/{id}/format/{format}"))

	viewOnly := client(t, s, "view-only-key-0123456789")
	_, err = viewOnly.Verify(ctx, pending.ID, "")
	assert.ErrorIs(t, err, model.ErrPermissionDenied, "check-dcv is a PUT")

	// A chain that does not parse: unavailable, quoting a snippet.
	s.SetDownload(issued.ID, []byte("<html>maintenance</html>"))
	_, err = c.Download(ctx, issued.ID)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Contains(t, err.Error(), "maintenance")
	// Another certificate of the order: a mismatch, never the wrong file.
	other := s.AddCertificate(model.Certificate{CommonName: "done.example.com", Status: model.StatusIssued, Level: model.LevelOV})
	otherPEM := downloadPEM(t, c, other.ID)
	s.SetDownload(issued.ID, otherPEM)
	_, err = c.Download(ctx, issued.ID)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, "leaf_mismatch", me.Code)
	assert.Contains(t, me.Message, "serial")

	// Bodies are capped as every other read.
	small, err := digicert.New(digicert.Config{APIKey: s.APIKey, BaseURL: s.URL, Retry: fastRetry, MaxBodyBytes: 600})
	require.NoError(t, err)
	s.SetDownload(issued.ID, nil)
	_, err = small.Download(ctx, issued.ID)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Contains(t, err.Error(), "size cap")
}

func downloadPEM(t *testing.T, c *digicert.Client, id string) []byte {
	t.Helper()
	b, err := c.Download(context.Background(), id)
	require.NoError(t, err)
	return b.PEM
}

// TestVerifyWireFormat answers with the api-notes' JSON: a check that approves every
// domain, and one refused with file_random_value_not_found, and checks that the check is
// retried after a 503 (it is safe to repeat).
func TestVerifyWireFormat(t *testing.T) {
	random, err := os.ReadFile("testdata/random-value.json")
	require.NoError(t, err)
	for _, tc := range []struct {
		file    string
		status  int
		want    model.ValidationStatus
		problem string
	}{
		{"testdata/check-dcv.json", http.StatusOK, model.ValidationValid, ""},
		{"testdata/check-dcv-file-not-found.json", http.StatusBadRequest, model.ValidationFailed, "file_random_value_not_found: The random value was not found at http://example.net/"},
		{"testdata/check-dcv-invalid-dns-txt.json", http.StatusBadRequest, model.ValidationFailed, "invalid_dns_txt"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			answer, err := os.ReadFile(tc.file)
			require.NoError(t, err)
			var checks atomic.Int32
			c := orderValidationClient(t, func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/order/certificate/123456/check-dcv"):
					if checks.Add(1) == 1 {
						w.WriteHeader(http.StatusServiceUnavailable)
						return
					}
					w.WriteHeader(tc.status)
					_, _ = w.Write(answer)
				case r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/dcv-random-value"):
					_, _ = w.Write(random)
				default:
					http.NotFound(w, r)
				}
			})
			got, err := c.Verify(context.Background(), "123456", model.ChallengeDNSCNAME)
			require.NoError(t, err)
			assert.EqualValues(t, 2, checks.Load(), "check-dcv is idempotent: retried once after the 503")
			byName := map[string]model.Challenge{}
			for _, ch := range got {
				byName[ch.Domain] = ch
			}
			require.Contains(t, byName, "example.net")
			assert.Equal(t, tc.want, byName["example.net"].Status)
			assert.Contains(t, byName["example.net"].Problem, tc.problem)
			assert.Equal(t, model.ValidationValid, byName["example.com"].Status, "an approved domain stays valid")
			assert.Empty(t, byName["example.com"].Problem)
		})
	}
}

// orderValidationClient returns a client of a server that answers Order validation of
// order 123456 with testdata/order-validation.json and hands every other request to
// other.
func orderValidationClient(t *testing.T, other http.HandlerFunc) *digicert.Client {
	t.Helper()
	validation, err := os.ReadFile("testdata/order-validation.json")
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/order/certificate/123456/validation") {
			_, _ = w.Write(validation)
			return
		}
		other(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := digicert.New(digicert.Config{APIKey: "test-key-0123456789abcdef", BaseURL: srv.URL, Retry: fastRetry})
	require.NoError(t, err)
	return c
}

func TestVerifyForeignDocumentIsAnError(t *testing.T) {
	c := orderValidationClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"page":{"total":0}}`))
	})
	_, err := c.Verify(context.Background(), "123456", "")
	assert.ErrorIs(t, err, model.ErrUnavailable)
}

// TestVerifyOrderStateErrorIsNotARefusal: a 400 about the order (not the proof) stays an
// error: an order that became issued between the read and the check.
func TestVerifyOrderStateErrorIsNotARefusal(t *testing.T) {
	c := orderValidationClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"code":"invalid_order_status","message":"The order is not pending."}]}`))
	})
	chs, err := c.Verify(context.Background(), "123456", "")
	assert.Nil(t, chs)
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
}

// On CertCentral a domain whose DCV an order passed becomes validated: the account's
// domain record is no longer pending once the order is issued (the sim's "expiring" and
// the exporter read it).
func TestPassedDCVValidatesTheDomain(t *testing.T) {
	s := newFake(t)
	s.AddDomain(model.DomainValidation{Domain: "shop.example.com", Status: model.ValidationPending, Method: model.ChallengeDNSTXT})
	cert := seedPendingTXT(s)
	c := client(t, s, "")
	ctx := context.Background()
	before, err := c.DomainValidation(ctx, "shop.example.com")
	require.NoError(t, err)
	require.Equal(t, model.ValidationPending, before.Status)

	s.Publish("shop.example.com")
	s.Publish("www.shop.example.com")
	_, err = c.Verify(ctx, cert.ID, "")
	require.NoError(t, err)
	after, err := c.DomainValidation(ctx, "shop.example.com")
	require.NoError(t, err)
	assert.Equal(t, model.ValidationValid, after.Status, "the domain stays pending after its order passed DCV and was issued")
	require.NotEmpty(t, after.Levels)
	ov := after.Levels[len(after.Levels)-1]
	assert.Equal(t, model.LevelOV, ov.Level)
	assert.Equal(t, model.ValidationValid, ov.Status)
	assert.True(t, ov.ValidUntil.After(time.Now().AddDate(0, 0, 390)), "valid for 397 days: %s", ov.ValidUntil)
	assert.False(t, after.ValidatedAt.IsZero())
}
