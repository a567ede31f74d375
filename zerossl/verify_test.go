package zerossl_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

func TestVerifyUnpublishedFailsThenPublishedIssues(t *testing.T) {
	s, c := fake(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "shop.example.com", DNSNames: []string{"www.shop.example.com"}, Status: model.StatusPending})
	ctx := context.Background()

	got, err := c.Verify(ctx, cert.ID, model.ChallengeDNSCNAME)
	require.NoError(t, err, "a failed check is an answer, not an error")
	require.NotEmpty(t, got)
	for _, ch := range got {
		assert.Equal(t, model.ValidationFailed, ch.Status, "%s %s", ch.Domain, ch.Type)
		assert.Contains(t, ch.Problem, "no CNAME record at _")
		assert.Contains(t, ch.Problem, ".COMODOCA.COM", "the Problem names the target expected")
	}
	_, err = c.Download(ctx, cert.ID)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition)

	s.Publish("shop.example.com")
	got, err = c.Verify(ctx, cert.ID, model.ChallengeDNSCNAME)
	require.NoError(t, err)
	for _, ch := range got {
		if ch.Domain == "shop.example.com" {
			assert.Equal(t, model.ValidationValid, ch.Status, "a passing domain one level up")
			assert.Empty(t, ch.Problem)
		} else {
			assert.Equal(t, model.ValidationFailed, ch.Status)
		}
	}
	s.Publish("www.shop.example.com")
	got, err = c.Verify(ctx, cert.ID, "")
	require.NoError(t, err, "the method chosen before is kept")
	for _, ch := range got {
		assert.Equal(t, model.ValidationValid, ch.Status)
	}

	issued, err := c.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusIssued, issued.Status)
	b, err := c.Download(ctx, cert.ID)
	require.NoError(t, err)
	inter := x509.NewCertPool()
	for _, ic := range b.Intermediates {
		inter.AddCert(ic)
	}
	_, err = b.Leaf.Verify(x509.VerifyOptions{Roots: zerossltest.Roots(), Intermediates: inter, DNSName: "www.shop.example.com"})
	assert.NoError(t, err, "the bundle verifies against the fake's root")
	assert.Equal(t, 2, strings.Count(string(b.PEM), "-----BEGIN CERTIFICATE-----"))

	_, err = c.Verify(ctx, cert.ID, "")
	assert.ErrorIs(t, err, model.ErrFailedPrecondition, "verify of an issued certificate")
}

func TestVerifyEmailChoosesFromTheCertificatesChoices(t *testing.T) {
	s, c := fake(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "mail.example.com", DNSNames: []string{"www.mail.example.com"}, Status: model.StatusDraft})
	got, err := c.Verify(context.Background(), cert.ID, model.ChallengeEmail)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.EqualValues(t, 1, s.EmailsSent())
	assert.Equal(t, model.ChallengeEmail, s.Validation(cert.ID).Method)
}

