package memca

import (
	"context"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/orderfind"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// The whole life of a certificate on the in-memory CA: Order (the create request at
// most once), FindOrder, Revoke, Cancel and RenewalInfo, and the bugs that break each
// promise the suite's Lifecycle checks prove.

var (
	_ anyca.Orderer        = (*Provider)(nil)
	_ anyca.OrderFinder    = (*Provider)(nil)
	_ anyca.Revoker        = (*Provider)(nil)
	_ anyca.Canceller      = (*Provider)(nil)
	_ anyca.RenewalAdvisor = (*Provider)(nil)
)

// DefaultValidity is the validity of an order that asks for none: a short-lived
// certificate, whose renewal window (its last third, 2 days) no fixed "30 days before
// expiry" rule gets right. MaxValidity is the longest the memory CA sells (it sells
// whole days, at least one).
const (
	DefaultValidity = 6 * 24 * time.Hour
	MaxValidity     = 397 * 24 * time.Hour
)

// LifecycleBugs break the lifecycle's promises on purpose.
type LifecycleBugs struct {
	CSRCheckedByServer bool // Order sends a bad CSR to the server, which refuses it, instead of refusing it first
	RetriesCreate      bool // the create request is sent again after its outcome became unknown
	FindOrderNoSlack   bool // FindOrder compares the CA's whole-second creation times with since, without slack
	IDNotAtOnce        bool // Order returns the order's request id, which Certificate does not know yet
	ReplacesDropped    bool // a renewal does not record the certificate it replaces
	FixedRenewalWindow bool // RenewalInfo answers "30 days before expiry", whatever the lifetime
	RevokeNotDone      bool // Revoke of an issued certificate answers done and revokes nothing
	RevokeAgainFails   bool // revoking a revoked certificate is an error
	RevokeAnyReason    bool // a reason the CA does not know is accepted (as unspecified)
	RevokeUnissued     bool // revoking an order not issued (pending, cancelled) answers done
	CancelNotDone      bool // Cancel answers done and cancels nothing
	CancelAgainFails   bool // cancelling a cancelled order is an error
	CancelIssued       bool // cancelling an issued or revoked certificate answers done
}

// order is what the server keeps of a certificate made by Order.
type order struct {
	validity time.Duration
	key      any    // the CSR's public key, certified at issuance
	request  string // the id Order returns with Bugs.Lifecycle.IDNotAtOnce
}

// OrdersPlaced returns how many orders the server made for each set of names (sorted,
// joined by ","), what the suite counts duplicates and losses with.
func (s *Server) OrdersPlaced() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.placed))
	for k, v := range s.placed {
		out[k] = v
	}
	return out
}

// Order asks the memory CA for a certificate. The request is checked with
// model.CheckOrder first; the create request then reaches the server at most once: it
// is sent again only after a 429, and a fault that may have come after the server
// carried it out is model.ErrUnavailable with code anyca.OrderOutcomeUnknown.
func (p *Provider) Order(ctx context.Context, req model.OrderRequest) (*model.Certificate, error) {
	const op = "Order"
	bugs := p.bugs().Lifecycle
	checked, err := model.CheckOrder(p.name, req)
	if err != nil && !bugs.CSRCheckedByServer {
		return nil, err
	}
	if err == nil {
		if err := checkValidity(p, checked.Request.Validity); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, &model.Error{Provider: p.name, Op: op, Kind: err, Err: err}
		}
		v, ok := servers.Load(p.url)
		if !ok {
			return nil, p.errorf(op, model.ErrUnavailable, "the server is closed")
		}
		s := v.(*Server)
		if err := p.wait(ctx, s, op); err != nil {
			return nil, err
		}
		c, e, unknown := p.createOnce(ctx, s, req, checked)
		if e == nil {
			return c, nil
		}
		e.Provider, e.Op = p.name, op
		again := attempt < p.retry.MaxAttempts &&
			(e.Kind == model.ErrRateLimited || unknown && bugs.RetriesCreate)
		if !again {
			if unknown {
				return nil, p.outcomeUnknown(e)
			}
			return nil, e
		}
		wait := p.retry.MinWait << (attempt - 1)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		if !s.retryWait(ctx, min(wait, p.retry.MaxWait)) {
			return nil, &model.Error{Provider: p.name, Op: op, Kind: ctx.Err(), HTTPStatus: e.HTTPStatus, Err: ctx.Err()}
		}
	}
}

