package providertest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The whole life of a certificate: Order, FindOrder, Revoke, Cancel, RenewalWindow.

// orderRequest is the suite's order for names, with the harness's method.
func (s *suite) orderRequest(names ...string) model.OrderRequest {
	return model.OrderRequest{Names: names, CSR: NewCSR(names...), Method: s.h.Capabilities.OrderMethod}
}

// placedKey is how Fake.OrdersPlaced names an order's names.
func placedKey(names ...string) string {
	n := slices.Clone(names)
	slices.Sort(n)
	return strings.Join(n, ",")
}

// testLifecycle checks the declared lifecycle capabilities, and that those declared
// missing are model.ErrUnsupported.
func (s *suite) testLifecycle(t *testing.T) {
	caps := s.h.Capabilities
	if !caps.Orderer || !caps.Revoker || !caps.Canceller {
		t.Run("Unsupported", func(t *testing.T) {
			f, p := s.start(t)
			ctx := ctxFor(t)
			id := wantIDs(f)[0]
			if !caps.Orderer {
				_, err := anyca.Order(ctx, p, s.orderRequest("unsupported.example.com"))
				assert.NoError(t, checkKind(err, model.ErrUnsupported, s.h.Name), "Order without the Orderer capability")
			}
			if !caps.Revoker {
				assert.NoError(t, checkKind(anyca.Revoke(ctx, p, id, model.ReasonUnspecified), model.ErrUnsupported, s.h.Name), "Revoke")
			}
			if !caps.Canceller {
				assert.NoError(t, checkKind(anyca.Cancel(ctx, p, id), model.ErrUnsupported, s.h.Name), "Cancel")
			}
		})
	}
	if !caps.Orderer {
		return
	}
	t.Run("RoundTrip", s.testOrderRoundTrip)
	t.Run("BadRequestNoRequest", s.testOrderRefusedLocally)
	t.Run("AtMostOnce", s.testOrderAtMostOnce)
	t.Run("Chaos", s.testOrderChaos)
	if caps.Canceller {
		t.Run("Cancel", s.testCancel)
	}
}

