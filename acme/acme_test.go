package acme_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
)

var (
	_ anyca.Provider       = (*acme.Client)(nil)
	_ anyca.Verifier       = (*acme.Client)(nil)
	_ anyca.Downloader     = (*acme.Client)(nil)
	_ anyca.Orderer        = (*acme.Client)(nil)
	_ anyca.Revoker        = (*acme.Client)(nil)
	_ anyca.RenewalAdvisor = (*acme.Client)(nil)
	_ anyca.OrderFinder    = (*acme.Client)(nil)
)

const hmacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"

func newKey(t *testing.T) string {
	t.Helper()
	k, err := acme.NewKey()
	require.NoError(t, err)
	return k
}

// secretPart is a run of the PEM key's base64 body long enough to be unmistakable.
func secretPart(pemKey string) string {
	lines := strings.Split(strings.TrimSpace(pemKey), "\n")
	return lines[1][:40]
}

// TestSecretsNeverPrinted: the account key, the EAB HMAC key and the API key show in no
// printed form of the Config, the anyca.Config, the ACMEAccount, the Client or New's errors.
func TestSecretsNeverPrinted(t *testing.T) {
	key := newKey(t)
	cfg := acme.Config{DirectoryURL: "https://acme.example.com/directory", Key: key, EABKeyID: "kid", EABHMACKey: hmacKey, APIKey: "zerossl-api-key-0123456789abcdef"}
	acct := &anyca.ACMEAccount{Key: key, EABKeyID: "kid", EABHMACKey: hmacKey, AgreeTerms: true}
	root := anyca.Config{Provider: "zerossl-acme", APIKey: "zerossl-api-key-0123456789abcdef", ACME: acct}
	c, err := acme.New(cfg)
	require.NoError(t, err)
	for _, secret := range []string{secretPart(key), hmacKey, "zerossl-api-key-0123456789abcdef"} {
		providertest.AssertNeverPrints(t, "acme.Config", cfg, secret)
		providertest.AssertNeverPrints(t, "*acme.Client", c, secret)
		providertest.AssertNeverPrints(t, "anyca.Config", root, secret)
		providertest.AssertNeverPrints(t, "*anyca.ACMEAccount", acct, secret)
		providertest.AssertNeverPrints(t, "anyca.ACMEAccount", *acct, secret)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "config", root)
	assert.NotContains(t, buf.String(), hmacKey)
	assert.Contains(t, buf.String(), "[REDACTED]")
	// Keys that do not parse are refused without quoting them.
	for _, bad := range []string{strings.Replace(key, "M", "!", 3), "-----BEGIN EC PRIVATE KEY-----\n" + base64.StdEncoding.EncodeToString([]byte("secret-not-a-key-material")) + "\n-----END EC PRIVATE KEY-----\n"} {
		_, err := acme.New(acme.Config{DirectoryURL: cfg.DirectoryURL, Key: bad})
		require.ErrorIs(t, err, model.ErrInvalidArgument)
		assert.NotContains(t, err.Error(), "secret-not-a-key")
		assert.NotContains(t, fmt.Sprintf("%+v", err), secretPart(key))
	}
}

// TestNewChecks: the mistakes New refuses without a request.
func TestNewChecks(t *testing.T) {
	key := newKey(t)
	for name, cfg := range map[string]acme.Config{
		"no directory":    {Key: key},
		"http directory":  {DirectoryURL: "http://acme.example.com/dir", Key: key},
		"no key":          {DirectoryURL: "https://acme.example.com/dir"},
		"hmac not base64": {DirectoryURL: "https://acme.example.com/dir", Key: key, EABKeyID: "k", EABHMACKey: "not base64!"},
		"hmac without id": {DirectoryURL: "https://acme.example.com/dir", Key: key, EABHMACKey: hmacKey},
	} {
		_, err := acme.New(cfg)
		assert.ErrorIs(t, err, model.ErrInvalidArgument, name)
	}
	_, err := anyca.New(context.Background(), anyca.Config{Provider: "letsencrypt"})
	assert.ErrorIs(t, err, model.ErrInvalidArgument, "an ACME provider without an account")
	for _, name := range []string{"acme", "letsencrypt", "letsencrypt-staging", "zerossl-acme", "google", "google-staging"} {
		assert.Contains(t, anyca.Providers(), name)
	}
}