// checkValidity refuses a validity shorter than the one day the memory CA sells.
func checkValidity(p *Provider, d time.Duration) error {
	if d != 0 && d < 24*time.Hour {
		return p.errorf("Order", model.ErrInvalidArgument, "validity %s is shorter than the shortest the CA sells (1 day)", d)
	}
	return nil
}

// outcomeUnknown is the error of a create request whose answer was lost, as
// retry.Client reports it.
func (p *Provider) outcomeUnknown(cause *model.Error) *model.Error {
	what := cause.Message
	if what == "" && cause.Err != nil {
		what = cause.Err.Error()
	}
	return &model.Error{Provider: p.name, Op: "Order", Kind: model.ErrUnavailable, Code: retry.OutcomeUnknown,
		HTTPStatus: cause.HTTPStatus, Err: cause.Err,
		Message: "the create request may have reached the CA and its answer was lost (" + what + "): find what it made before sending it again"}
}

// createOnce is one create request: the fault it meets, the key check, the order made.
// unknown says that the request may have been carried out and its answer lost.
func (p *Provider) createOnce(ctx context.Context, s *Server, req model.OrderRequest, checked model.CheckedOrder) (c *model.Certificate, e *model.Error, unknown bool) {
	s.requests.Add(1)
	carryOut := func() (*model.Certificate, *model.Error) {
		if e := s.checkKey(p.key.Reveal()); e != nil {
			return nil, e
		}
		if checked.CSR == nil { // Bugs.Lifecycle.CSRCheckedByServer: the server's own check
			_, err := model.CheckOrder(p.name, req)
			var me *model.Error
			if errors.As(err, &me) {
				me.HTTPStatus = 400
				return nil, me
			}
		}
		return s.place(checked), nil
	}
	f, faulty := s.nextFault()
	if !faulty {
		c, e := carryOut()
		return c, e, false
	}
	switch f.Kind {
	case fakeca.RateLimit, fakeca.ServerError, fakeca.HTMLError, fakeca.Reset, fakeca.ForeignDocument,
		fakeca.Redirect, fakeca.EchoRequest:
		// Answered before the server carried anything out: a 429 and the definite
		// refusals are known; a 5xx or a connection lost after the request was sent is
		// unknown to the client.
		e := s.fault(ctx, f)
		if e == nil {
			break
		}
		return nil, e, e.Kind == model.ErrUnavailable && e.Code != wire.NotVendor404Code && e.Code != "redirect_refused" && e.Code != "unexpected_document"
	case fakeca.Slow:
		if !p.sleepAnswer(ctx, f.Delay) {
			return nil, p.timedOut(ctx), true // the client gave up before the server read it all
		}
	case fakeca.Truncated, fakeca.LostAnswer, fakeca.HugeBody, fakeca.WrongType, fakeca.WrongScalar:
		if f.Kind == fakeca.HugeBody && s.hostile(ctx, f) == nil || (f.Kind == fakeca.WrongType || f.Kind == fakeca.WrongScalar) && f.Field >= documentFields {
			break // an answer the client reads as it is
		}
		if _, e := carryOut(); e != nil {
			return nil, e, false
		}
		return nil, &model.Error{Kind: model.ErrUnavailable, Err: io.ErrUnexpectedEOF, Message: "the answer was lost after the request was read (" + f.Kind.String() + ")"}, true
	case fakeca.StalledAnswer:
		c, e := carryOut()
		if e != nil {
			return nil, e, false
		}
		if !p.sleepAnswer(ctx, f.Delay) {
			return nil, p.timedOut(ctx), true
		}
		return c, nil, false
	}
	c, e = carryOut()
	return c, e, false
}

// sleepAnswer waits d (0: 30 s) for an answer, bounded by the client's timeout and ctx;
// false when the client gave up first.
func (p *Provider) sleepAnswer(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		d = 30 * time.Second
	}
	if p.timeout > 0 && p.timeout < d {
		sleep(ctx, p.timeout)
		return false
	}
	return sleep(ctx, d)
}