// testOrderRoundTrip: the order's ID works at once with Certificate, Challenges, Verify,
// WaitValidated and Download; the chain certifies the CSR's key; the renewal window is
// the CA's advice when it gives one (FromCA, within the lifetime), else the last third
// of the lifetime; a renewal names what it replaces; Revoke is done and
// idempotent, and reads revoked.
func (s *suite) testOrderRoundTrip(t *testing.T) {
	f, p := s.start(t)
	require.NotNil(t, f.OrdersPlaced, "Fake.OrdersPlaced is nil but the harness declares Orderer")
	ctx := ctxFor(t)
	names := []string{"order.example.com", "www.order.example.com"}
	req := s.orderRequest(names...)
	cert, err := anyca.Order(ctx, p, req)
	require.NoError(t, err, "Order")
	require.NotEmpty(t, cert.ID)
	assert.ElementsMatch(t, names, cert.DNSNames)
	got, err := p.Certificate(ctx, cert.ID)
	require.NoError(t, err, "Certificate(%s) at once after Order", cert.ID)
	assert.Equal(t, cert.ID, got.ID)
	assert.ElementsMatch(t, names, got.DNSNames)
	assert.Equal(t, cert.Status, got.Status, "Order and Certificate disagree on the status")
	chs, err := p.Challenges(ctx, cert.ID)
	require.NoError(t, err, "Challenges of the order")
	require.NotEmpty(t, chs)
	assert.Equal(t, map[string]int{placedKey(names...): 1}, f.OrdersPlaced())
	if !s.h.Capabilities.Verifier || !s.h.Capabilities.Downloader {
		return
	}
	for _, n := range names {
		f.Publish(n)
	}
	_, err = anyca.Verify(ctx, p, cert.ID, s.h.Capabilities.OrderMethod)
	require.NoError(t, err, "Verify of the order")
	_, err = anyca.WaitValidated(ctx, p, cert.ID, anyca.WaitOptions{Min: time.Millisecond, Max: 5 * time.Millisecond, MaxPolls: 20})
	require.NoError(t, err, "WaitValidated of the order")
	b, err := anyca.Download(ctx, p, cert.ID)
	require.NoError(t, err, "Download of the order")
	assert.ElementsMatch(t, names, b.Leaf.DNSNames)
	csr, err := x509.ParseCertificateRequest(mustDER(t, req.CSR))
	require.NoError(t, err)
	assert.True(t, publicKeysEqual(csr.PublicKey, b.Leaf.PublicKey), "the certificate does not certify the CSR's key")

	issued, err := p.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	require.Equal(t, model.StatusIssued, issued.Status)
	w, err := anyca.RenewalWindow(ctx, p, issued)
	require.NoError(t, err, "RenewalWindow")
	start := issued.NotBefore
	if start.IsZero() {
		start = issued.CreatedAt // a CA without a start date: counted from creation
	}
	if advice, advised := caAdvice(ctx, p, issued.ID); advised {
		// The CA's advice (ACME renewal information) is the window, within the lifetime.
		assert.True(t, w.FromCA, "a window the CA advised must say FromCA")
		assert.Equal(t, advice.Start, w.Start, "RenewalWindow is not the CA's advice")
		assert.Equal(t, advice.End, w.End, "RenewalWindow is not the CA's advice")
		assert.True(t, w.Start.Before(w.End), "the advised window %v..%v is empty", w.Start, w.End)
		assert.False(t, w.Start.Before(start) || w.End.After(issued.NotAfter),
			"the advised window %v..%v is not within the lifetime %v..%v", w.Start, w.End, start, issued.NotAfter)
	} else {
		life := issued.NotAfter.Sub(start)
		assert.Equal(t, issued.NotAfter.Add(-life/3), w.Start, "without the CA's advice the window is the last third of the lifetime")
		assert.Equal(t, issued.NotAfter, w.End)
		assert.False(t, w.FromCA)
	}

	renew := s.orderRequest(names...)
	renew.Replaces = cert.ID
	renewal, err := anyca.Order(ctx, p, renew)
	require.NoError(t, err, "Order replacing %s", cert.ID)
	assert.NotEqual(t, cert.ID, renewal.ID)
	assert.Equal(t, cert.ID, renewal.ReplacesID, "the renewal does not name what it replaces")

	if !s.h.Capabilities.Revoker {
		return
	}
	require.NoError(t, anyca.Revoke(ctx, p, cert.ID, model.ReasonSuperseded), "Revoke")
	got, err = p.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusRevoked, got.Status, "Revoke returned nil and the certificate is not revoked")
	require.NoError(t, anyca.Revoke(ctx, p, cert.ID, model.ReasonKeyCompromise), "revoking a revoked certificate is done")
	assert.NoError(t, checkKind(anyca.Revoke(ctx, p, cert.ID, "because"), model.ErrInvalidArgument, s.h.Name), "an unknown reason")
	if s.h.Capabilities.Canceller {
		assert.NoError(t, checkKind(anyca.Cancel(ctx, p, cert.ID), model.ErrFailedPrecondition, s.h.Name), "cancelling a revoked certificate")
	}
}

// testCancel: an order not issued is cancelled, a second Cancel is done, and a revoke of
// the cancelled order is refused, never reported done.
func (s *suite) testCancel(t *testing.T) {
	_, p := s.start(t)
	ctx := ctxFor(t)
	cert, err := anyca.Order(ctx, p, s.orderRequest("cancel.example.com"))
	require.NoError(t, err)
	if s.h.Capabilities.Revoker {
		assert.NoError(t, checkKind(anyca.Revoke(ctx, p, cert.ID, model.ReasonUnspecified), model.ErrFailedPrecondition, s.h.Name),
			"revoking an order not issued")
	}
	require.NoError(t, anyca.Cancel(ctx, p, cert.ID), "Cancel")
	got, err := p.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusCancelled, got.Status, "Cancel returned nil and the order is not cancelled")
	require.NoError(t, anyca.Cancel(ctx, p, cert.ID), "cancelling a cancelled order is done")
	if s.h.Capabilities.Revoker {
		assert.NoError(t, checkKind(anyca.Revoke(ctx, p, cert.ID, model.ReasonUnspecified), model.ErrFailedPrecondition, s.h.Name),
			"revoking a cancelled order")
		got, err = p.Certificate(ctx, cert.ID)
		require.NoError(t, err)
		assert.Equal(t, model.StatusCancelled, got.Status)
	}
}

