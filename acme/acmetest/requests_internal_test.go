package acmetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/letsencrypt/pebble/v2/acme"

	"github.com/anyca/anyca"
	anyacme "github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/model"
)

// settled waits, before Pebble reads it, until an authorization being validated or an
// order being issued is settled, so that every poll of the client sees the end state
// and the number of requests does not depend on how fast Pebble's goroutines run.
func (s *Server) settled(ctx context.Context, r *http.Request) {
	busy := func() bool {
		switch {
		case strings.HasPrefix(r.URL.Path, "/authZ/"):
			a := s.store.GetAuthorizationByID(strings.TrimPrefix(r.URL.Path, "/authZ/"))
			if a == nil {
				return false
			}
			a.RLock()
			chs := a.Challenges
			a.RUnlock()
			for _, ch := range chs {
				ch.RLock()
				st := ch.Status
				ch.RUnlock()
				if st == acme.StatusProcessing {
					return true
				}
			}
		case strings.HasPrefix(r.URL.Path, "/my-order/"):
			o := s.store.GetOrderByID(strings.TrimPrefix(r.URL.Path, "/my-order/"))
			if o == nil {
				return false
			}
			o.RLock()
			defer o.RUnlock()
			return o.Status == acme.StatusProcessing
		}
		return false
	}
	for busy() && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
}

// kindOf names an ACME request by its resource.
func kindOf(r *http.Request) string {
	for _, k := range []struct{ prefix, name string }{
		{"/order-plz", "newOrder"}, {"/authZ/", "authorization"}, {"/chalZ/", "challenge"},
		{"/finalize-order/", "finalize"}, {"/my-order/", "order"}, {"/certZ/", "certificate"},
		{"/nonce-plz", "newNonce"}, {"/dir", "directory"}, {"/draft-ietf-acme-ari-03/renewalInfo/", "renewalInfo"},
	} {
		if strings.HasPrefix(r.URL.Path, k.prefix) {
			return k.name
		}
	}
	return r.URL.Path
}

// TestIssuanceRequests pins the requests of one issuance through anyca's public API
// (Order, Verify, WaitValidated, Download) on Pebble, counted at the server, in order:
//
//  1. newOrder: POST /order-plz (Order; the new order's authorization and finalize URLs
//     are kept with it, and its fresh authorizations are not read back);
//  2. authorization: the POST-as-GET Verify reads to find the pending dns-01 challenge;
//  3. challenge: the challenge POST; Verify's answer is that authorization with the
//     challenge's status from this answer, not read again;
//  4. authorization: WaitValidated's one poll (a read of the authorizations, not the
//     order);
//  5. finalize: Download's finalize POST with the CSR kept by Order (the order is not
//     read first: a CA that is not ready answers orderNotReady);
//  6. order: the read of the order being issued, until it is valid;
//  7. certificate: the chain.
//
// No newNonce: each answer carries the next nonce. The server holds a read of an
// authorization being validated or an order being issued until it is settled, so that
// each poll is one request; a client that reads state more than once per step fails.
func TestIssuanceRequests(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
		srv  *Server
	)
	srv, err := New(Options{AlwaysValid: true, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			srv.settled(r.Context(), r)
			mu.Lock()
			seen = append(seen, kindOf(r))
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	key, err := anyacme.NewKey()
	require.NoError(t, err)
	c, err := anyacme.New(anyacme.Config{DirectoryURL: srv.DirectoryURL, Key: key, AgreeTerms: true, HTTPClient: srv.Client()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = c.Register(ctx)
	require.NoError(t, err)

	mu.Lock()
	seen = nil
	mu.Unlock()
	before := srv.Requests()
	const name = "count.example.com"
	ord, err := anyca.Order(ctx, c, model.OrderRequest{Names: []string{name}, CSR: csrOf(t, name)})
	require.NoError(t, err)
	chs, err := anyca.Verify(ctx, c, ord.ID, model.ChallengeDNSTXT)
	require.NoError(t, err)
	require.NotEmpty(t, chs)
	_, err = anyca.WaitValidated(ctx, c, ord.ID, anyca.WaitOptions{Min: time.Millisecond, Max: 5 * time.Millisecond})
	require.NoError(t, err)
	b, err := anyca.Download(ctx, c, ord.ID)
	require.NoError(t, err)
	require.Equal(t, name, b.Leaf.DNSNames[0])

	mu.Lock()
	defer mu.Unlock()
	want := []string{"newOrder", "authorization", "challenge", "authorization", "finalize", "order", "certificate"}
	assert.Equal(t, want, seen, "the requests of one issuance")
	assert.EqualValues(t, len(want), srv.Requests()-before, "requests counted at the server")
}

// csrOf returns a DER CSR for name with a fresh P-256 key.
func csrOf(t *testing.T, name string) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}}, k)
	require.NoError(t, err)
	return der
}