// timedOut is the error of an answer the client stopped waiting for.
func (p *Provider) timedOut(ctx context.Context) *model.Error {
	if err := ctx.Err(); err != nil {
		return &model.Error{Kind: model.ErrUnavailable, Err: err, Message: "the context ended while the answer was awaited"}
	}
	return &model.Error{Kind: model.ErrUnavailable, Err: errClientTimeout, Message: errClientTimeout.Error()}
}

// errClientTimeout is the cause of an answer that did not come within the HTTP client's
// timeout.
var errClientTimeout = errors.New("no answer within the HTTP client's timeout")

// placedKey names an order's names in Server.OrdersPlaced.
func placedKey(names []string) string {
	n := slices.Clone(names)
	slices.Sort(n)
	return strings.Join(n, ",")
}

// place makes the order of a checked request: a pending certificate with a DNS
// challenge per name, created at the current whole second (CAs report whole seconds).
func (s *Server) place(o model.CheckedOrder) *model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := o.Request
	id := s.certID(len(s.certs) + 1)
	for _, taken := s.certByID[id]; taken; _, taken = s.certByID[id] {
		id += "x"
	}
	validity := req.Validity
	if validity == 0 {
		validity = DefaultValidity
	}
	validity = min(validity.Truncate(24*time.Hour), MaxValidity)
	c := model.Certificate{
		ID: id, Provider: s.Name, CommonName: req.Names[0], DNSNames: slices.Clone(req.Names),
		Status: model.StatusPending, VendorStatus: string(model.StatusPending), Level: model.LevelDV,
		CreatedAt: time.Now().UTC().Truncate(time.Second), Product: req.Product,
	}
	if _, ok := s.certByID[req.Replaces]; ok && !s.Bugs.Lifecycle.ReplacesDropped {
		c.ReplacesID = req.Replaces
	}
	s.certs = append(s.certs, c)
	sort.Slice(s.certs, func(i, j int) bool { return s.certs[i].ID < s.certs[j].ID })
	for i, c := range s.certs {
		s.certByID[c.ID] = i
	}
	var chs []model.Challenge
	for _, n := range req.Names {
		chs = append(chs, model.Challenge{Domain: n, Type: model.ChallengeDNSTXT, Status: model.ValidationPending,
			RecordName: "_memca-challenge." + n, RecordValue: "memca-" + id + "-" + n})
	}
	s.challenges[id] = chs
	if s.orders == nil {
		s.orders, s.placed = map[string]*order{}, map[string]int{}
	}
	s.orders[id] = &order{validity: validity, key: o.CSR.PublicKey, request: "req-" + id}
	s.placed[placedKey(req.Names)]++
	out := c.Clone()
	if s.Bugs.Lifecycle.IDNotAtOnce {
		out.ID = s.orders[id].request
	}
	return &out
}

// issueIfValidated issues an order whose every challenge is valid: dates from now, a
// leaf certifying the CSR's key. The caller holds s.mu.
func (s *Server) issueIfValidated(id string) {
	o, ok := s.orders[id]
	if !ok {
		return
	}
	i := s.certByID[id]
	c := &s.certs[i]
	if c.Status != model.StatusPending {
		return
	}
	for _, ch := range s.challenges[id] {
		if ch.Status != model.ValidationValid {
			return
		}
	}
	now := time.Now().UTC().Truncate(time.Second)
	leaf, err := fakeca.TestPKI().Issue(fakeca.LeafSpec{Seed: s.URL + id, Names: c.DNSNames, NotBefore: now, NotAfter: now.Add(o.validity), PublicKey: o.key})
	if err != nil {
		return
	}
	if s.leaves == nil {
		s.leaves = map[string]*fakeca.Leaf{}
	}
	s.leaves[id] = leaf
	c.Status, c.VendorStatus = model.StatusIssued, string(model.StatusIssued)
	c.NotBefore, c.NotAfter = now, now.Add(o.validity)
	c.SerialNumber, c.FingerprintSHA1 = leaf.Serial, leaf.SHA1
}