// testOrderRefusedLocally: a CSR that does not parse, has a weak key or names other
// names is model.ErrInvalidArgument with zero requests.
func (s *suite) testOrderRefusedLocally(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	weakDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.example.com"},
		DNSNames: []string{"a.example.com"}}, weak)
	require.NoError(t, err)
	o := p.(anyca.Orderer)
	for name, req := range map[string]model.OrderRequest{
		"garbage":     {Names: []string{"a.example.com"}, CSR: []byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")},
		"weak key":    {Names: []string{"a.example.com"}, CSR: weakDER},
		"other names": {Names: []string{"a.example.com"}, CSR: NewCSR("b.example.com")},
		"no names":    {CSR: NewCSR("a.example.com")},
	} {
		before := f.Requests()
		_, err := o.Order(ctx, req) // the adapter's own method: it checks before anything else
		assert.NoError(t, checkKind(err, model.ErrInvalidArgument, s.h.Name), "%s", name)
		assert.Equal(t, before, f.Requests(), "%s: a request was sent for an order refused locally", name)
	}
	assert.Empty(t, f.OrdersPlaced())
}

// testOrderAtMostOnce: under a 503, a reset after the request was read and a timeout,
// Order sends the create request once and says the outcome is unknown; FindOrder then
// finds the order if it was made, and says not found if not.
func (s *suite) testOrderAtMostOnce(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault Fault
		made  bool
	}{
		{"503", Fault{Kind: FaultServerError, Status: http.StatusServiceUnavailable}, false},
		{"ResetAfterRead", Fault{Kind: FaultLostAnswer}, true},
		{"Timeout", Fault{Kind: FaultStalledAnswer}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := s.startFake(t)
			cfg := f.Config
			cfg.Retry.MaxAttempts = 5
			cfg.HTTPClient = ownClient(f, time.Second)
			p := newProvider(t, cfg)
			ctx := ctxFor(t)
			req := s.orderRequest("once.example.com")
			since := time.Now()
			f.FailNext(1, tt.fault)
			_, err := anyca.Order(ctx, p, req)
			require.NoError(t, checkKind(err, model.ErrUnavailable, s.h.Name))
			var me *model.Error
			require.ErrorAs(t, err, &me)
			assert.Equal(t, anyca.OrderOutcomeUnknown, me.Code, "%v", err)
			placed := f.OrdersPlaced()[placedKey(req.Names...)]
			found, ferr := anyca.FindOrder(ctx, p, req, since)
			if tt.made {
				assert.Equal(t, 1, placed, "the create request was carried out %d times", placed)
				require.NoError(t, ferr, "FindOrder after %s", tt.name)
				assert.ElementsMatch(t, req.Names, found.DNSNames)
			} else {
				assert.Zero(t, placed, "the fault came before the CA: nothing was made, and nothing sent again")
				assert.NoError(t, checkKind(ferr, model.ErrNotFound, s.h.Name), "FindOrder when nothing was made")
			}
		})
	}
}

// ChaosOrders and ChaosRate are the size of the suite's ordering chaos run.
const (
	ChaosOrders = 200
	ChaosRate   = 0.20
)

