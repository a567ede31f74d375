package digicert_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	_ anyca.Orderer     = (*digicert.Client)(nil)
	_ anyca.Revoker     = (*digicert.Client)(nil)
	_ anyca.Canceller   = (*digicert.Client)(nil)
	_ anyca.OrderFinder = (*digicert.Client)(nil)
)

// orderClient starts a fake (with opts) and a Client on it with mod applied.
func orderClient(t *testing.T, mod func(*digicert.Config), opts ...digicerttest.Option) (*digicerttest.Server, *digicert.Client) {
	t.Helper()
	srv := digicerttest.NewServer(opts...)
	t.Cleanup(srv.Close)
	cfg := digicert.Config{APIKey: srv.APIKey, BaseURL: srv.URL, OrganizationID: "4242",
		Retry: retry.Config{MaxAttempts: 4, MinWait: time.Millisecond, MaxWait: 2 * time.Millisecond, RequestsPerSecond: -1}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := digicert.New(cfg)
	require.NoError(t, err)
	return srv, c
}

func orderReq(names ...string) model.OrderRequest {
	return model.OrderRequest{Names: names, CSR: providertest.NewCSR(names...), Method: model.ChallengeDNSTXT}
}

func requireKind(t *testing.T, err error, kind error, code string) *model.Error {
	t.Helper()
	require.ErrorIs(t, err, kind)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	if code != "" {
		assert.Equal(t, code, me.Code)
	}
	return me
}

// TestOrderShapes: the three 201 shapes of CertCentral's order answer.
func TestOrderShapes(t *testing.T) {
	ctx := context.Background()
	t.Run("pending DCV", func(t *testing.T) {
		_, c := orderClient(t, nil)
		cert, err := c.Order(ctx, orderReq("new.example.com", "www.new.example.com"))
		require.NoError(t, err)
		assert.Equal(t, model.StatusPending, cert.Status)
		assert.Equal(t, []string{"new.example.com", "www.new.example.com"}, cert.DNSNames)
		got, err := c.Certificate(ctx, cert.ID)
		require.NoError(t, err)
		assert.Equal(t, model.StatusPending, got.Status)
		assert.Equal(t, cert.DNSNames, got.DNSNames)
		chs, err := c.Challenges(ctx, cert.ID)
		require.NoError(t, err)
		require.Len(t, chs, 2)
		assert.Equal(t, model.ChallengeDNSTXT, chs[0].Type)
	})
	t.Run("issued at once with the chain", func(t *testing.T) {
		srv, c := orderClient(t, nil)
		srv.AddDomain(model.DomainValidation{Domain: "valid.example.com", Levels: []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: time.Now().Add(300 * 24 * time.Hour)}}})
		cert, err := c.Order(ctx, orderReq("valid.example.com"))
		require.NoError(t, err)
		assert.Equal(t, model.StatusIssued, cert.Status)
		assert.NotEmpty(t, cert.SerialNumber)
		got, err := c.Certificate(ctx, cert.ID)
		require.NoError(t, err)
		assert.Equal(t, got.SerialNumber, cert.SerialNumber, "the serial read from the chain (CRLF PEM) is the order's")
		assert.Equal(t, got.FingerprintSHA1, cert.FingerprintSHA1)
		b, err := c.Download(ctx, cert.ID)
		require.NoError(t, err)
		assert.Equal(t, cert.SerialNumber, model.NormalizeHex(b.Leaf.SerialNumber.Text(16)))
	})
	t.Run("needs approval", func(t *testing.T) {
		srv, c := orderClient(t, nil, digicerttest.WithApprovalRequired())
		cert, err := c.Order(ctx, orderReq("approve.example.com"))
		require.NoError(t, err)
		assert.Equal(t, model.StatusPending, cert.Status)
		assert.Equal(t, "needs_approval", cert.VendorStatus, "an order waiting for an approver is not reported as under way")
		assert.Len(t, srv.PendingRequests(), 1)
	})
	t.Run("needs approval, approved by the adapter", func(t *testing.T) {
		srv, c := orderClient(t, func(cfg *digicert.Config) { cfg.ApproveRequests = true }, digicerttest.WithApprovalRequired())
		cert, err := c.Order(ctx, orderReq("approve.example.com"))
		require.NoError(t, err)
		assert.Equal(t, "pending", cert.VendorStatus)
		assert.Empty(t, srv.PendingRequests())
	})
}