// FindOrder finds the order an Order call for req made at or after since: one request,
// then the newest certificate whose names equal req's and whose creation time passes
// anyca.OrderMatches.
func (p *Provider) FindOrder(ctx context.Context, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	const op = "FindOrder"
	want, err := orderfind.Names(p.name, op, req.Names)
	if err != nil {
		return nil, err
	}
	s, err := p.call(ctx, op)
	if err != nil {
		return nil, err
	}
	certs := s.certMatches(nil, "")
	sort.SliceStable(certs, func(i, j int) bool { return certs[i].CreatedAt.After(certs[j].CreatedAt) })
	for _, c := range certs {
		match := anyca.OrderMatches(&c, want, since)
		if s.Bugs.Lifecycle.FindOrderNoSlack {
			match = match && !c.CreatedAt.Before(since) // the bug: whole seconds against an exact time
		}
		if match {
			c = s.present(c)
			return &c, nil
		}
	}
	return nil, p.errorf(op, model.ErrNotFound, "no order for %v created since %s", want, since.UTC().Format(time.RFC3339))
}

// Revoke revokes an issued certificate; a revoked one is done. A reason the CA does not
// know is model.ErrInvalidArgument before any request; an order not issued is
// model.ErrFailedPrecondition.
func (p *Provider) Revoke(ctx context.Context, certificateID string, reason model.RevocationReason) error {
	const op = "Revoke"
	bugs := p.bugs().Lifecycle
	if _, ok := reason.Code(); !ok && !bugs.RevokeAnyReason {
		return p.errorf(op, model.ErrInvalidArgument, "unknown revocation reason %q (one of %v)", reason, model.RevocationReasons())
	}
	s, c, err := p.callFor(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch c.Status {
	case model.StatusRevoked:
		if bugs.RevokeAgainFails {
			return p.errorf(op, model.ErrFailedPrecondition, "the certificate is already revoked")
		}
		return nil
	case model.StatusIssued:
		if bugs.RevokeNotDone {
			return nil
		}
		s.setStatus(certificateID, model.StatusRevoked)
		return nil
	}
	if bugs.RevokeUnissued {
		return nil
	}
	return p.errorf(op, model.ErrFailedPrecondition, "the certificate is %s: only an issued certificate can be revoked", c.Status)
}

// Cancel withdraws an order not issued yet; a cancelled one is done. An issued, revoked
// or expired certificate is model.ErrFailedPrecondition.
func (p *Provider) Cancel(ctx context.Context, certificateID string) error {
	const op = "Cancel"
	bugs := p.bugs().Lifecycle
	s, c, err := p.callFor(ctx, op, certificateID)
	if err != nil {
		return err
	}
	switch c.Status {
	case model.StatusCancelled:
		if bugs.CancelAgainFails {
			return p.errorf(op, model.ErrFailedPrecondition, "the order is already cancelled")
		}
		return nil
	case model.StatusPending, model.StatusDraft:
		if !bugs.CancelNotDone {
			s.setStatus(certificateID, model.StatusCancelled)
		}
		return nil
	}
	if bugs.CancelIssued {
		return nil
	}
	return p.errorf(op, model.ErrFailedPrecondition, "the certificate is %s: only an order not issued can be cancelled (revoke it instead)", c.Status)
}

// setStatus changes the status of the certificate with id.
func (s *Server) setStatus(id string, st model.CertificateStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.certByID[id]; ok {
		s.certs[i].Status, s.certs[i].VendorStatus = st, string(st)
	}
}

// RenewalInfo is model.ErrUnsupported: the memory CA gives no renewal advice, so
// anyca.RenewalWindow computes the window from the certificate's lifetime.
func (p *Provider) RenewalInfo(ctx context.Context, certificateID string) (*model.RenewalWindow, error) {
	const op = "RenewalInfo"
	if !p.bugs().Lifecycle.FixedRenewalWindow {
		return nil, p.errorf(op, model.ErrUnsupported, "the memory CA gives no renewal advice")
	}
	_, c, err := p.callFor(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	// The bug: the window of a 90-day certificate, whatever the certificate's lifetime.
	return &model.RenewalWindow{Start: c.NotAfter.Add(-30 * 24 * time.Hour), End: c.NotAfter}, nil
}