// testOrderChaos: ChaosOrders orders at ChaosRate faults of every kind a create request
// can meet (the transient faults, and the answer lost or stalled after the request was
// carried out): every order is returned or found by FindOrder, none made twice, none lost.
// An order whose outcome is unknown and that FindOrder does not find was not made, and
// only then is it placed again.
func (s *suite) testOrderChaos(t *testing.T) {
	if !s.h.Capabilities.Chaos {
		return
	}
	f := s.startFake(t)
	cfg := f.Config
	cfg.Retry.MaxAttempts = 10
	cfg.HTTPClient = ownClient(f, 500*time.Millisecond)
	p := newProvider(t, cfg)
	ctx := ctxFor(t)
	f.SetChaos(ChaosRate, 11, writeFaults()...)
	var returned, found, unknown, replaced int
	for i := 0; i < ChaosOrders; i++ {
		req := s.orderRequest(fmt.Sprintf("chaos-%03d.example.com", i))
		since := time.Now()
		done := false
		for try := 0; try < 20 && !done; try++ {
			_, err := anyca.Order(ctx, p, req)
			var me *model.Error
			switch {
			case err == nil:
				returned++
				done = true
			case errors.As(err, &me) && me.Code == anyca.OrderOutcomeUnknown:
				unknown++
				c, ferr := findUnderChaos(ctx, p, req, since)
				switch {
				case ferr == nil:
					require.ElementsMatch(t, req.Names, c.DNSNames)
					found++
					done = true
				case errors.Is(ferr, model.ErrNotFound):
					replaced++ // not made: ordering again is safe
				default:
					t.Fatalf("order %d: FindOrder under chaos: %v", i, ferr)
				}
			case errors.Is(err, model.ErrRateLimited) || errors.Is(err, model.ErrUnavailable):
				// a definite refusal or a request that never left: nothing was made
			default:
				t.Fatalf("order %d: %v", i, err)
			}
		}
		require.True(t, done, "order %d neither returned nor found after 20 tries", i)
	}
	f.SetChaos(0, 0)
	placed := f.OrdersPlaced()
	duplicated, lost := 0, 0
	for i := 0; i < ChaosOrders; i++ {
		switch n := placed[placedKey(fmt.Sprintf("chaos-%03d.example.com", i))]; {
		case n > 1:
			duplicated += n - 1
		case n == 0:
			lost++
		}
	}
	faults := 0
	for _, n := range f.Injected() {
		faults += n
	}
	t.Logf("orders %d: returned %d, found after an unknown outcome %d (unknown outcomes %d, placed again after not found %d); faults %d %v; duplicated %d, lost %d",
		ChaosOrders, returned, found, unknown, replaced, faults, f.Injected(), duplicated, lost)
	assert.Zero(t, duplicated, "orders made twice")
	assert.Zero(t, lost, "orders made and neither returned nor found")
	assert.Equal(t, ChaosOrders, returned+found)
	assert.Len(t, placed, ChaosOrders, "orders the CA made")
}

// caAdvice returns the renewal window the CA advises for id, when p is an
// anyca.RenewalAdvisor whose CA gives advice (model.ErrUnsupported: it gives none).
func caAdvice(ctx context.Context, p anyca.Provider, id string) (*model.RenewalWindow, bool) {
	a, ok := p.(anyca.RenewalAdvisor)
	if !ok {
		return nil, false
	}
	w, err := a.RenewalInfo(ctx, id)
	return w, err == nil && w != nil
}

// findUnderChaos is FindOrder, asked again while the listing itself fails for a
// transient reason.
func findUnderChaos(ctx context.Context, p anyca.Provider, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	var err error
	for i := 0; i < 10; i++ {
		var c *model.Certificate
		if c, err = anyca.FindOrder(ctx, p, req, since); err == nil || errors.Is(err, model.ErrNotFound) {
			return c, err
		}
	}
	return nil, err
}

func mustDER(t *testing.T, csr []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(csr)
	require.NotNil(t, block)
	return block.Bytes
}

// publicKeysEqual compares two public keys of the standard library's types.
func publicKeysEqual(a, b any) bool {
	ka, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ka.Equal(b)
}