// TestVerifySentExactlyOnce: a verify is never retried after a 5xx or a connection
// lost after sending (EMAIL would send the mail again), whatever MaxAttempts says.
func TestVerifySentExactlyOnce(t *testing.T) {
	for _, fault := range []string{"503", "html-502", "reset"} {
		t.Run(fault, func(t *testing.T) {
			inner := zerossltest.NewUnstarted()
			cert := inner.AddCertificate(model.Certificate{CommonName: "once.example.com", Status: model.StatusPending})
			var posts atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					inner.Handler().ServeHTTP(w, r)
					return
				}
				posts.Add(1)
				switch fault {
				case "503":
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"success":false,"error":{"code":111,"type":"internal_server_error"}}`))
				case "html-502":
					w.WriteHeader(http.StatusBadGateway)
					_, _ = w.Write([]byte("<html><body>Bad Gateway</body></html>"))
				case "reset":
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						_ = conn.Close()
					}
				}
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, inner.APIKey)
			_, err := c.Verify(context.Background(), cert.ID, model.ChallengeEmail)
			require.Error(t, err)
			assert.ErrorIs(t, err, model.ErrUnavailable)
			assert.EqualValues(t, 1, posts.Load(), "the verify was sent exactly once")
			assert.NotContains(t, err.Error(), inner.APIKey)
		})
	}
}

// TestVerifyWireFormat answers with the api-notes' shapes and checks the Problems.
func TestVerifyWireFormat(t *testing.T) {
	certJSON, err := os.ReadFile("testdata/get-certificate.json")
	require.NoError(t, err)
	for _, tc := range []struct {
		file, method string
		problem      []string
		kind         error
	}{
		{"testdata/verify-cname-failed.json", "CNAME_CSR_HASH", []string{"the CNAME record at 2B449B7293947.domain.com points to wrong.example.net, not to 2B449B7293947.23DD7293947.11DD7293941.ca.com as ZeroSSL expects"}, nil},
		{"testdata/verify-http-failed.json", "HTTP_CSR_HASH", []string{"no file at http://domain.com/.well-known/pki-validation/2449B.txt (ZeroSSL: file_not_found: The file was not found (HTTP 404))"}, nil},
		{"testdata/error-permission-denied.json", "CNAME_CSR_HASH", nil, model.ErrPermissionDenied},
		{"testdata/error-not-found.json", "CNAME_CSR_HASH", nil, model.ErrNotFound},
	} {
		t.Run(tc.file, func(t *testing.T) {
			answer, err := os.ReadFile(tc.file)
			require.NoError(t, err)
			var form url.Values
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					require.NoError(t, r.ParseForm())
					form = r.PostForm
					_, _ = w.Write(answer)
					return
				}
				_, _ = w.Write(certJSON)
			}))
			defer srv.Close()
			c := newClient(t, srv.URL, testKey)
			got, err := c.Verify(context.Background(), "a856a39a1c3ad0s8asa606g37667d221", zerossl.Method(tc.method))
			assert.Equal(t, tc.method, form.Get("validation_method"))
			if tc.kind != nil {
				assert.ErrorIs(t, err, tc.kind)
				return
			}
			require.NoError(t, err)
			seen := map[string]bool{}
			for _, ch := range got {
				seen[ch.Domain] = true
				switch ch.Domain {
				case "www.domain.com":
					assert.Equal(t, model.ValidationValid, ch.Status)
					assert.Empty(t, ch.Problem)
				case "domain.com":
					assert.Equal(t, model.ValidationFailed, ch.Status)
					for _, p := range tc.problem {
						assert.Contains(t, ch.Problem, p)
					}
				}
			}
			assert.True(t, seen["domain.com"] && seen["www.domain.com"], "both domains reported")
		})
	}
}

func TestVerifyAndDownloadBadInput(t *testing.T) {
	s, c := fake(t)
	ctx := context.Background()
	pending := s.AddCertificate(model.Certificate{CommonName: "p.example.com", Status: model.StatusPending})
	issued := s.AddCertificate(model.Certificate{CommonName: "i.example.com", Status: model.StatusIssued})
	revoked := s.AddCertificate(model.Certificate{CommonName: "r.example.com", Status: model.StatusRevoked})

	before := s.Requests()
	_, err := c.Verify(ctx, "not/an-id", model.ChallengeDNSCNAME)
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	_, err = c.Download(ctx, "../../x")
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	assert.Equal(t, before, s.Requests(), "ids of the wrong shape send no request")

	_, err = c.Verify(ctx, strings.Repeat("0", 32), model.ChallengeDNSCNAME)
	assert.ErrorIs(t, err, model.ErrNotFound)
	_, err = c.Verify(ctx, pending.ID, model.ChallengeDNSTXT)
	assert.ErrorIs(t, err, model.ErrInvalidArgument, "ZeroSSL has no dns-txt")
	_, err = c.Verify(ctx, pending.ID, "")
	assert.ErrorIs(t, err, model.ErrInvalidArgument, "no method chosen yet")
	_, err = c.Verify(ctx, issued.ID, model.ChallengeDNSCNAME)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition)
	_, err = c.Download(ctx, revoked.ID)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition)
	assert.Zero(t, s.VerifyRequests(), "refused before the POST")

	b, err := c.Download(ctx, issued.ID)
	require.NoError(t, err)
	require.NotNil(t, b.Leaf)

	s.SetDownload(issued.ID, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "")
	_, err = c.Download(ctx, issued.ID)
	assert.ErrorIs(t, err, model.ErrUnavailable, "a chain that does not parse")
	assert.NotContains(t, err.Error(), s.APIKey)

	other := s.AddCertificate(model.Certificate{CommonName: "i.example.com", Status: model.StatusIssued})
	ob, err := c.Download(ctx, other.ID)
	require.NoError(t, err)
	s.SetDownload(issued.ID, string(ob.PEM), "")
	_, err = c.Download(ctx, issued.ID)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, "leaf_mismatch", me.Code)
	assert.Contains(t, me.Message, "fingerprint")

	s.SetDownload(issued.ID, string(b.PEM), strings.Repeat("A", 8000))
	small := newClient(t, s.URL, s.APIKey, func(cfg *zerossl.Config) { cfg.MaxBodyBytes = 6000 })
	_, err = small.Download(ctx, issued.ID)
	require.Error(t, err)
	assert.ErrorIs(t, err, model.ErrUnavailable, "a download over the body cap")
	assert.Contains(t, err.Error(), "size cap")
}

// TestDownloadWireFormat reads the documented {"certificate.crt", "ca_bundle.crt"}
// answer, with CRLF line ends, into a normalized bundle.
func TestDownloadWireFormat(t *testing.T) {
	s, c := fake(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "crlf.example.com", Status: model.StatusIssued})
	b, err := c.Download(context.Background(), cert.ID)
	require.NoError(t, err)
	leafEnd := strings.Index(string(b.PEM), "-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----\n")
	leaf, bundle := string(b.PEM[:leafEnd]), string(b.PEM[leafEnd:])
	s.SetDownload(cert.ID, strings.ReplaceAll(leaf, "\n", "\r\n"), "\n"+bundle+"\n\n")
	again, err := c.Download(context.Background(), cert.ID)
	require.NoError(t, err)
	assert.Equal(t, b.PEM, again.PEM, "PEM normalized")
	sc := bufio.NewScanner(strings.NewReader(string(again.PEM)))
	for sc.Scan() {
		assert.NotContains(t, sc.Text(), "\r")
	}
}

// TestVerifyEmailNeedsAChoicePerDomain: the api-notes' certificate offers addresses for
// domain.com only, so an EMAIL verify is refused before the POST.
func TestVerifyEmailNeedsAChoicePerDomain(t *testing.T) {
	certJSON, err := os.ReadFile("testdata/get-certificate.json")
	require.NoError(t, err)
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
		_, _ = w.Write(certJSON)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, testKey)
	_, err = c.Verify(context.Background(), "a856a39a1c3ad0s8asa606g37667d221", model.ChallengeEmail)
	assert.ErrorIs(t, err, model.ErrInvalidArgument)
	assert.Contains(t, err.Error(), "www.domain.com")
	assert.Zero(t, posts.Load())
}