// TestCheckIDOrigin: an ID on another origin is ErrNotFound before any request, and one
// that can never be an order URL (empty, a control character, a dot segment) is
// ErrInvalidArgument, also before any request.
func TestCheckIDOrigin(t *testing.T) {
	requests := 0
	c, err := acme.New(acme.Config{DirectoryURL: "https://127.0.0.1:1/dir", Key: newKey(t),
		HTTPClient: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
			requests++
			return nil, errors.New("no network in this test")
		})}})
	require.NoError(t, err)
	for _, id := range []string{"https://evil.example.com/my-order/1", "not a url", "http://127.0.0.1:1/my-order/1", "https://127.0.0.1:1/"} {
		_, err := c.Certificate(context.Background(), id)
		assert.ErrorIs(t, err, model.ErrNotFound, id)
	}
	for _, id := range []string{"", "https://127.0.0.1:1/my-order/1\n", "https://127.0.0.1:1/my-order/../dir"} {
		_, err := c.Certificate(context.Background(), id)
		assert.ErrorIs(t, err, model.ErrInvalidArgument, id)
	}
	assert.Zero(t, requests)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCertIDUsesDERContent: a serial whose top bit is set gets DER's leading zero byte.
func TestCertIDUsesDERContent(t *testing.T) {
	for serial, want := range map[string][]byte{"87": {0x00, 0x87}, "7f01": {0x7f, 0x01}} {
		n, _ := new(big.Int).SetString(serial, 16)
		leaf := &x509.Certificate{SerialNumber: n, AuthorityKeyId: []byte{1, 2, 3}}
		id, err := acme.CertID(leaf)
		require.NoError(t, err)
		assert.Equal(t, base64.RawURLEncoding.EncodeToString([]byte{1, 2, 3})+"."+base64.RawURLEncoding.EncodeToString(want), id, serial)
	}
	_, err := acme.CertID(&x509.Certificate{SerialNumber: big.NewInt(1)})
	assert.Error(t, err, "no AKI")
}

// TestKindOf: the error table.
func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		status int
		typ    string
		want   error
	}{
		{429, "urn:ietf:params:acme:error:rateLimited", model.ErrRateLimited},
		{400, "urn:ietf:params:acme:error:badNonce", model.ErrUnavailable},
		{400, "accountDoesNotExist", model.ErrUnauthenticated},
		{403, "unauthorized", model.ErrPermissionDenied},
		{404, "malformed", model.ErrNotFound},
		{400, "malformed", model.ErrInvalidArgument},
		{400, "badCSR", model.ErrInvalidArgument},
		{403, "orderNotReady", model.ErrFailedPrecondition},
		{409, "alreadyReplaced", model.ErrFailedPrecondition},
		{400, "alreadyRevoked", model.ErrFailedPrecondition},
		{400, "externalAccountRequired", model.ErrUnauthenticated},
		{503, "", model.ErrUnavailable},
		{401, "", model.ErrUnauthenticated},
	} {
		assert.ErrorIs(t, acme.KindOf(tc.status, tc.typ), tc.want, "%d %s", tc.status, tc.typ)
	}
	assert.Equal(t, anyca.OrderOutcomeUnknown, acme.CodeOrderOutcomeUnknown)
}

// TestParseKey accepts EC, PKCS#8 and refuses weak or foreign keys.
func TestParseKey(t *testing.T) {
	_, err := acme.ParseKey(newKey(t))
	require.NoError(t, err)
	k, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	_, err = acme.ParseKey("-----BEGIN PRIVATE KEY-----\n" + base64.StdEncoding.EncodeToString(der) + "\n-----END PRIVATE KEY-----\n")
	assert.Error(t, err, "P-224")
	_, err = acme.ParseKey("not pem")
	assert.Error(t, err)
}
