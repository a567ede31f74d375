package acmetest_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// listed returns the status of every certificate p lists for q, by ID, and the first
// error of the listing.
func listed(p anyca.Provider, q model.CertificateQuery) (map[string]model.CertificateStatus, error) {
	out := map[string]model.CertificateStatus{}
	for c, err := range p.Certificates(context.Background(), q) {
		if err != nil {
			return out, err
		}
		out[c.ID] = c.Status
	}
	return out, nil
}

// TestCertificatesWithoutOrdersList: on a CA without the account orders list (Let's
// Encrypt), Certificates lists the orders placed through anyca and kept in StateDir,
// with their status, also from a provider started again on that StateDir, and filters
// them by status; the same account with another StateDir lists none of them. Without a
// StateDir the listing is model.ErrUnsupported, not an empty list.
func TestCertificatesWithoutOrdersList(t *testing.T) {
	srv, err := acmetest.New(acmetest.Options{NoOrdersList: true})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg := configFor(t, srv)
	cfg.ACME.StateDir = t.TempDir()
	p, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	issued, _ := issue(t, srv, p, model.ChallengeDNSTXT, "issued.example.com")
	pending, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"pending.example.com"}, CSR: csrFor(t, "pending.example.com")})
	require.NoError(t, err)
	want := map[string]model.CertificateStatus{issued.ID: model.StatusIssued, pending.ID: model.StatusPending}

	got, err := listed(p, model.CertificateQuery{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
	restarted, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	got, err = listed(restarted, model.CertificateQuery{})
	require.NoError(t, err)
	assert.Equal(t, want, got, "listed from StateDir after a restart")
	got, err = listed(restarted, model.CertificateQuery{Status: []model.CertificateStatus{model.StatusPending}})
	require.NoError(t, err)
	assert.Equal(t, map[string]model.CertificateStatus{pending.ID: model.StatusPending}, got)

	other := cfg
	other.ACME = &anyca.ACMEAccount{Key: cfg.ACME.Key, StateDir: t.TempDir()}
	elsewhere, err := anyca.New(context.Background(), other)
	require.NoError(t, err)
	got, err = listed(elsewhere, model.CertificateQuery{})
	require.NoError(t, err)
	assert.Empty(t, got, "another StateDir holds none of the orders")

	other.ACME = &anyca.ACMEAccount{Key: cfg.ACME.Key}
	stateless, err := anyca.New(context.Background(), other)
	require.NoError(t, err)
	_, err = listed(stateless, model.CertificateQuery{})
	requireKind(t, err, model.ErrUnsupported, "")
}

// TestFindOrderWithoutOrdersList: on a CA without the account orders list, an order
// whose newOrder answer was lost (the CA made it) cannot be found: FindOrder is
// model.ErrNotFound saying why, from the same provider or one started again on its
// StateDir, sends no newOrder, and the order is not listed. ErrNotFound here does not
// mean that no order was made; the way on is to order again, and the order then made is
// what FindOrder finds.
func TestFindOrderWithoutOrdersList(t *testing.T) {
	f := &fault{match: isNewOrder, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		next.ServeHTTP(discard{}, r) // Pebble makes the order; its answer is lost
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"type":"urn:ietf:params:acme:error:serverInternal","detail":"lost","status":500}`))
	}}
	srv, err := acmetest.New(acmetest.Options{NoOrdersList: true, Wrap: f.wrap})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cfg := configFor(t, srv)
	cfg.ACME.StateDir = t.TempDir()
	p, err := anyca.New(context.Background(), cfg)
	require.NoError(t, err)
	ctx := context.Background()
	req := model.OrderRequest{Names: []string{"lost.example.com"}, CSR: csrFor(t, "lost.example.com")}
	since := time.Now()
	f.armed.Store(true)
	_, err = anyca.Order(ctx, p, req)
	requireKind(t, err, model.ErrUnavailable, anyca.OrderOutcomeUnknown)
	f.armed.Store(false)
	require.Equal(t, 1, srv.OrdersPlaced()["lost.example.com"], "the CA made the order")

	restarted, err := anyca.New(ctx, cfg)
	require.NoError(t, err)
	for name, provider := range map[string]anyca.Provider{"same provider": p, "restarted": restarted} {
		_, err = anyca.FindOrder(ctx, provider, req, since)
		me := requireKind(t, err, model.ErrNotFound, "")
		assert.Contains(t, me.Message, "no account orders list", name)
		got, err := listed(provider, model.CertificateQuery{})
		require.NoError(t, err)
		assert.Empty(t, got, "%s: the lost order is not listed", name)
	}
	assert.EqualValues(t, 1, f.hits.Load(), "newOrder requests")

	again, err := anyca.Order(ctx, p, req)
	require.NoError(t, err)
	found, err := anyca.FindOrder(ctx, p, req, since)
	require.NoError(t, err)
	assert.Equal(t, again.ID, found.ID)
	assert.Equal(t, 2, srv.OrdersPlaced()["lost.example.com"])
}

// TestFindOrderNewestRecorded: where the orders come from StateDir (no orders list),
// FindOrder returns the newest of the orders for the names made since the time given,
// as its contract says, not the first one recorded.
func TestFindOrderNewestRecorded(t *testing.T) {
	srv, err := acmetest.New(acmetest.Options{NoOrdersList: true})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	key, err := acme.NewKey()
	require.NoError(t, err)
	var mu sync.Mutex
	now := time.Now().UTC()
	c, err := acme.New(acme.Config{DirectoryURL: srv.DirectoryURL, HTTPClient: srv.Client(), Key: key, AgreeTerms: true,
		StateDir: t.TempDir(), Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	require.NoError(t, err)
	ctx := context.Background()
	since := now
	req := model.OrderRequest{Names: []string{"twice.example.com"}, CSR: csrFor(t, "twice.example.com")}
	_, err = c.Order(ctx, req)
	require.NoError(t, err)
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	newer, err := c.Order(ctx, req)
	require.NoError(t, err)
	found, err := c.FindOrder(ctx, req, since)
	require.NoError(t, err)
	assert.Equal(t, newer.ID, found.ID)
}

// TestFindOrderTellsCSRsApart: two orders for the same names placed within a second (a
// renewal with a new key right after an order): after the second one's answer is lost,
// FindOrder with the second request never returns the first order, whose CSR differs;
// it finds the second in the orders list, and on a CA without one it is ErrNotFound.
func TestFindOrderTellsCSRsApart(t *testing.T) {
	for _, noList := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoOrdersList=%t", noList), func(t *testing.T) {
			f := &fault{match: isNewOrder, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				next.ServeHTTP(discard{}, r) // Pebble makes the order; its answer is lost
				w.WriteHeader(http.StatusInternalServerError)
			}}
			_, p := startWith(t, acmetest.Options{NoOrdersList: noList}, f)
			ctx := context.Background()
			since := time.Now()
			first, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"same.example.com"}, CSR: csrFor(t, "same.example.com")})
			require.NoError(t, err)
			second := model.OrderRequest{Names: []string{"same.example.com"}, CSR: csrFor(t, "same.example.com")}
			f.armed.Store(true)
			_, err = anyca.Order(ctx, p, second)
			requireKind(t, err, model.ErrUnavailable, anyca.OrderOutcomeUnknown)
			f.armed.Store(false)

			found, err := anyca.FindOrder(ctx, p, second, since)
			if noList {
				require.ErrorIs(t, err, model.ErrNotFound, "the first order is not the second request's")
				return
			}
			require.NoError(t, err)
			assert.NotEqual(t, first.ID, found.ID, "FindOrder returned the first order for the second request")
		})
	}
}
