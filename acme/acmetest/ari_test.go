package acmetest_test

import (
	"context"
	"net/http"
	"strings"
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

// clock is a settable time for acme.Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func isRenewalInfo(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/renewalInfo/")
}

// TestRenewalInfoRetryAfterBounds: RenewalInfo asks the CA again when ARI's Retry-After
// says, kept between 1 minute and 1 day (RFC 9773 §4.3.2), and after 6 hours when the
// CA sent none or one that does not parse (§4.3.3: a long-term error). NextCheck says
// when; a call before then is answered with the same window and no request.
func TestRenewalInfoRetryAfterBounds(t *testing.T) {
	var mu sync.Mutex
	retryAfter := "" // the Retry-After the CA's renewalInfo answer carries; "" none
	f := &fault{match: isRenewalInfo, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		relay(w, r, next, func(_ int, h http.Header, body []byte) []byte {
			mu.Lock()
			defer mu.Unlock()
			if retryAfter == "" {
				h.Del("Retry-After")
			} else {
				h.Set("Retry-After", retryAfter)
			}
			return body
		})
	}}
	f.armed.Store(true)
	srv, err := acmetest.New(acmetest.Options{Wrap: f.wrap})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	key, err := acme.NewKey()
	require.NoError(t, err)
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	c, err := acme.New(acme.Config{DirectoryURL: srv.DirectoryURL, HTTPClient: srv.Client(), Key: key, AgreeTerms: true, Now: clk.Now})
	require.NoError(t, err)
	cert, _ := issue(t, srv, c, model.ChallengeDNSTXT, "ari.example.com")
	ctx := context.Background()

	for _, step := range []struct {
		name, retryAfter string
		next             time.Duration
	}{
		{"1 second", "1", time.Minute},
		{"7 days", "604800", 24 * time.Hour},
		{"none", "", 6 * time.Hour},
		{"not a number", "soon", 6 * time.Hour},
		{"2 hours", "7200", 2 * time.Hour},
	} {
		mu.Lock()
		retryAfter = step.retryAfter
		mu.Unlock()
		asked := clk.Now()
		before := f.hits.Load()
		w, err := c.RenewalInfo(ctx, cert.ID)
		require.NoError(t, err, step.name)
		require.EqualValues(t, before+1, f.hits.Load(), "%s: the CA is asked", step.name)
		assert.True(t, w.FromCA, step.name)
		assert.True(t, w.Start.Before(w.End), step.name)
		assert.Equal(t, asked.Add(step.next), w.NextCheck, "%s: NextCheck", step.name)

		clk.Set(w.NextCheck.Add(-time.Second))
		cached, err := c.RenewalInfo(ctx, cert.ID)
		require.NoError(t, err, step.name)
		assert.Equal(t, *w, *cached, "%s: the same answer before NextCheck", step.name)
		assert.EqualValues(t, before+1, f.hits.Load(), "%s: not asked again before NextCheck", step.name)
		clk.Set(w.NextCheck) // the next step asks again
	}
}

// TestSecondReplacementIsAlreadyReplaced: an order with Replaces tells the CA which
// certificate it renews (the new certificate reports it in ReplacesID); once that
// renewal is issued, a second order replacing the same certificate is the CA's 409
// alreadyReplaced: model.ErrFailedPrecondition with the problem type in Code, after
// one newOrder request.
func TestSecondReplacementIsAlreadyReplaced(t *testing.T) {
	newOrders := &fault{match: isNewOrder} // never armed: it counts
	srv, p := startWith(t, acmetest.Options{}, newOrders)
	old, _ := issue(t, srv, p, model.ChallengeDNSTXT, "renew.example.com")
	renewal, _ := issueRequest(t, srv, p, model.OrderRequest{Names: []string{"renew.example.com"}, CSR: csrFor(t, "renew.example.com"),
		Method: model.ChallengeDNSTXT, Replaces: old.ID})
	assert.Equal(t, old.ID, renewal.ReplacesID)

	before := newOrders.hits.Load()
	_, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"renew.example.com"}, CSR: csrFor(t, "renew.example.com"), Replaces: old.ID})
	me := requireKind(t, err, model.ErrFailedPrecondition, "alreadyReplaced")
	assert.Equal(t, http.StatusConflict, me.HTTPStatus)
	assert.EqualValues(t, before+1, newOrders.hits.Load(), "newOrder requests")
}

// TestReplacesWithoutARI: on a CA whose directory offers no renewalInfo, an order with
// Replaces is model.ErrUnsupported before any newOrder request (ARI's replaces is all
// a renewal order could say), and RenewalInfo is model.ErrUnsupported.
func TestReplacesWithoutARI(t *testing.T) {
	newOrders := &fault{match: isNewOrder} // never armed: it counts
	srv, p := startWith(t, acmetest.Options{NoARI: true}, newOrders)
	old, _ := issue(t, srv, p, model.ChallengeDNSTXT, "noari.example.com")
	before := newOrders.hits.Load()
	_, err := anyca.Order(context.Background(), p, model.OrderRequest{Names: []string{"noari.example.com"}, CSR: csrFor(t, "noari.example.com"), Replaces: old.ID})
	requireKind(t, err, model.ErrUnsupported, "")
	assert.Equal(t, before, newOrders.hits.Load(), "no newOrder request")
	_, err = p.(anyca.RenewalAdvisor).RenewalInfo(context.Background(), old.ID)
	requireKind(t, err, model.ErrUnsupported, "")
}