// TestOrderOrganization: an OV order without Config.OrganizationID uses the account's
// only active organization; an account with none or several makes it ErrInvalidArgument
// naming the setting, after the one List organizations request and before any order.
func TestOrderOrganization(t *testing.T) {
	ctx := context.Background()
	noOrg := func(cfg *digicert.Config) { cfg.OrganizationID = "" }

	srv, c := orderClient(t, noOrg, digicerttest.WithOrganizations(
		digicerttest.Organization{ID: "7001", Name: "Old Corp.", Active: false},
		digicerttest.Organization{ID: "7002", Name: "Only Corp.", Active: true}))
	cert, err := c.Order(ctx, orderReq("only.example.com"))
	require.NoError(t, err, "the account's only active organization")
	assert.Equal(t, "7002", srv.OrderOrganization(cert.ID))

	srv, c = orderClient(t, nil) // OrganizationID set: no lookup
	cert, err = c.Order(ctx, orderReq("set.example.com"))
	require.NoError(t, err)
	assert.Equal(t, "4242", srv.OrderOrganization(cert.ID))
	assert.Equal(t, int64(1), srv.Requests(), "only the order: no List organizations")

	for name, orgs := range map[string][]digicerttest.Organization{
		"none":    nil,
		"several": {{ID: "7001", Name: "A", Active: true}, {ID: "7002", Name: "B", Active: true}},
	} {
		srv, c := orderClient(t, noOrg, digicerttest.WithOrganizations(orgs...))
		_, err := c.Order(ctx, orderReq("a.example.com"))
		me := requireKind(t, err, model.ErrInvalidArgument, "")
		assert.Contains(t, me.Message, "OrganizationID", name)
		assert.Contains(t, me.Message, "organization_id", name)
		assert.Equal(t, int64(1), srv.Requests(), "%s: only List organizations", name)
		assert.Empty(t, srv.OrdersPlaced(), "%s: no order sent", name)
	}
	_, c = orderClient(t, noOrg, digicerttest.WithOrganizations(
		digicerttest.Organization{ID: "7001", Active: true}, digicerttest.Organization{ID: "7002", Active: true}))
	_, err = c.Order(ctx, orderReq("a.example.com"))
	assert.ErrorContains(t, err, "7001, 7002", "the candidates are named")
}

// TestOrderSettings: a setting the order needs and misses is ErrInvalidArgument naming
// it, before any request.
func TestOrderSettings(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t, func(cfg *digicert.Config) { cfg.OrganizationID = "" }, digicerttest.WithOrganizations())
	_, err := c.Order(ctx, orderReq("a.example.com"))
	me := requireKind(t, err, model.ErrInvalidArgument, "")
	assert.Contains(t, me.Message, "OrganizationID")
	assert.Empty(t, srv.OrdersPlaced())
	srv, c = orderClient(t, func(cfg *digicert.Config) { cfg.OrganizationID = "" })

	req := orderReq("a.example.com")
	req.Product = "ssl_dv_geotrust"
	_, err = c.Order(ctx, req)
	require.NoError(t, err, "a DV product needs no organization")
	assert.Equal(t, int64(1), srv.Requests(), "a DV order looks up no organization")

	for _, tt := range []struct {
		name string
		mod  func(*model.OrderRequest)
	}{
		{"method", func(r *model.OrderRequest) { r.Method = "carrier-pigeon" }},
		{"replaces", func(r *model.OrderRequest) { r.Replaces = "not-an-id" }},
		{"validity under a day", func(r *model.OrderRequest) { r.Validity = time.Hour }},
		{"product", func(r *model.OrderRequest) { r.Product = "../x" }},
		{"csr names", func(r *model.OrderRequest) { r.CSR = providertest.NewCSR("other.example.com") }},
	} {
		before := srv.Requests()
		req := orderReq("a.example.com")
		tt.mod(&req)
		_, err := c.Order(ctx, req)
		requireKind(t, err, model.ErrInvalidArgument, "")
		assert.Equal(t, before, srv.Requests(), tt.name)
	}
	_, err = digicert.New(digicert.Config{APIKey: "k-0123456789abcdef0123", PaymentMethod: "gold"})
	me = requireKind(t, err, model.ErrInvalidArgument, "")
	assert.Contains(t, me.Message, "PaymentMethod")
}

// TestOrderValidityAndRenewal: the validity sent is the longest CertCentral sells, not
// longer than asked; Replaces is renewal_of_order_id.
func TestOrderValidityAndRenewal(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t, nil)
	srv.AddDomain(model.DomainValidation{Domain: "v.example.com", Levels: []model.LevelValidation{
		{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: time.Now().Add(300 * 24 * time.Hour)}}})
	req := orderReq("v.example.com")
	req.Validity = 90*24*time.Hour + 23*time.Hour
	cert, err := c.Order(ctx, req)
	require.NoError(t, err)
	life := cert.NotAfter.Sub(cert.NotBefore)
	assert.True(t, life <= req.Validity && life > 89*24*time.Hour, "asked %s, got %s: 90 days, never longer", req.Validity, life)

	req.Validity = 3 * 365 * 24 * time.Hour // more than sold: the longest sold
	long, err := c.Order(ctx, req)
	require.NoError(t, err)
	life = long.NotAfter.Sub(long.NotBefore)
	assert.True(t, life <= digicert.MaxValidityDays*24*time.Hour && life > (digicert.MaxValidityDays-1)*24*time.Hour, "got %s", life)

	req.Validity, req.Replaces = 0, cert.ID
	renewal, err := c.Order(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, cert.ID, renewal.ReplacesID)
	assert.NotEqual(t, cert.ID, renewal.ID, "a renewal is a new order")
	req.Replaces = "999999999"
	_, err = c.Order(ctx, req)
	requireKind(t, err, model.ErrInvalidArgument, "")
}

