package acmetest_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// TestRegister: from code, a new key is registered with acme.Register: refused without
// AgreeTerms (naming the terms URL, nothing registered), then registered with EAB; a
// second Register with the same StateDir sends no account request at all (ZeroSSL
// refuses a second registration with the same EAB), and another Client on that
// StateDir orders with the account at once.
func TestRegister(t *testing.T) {
	var accountRequests atomic.Int64
	srv, err := acmetest.New(acmetest.Options{RequireEAB: true, Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/sign-me-up") {
				accountRequests.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	key, err := acme.NewKey()
	require.NoError(t, err)
	_, err = acme.ParseKey(key)
	require.NoError(t, err, "NewKey makes a key ParseKey reads")
	cfg := acme.Config{DirectoryURL: srv.DirectoryURL, HTTPClient: srv.Client(), Key: key,
		EABKeyID: acmetest.EABKeyID, EABHMACKey: acmetest.EABHMACKey, StateDir: t.TempDir()}
	ctx := context.Background()

	_, err = acme.Register(ctx, cfg)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	require.ErrorIs(t, err, model.ErrInvalidArgument)
	assert.Contains(t, me.Message, "terms of service at data:text/plain,Do%20what%20thou%20wilt", "the error names the terms URL (Pebble's)")
	assert.EqualValues(t, 1, accountRequests.Load(), "the lookup only")

	cfg.AgreeTerms = true
	u, err := acme.Register(ctx, cfg)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(u, srv.URL()+"/my-account/"), u)
	assert.EqualValues(t, 3, accountRequests.Load(), "a lookup and a registration")

	again, err := acme.Register(ctx, cfg)
	require.NoError(t, err)
	assert.Equal(t, u, again)
	assert.EqualValues(t, 3, accountRequests.Load(), "the URL remembered in StateDir: no account request")

	c, err := acme.New(cfg)
	require.NoError(t, err)
	_, err = c.Order(ctx, model.OrderRequest{Names: []string{"registered.example.com"}, CSR: csrFor(t, "registered.example.com")})
	require.NoError(t, err, "a Client on the StateDir orders with the remembered account")
	assert.EqualValues(t, 3, accountRequests.Load())
}