// TestRevokeApproval: a 201 with a pending request is not a revocation; 204 is.
func TestRevokeApproval(t *testing.T) {
	ctx := context.Background()
	issued := func(t *testing.T, srv *digicerttest.Server, c *digicert.Client) string {
		srv.AddDomain(model.DomainValidation{Domain: "r.example.com", Levels: []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: time.Now().Add(300 * 24 * time.Hour)}}})
		cert, err := c.Order(ctx, orderReq("r.example.com"))
		require.NoError(t, err)
		require.Equal(t, model.StatusIssued, cert.Status)
		return cert.ID
	}
	t.Run("pending request", func(t *testing.T) {
		srv, c := orderClient(t, nil)
		id := issued(t, srv, c)
		err := c.Revoke(ctx, id, model.ReasonKeyCompromise)
		me := requireKind(t, err, model.ErrFailedPrecondition, anyca.ApprovalRequired)
		pending := srv.PendingRequests()
		require.Len(t, pending, 1)
		assert.Contains(t, me.Message, pending[0], "the message names the request")
		got, err := c.Certificate(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, model.StatusIssued, got.Status, "not revoked")
	})
	t.Run("approved by the adapter", func(t *testing.T) {
		srv, c := orderClient(t, func(cfg *digicert.Config) { cfg.ApproveRequests = true })
		id := issued(t, srv, c)
		require.NoError(t, c.Revoke(ctx, id, model.ReasonSuperseded))
		got, err := c.Certificate(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, model.StatusRevoked, got.Status)
	})
	t.Run("204 with skip_approval", func(t *testing.T) {
		srv, c := orderClient(t, func(cfg *digicert.Config) { cfg.SkipApproval = true })
		id := issued(t, srv, c)
		require.NoError(t, c.Revoke(ctx, id, model.ReasonCessationOfOperation))
		got, err := c.Certificate(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, model.StatusRevoked, got.Status)
		before := srv.Requests()
		require.NoError(t, c.Revoke(ctx, id, model.ReasonUnspecified), "already revoked is done")
		assert.Equal(t, before+1, srv.Requests(), "one read, no write")
	})
	t.Run("reasons", func(t *testing.T) {
		for r, want := range map[model.RevocationReason]string{model.ReasonKeyCompromise: "keyCompromise",
			model.ReasonSuperseded: "superseded", model.ReasonUnspecified: "unspecified",
			model.ReasonAffiliationChanged: "affiliationChanged", model.ReasonCessationOfOperation: "cessationOfOperation"} {
			got, ok := digicert.RevocationReason(r)
			assert.True(t, ok)
			assert.Equal(t, want, got)
		}
		_, c := orderClient(t, nil)
		requireKind(t, c.Revoke(ctx, "1", "because"), model.ErrInvalidArgument, "")
	})
	assert.Equal(t, anyca.ApprovalRequired, digicert.ApprovalRequired)
}

// TestCancel: through the order status; already cancelled is done; issued is not
// cancellable.
func TestCancel(t *testing.T) {
	ctx := context.Background()
	_, c := orderClient(t, nil)
	cert, err := c.Order(ctx, orderReq("c.example.com"))
	require.NoError(t, err)
	require.NoError(t, c.Cancel(ctx, cert.ID))
	got, err := c.Certificate(ctx, cert.ID)
	require.NoError(t, err)
	assert.Equal(t, model.StatusCancelled, got.Status)
	require.NoError(t, c.Cancel(ctx, cert.ID), "already cancelled is done")
}

// TestFindOrderAfterLostAnswer: a create request whose answer is lost is not sent again,
// and FindOrder finds the order it made.
func TestFindOrderAfterLostAnswer(t *testing.T) {
	ctx := context.Background()
	srv, c := orderClient(t, nil)
	for i := 0; i < 3; i++ {
		_, err := c.Order(ctx, orderReq("other.example.com"))
		require.NoError(t, err)
	}
	since := time.Now()
	srv.FailNext(1, digicerttest.Fault{Kind: providertest.FaultLostAnswer})
	req := orderReq("lost.example.com")
	_, err := c.Order(ctx, req)
	requireKind(t, err, model.ErrUnavailable, anyca.OrderOutcomeUnknown)
	found, err := anyca.FindOrder(ctx, c, req, since)
	require.NoError(t, err)
	assert.Equal(t, []string{"lost.example.com"}, found.DNSNames)
	assert.Equal(t, map[string]int{"lost.example.com": 1, "other.example.com": 3}, srv.OrdersPlaced())
	_, err = anyca.FindOrder(ctx, c, orderReq("never.example.com"), since)
	require.True(t, errors.Is(err, model.ErrNotFound), "%v", err)
}
