package acme

import (
	"bytes"
	"context"
	"slices"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/model"
)

// Order places a new order for req.Names, after model.CheckOrder (a mistake costs no
// request). Product is the ACME profile ("shortlived"; "" the CA's default), Replaces the
// ID of the certificate this one renews, sent as ARI's "replaces" (the CA must offer
// ARI). Method is remembered as the challenge Verify answers by default. A Validity is
// refused with model.ErrInvalidArgument: ACME CAs set the lifetime by profile.
//
// The CSR is kept with the order (in StateDir, or in memory), for Download to finalize
// it. The newOrder request reaches the CA at most once; when its answer is lost the
// error is model.ErrUnavailable with code CodeOrderOutcomeUnknown, and FindOrder finds
// the order if it was made, where the CA lists the account's orders. Let's Encrypt does
// not: there FindOrder is model.ErrNotFound whether or not the order was made (one made
// stays pending until it expires, at no cost but a count against the CA's new-orders
// limit), and the way on is to order again.
func (c *Client) Order(ctx context.Context, req model.OrderRequest) (*model.Certificate, error) {
	const op = "Order"
	checked, err := model.CheckOrder(c.name, req)
	if err != nil {
		return nil, err
	}
	req = checked.Request
	if req.Validity != 0 {
		return nil, c.invalid(op, "ACME CAs choose the validity by profile: leave Validity 0 and name a profile in Product (for example shortlived)")
	}
	if req.Method != "" && !slices.Contains(ChallengeTypes(), req.Method) {
		return nil, c.invalid(op, "method %q is not an ACME challenge type (%v)", req.Method, ChallengeTypes())
	}
	dir, err := c.directory(ctx, op)
	if err != nil {
		return nil, err
	}
	if req.Product != "" && (dir.Meta == nil || dir.Meta.Profiles[req.Product] == "") {
		var offered []string
		if dir.Meta != nil {
			for p := range dir.Meta.Profiles {
				offered = append(offered, p)
			}
		}
		slices.Sort(offered)
		return nil, c.invalid(op, "profile %q is not offered by this CA (offered: %v)", req.Product, offered)
	}
	order := acmez.Order{Profile: req.Product}
	for _, n := range req.Names {
		order.Identifiers = append(order.Identifiers, acmez.Identifier{Type: "dns", Value: n})
	}
	var replaces string
	if req.Replaces != "" {
		if dir.RenewalInfo == "" {
			return nil, model.NewError(c.name, op, model.ErrUnsupported, "this CA offers no renewal information (ARI), so an order cannot say what it replaces")
		}
		o, err := c.getOrder(ctx, op, req.Replaces)
		if err != nil {
			return nil, err
		}
		if o.Status != acmez.StatusValid {
			return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "the certificate to replace (%s) is not issued", truncate(o.Location, 120))
		}
		leaf, err := c.leaf(ctx, op, o)
		if err != nil {
			return nil, err
		}
		if order.Replaces, err = CertID(leaf); err != nil {
			return nil, c.invalid(op, "the certificate to replace: %v", err)
		}
		replaces = o.Location
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return nil, err
	}
	// The intent is kept before the request, so that FindOrder can tie an order made
	// with a lost answer to its CSR.
	intent, err := c.state.add(record{Names: req.Names, CSR: req.CSR, Created: c.now().UTC().Truncate(time.Second),
		Method: string(req.Method), Profile: req.Product, Replaces: replaces})
	if err != nil {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "remembering the order in state_dir: %v", err)
	}
	var made acmez.Order
	if _, err := c.do(ctx, op, dir.NewOrder, CodeOrderOutcomeUnknown, false, func(ctx context.Context) (err error) {
		made, err = c.ac.NewOrder(ctx, acct, order)
		return err
	}); err != nil {
		return nil, err
	}
	if _, err := c.checkID(op, made.Location); err != nil {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "the CA answered newOrder without an order URL on its origin")
	}
	intent.URL, intent.Authzs, intent.Finalize = made.Location, made.Authorizations, made.Finalize
	if err := c.state.put(intent); err != nil {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "remembering the order in state_dir: %v", err)
	}
	// The order was just made: its authorizations are new (or reused valid ones), so a
	// pending order has none the CA refused, and they are not read back.
	return c.certificateOf(ctx, op, made, false)
}

// FindOrder finds the order an Order call for req made at or after since, after that
// call failed with CodeOrderOutcomeUnknown: first among the orders recorded with their
// URL (for req's names and, a record being made by another call otherwise, req's CSR),
// then in the account's orders list among orders this Client has no record of
// (which it then ties to the intent's CSR, so that Download can finalize it). It
// returns the newest match, or model.ErrNotFound. On a CA without an orders list (Let's
// Encrypt) an order whose newOrder answer was lost has no URL anyca knows: it is not
// found, and model.ErrNotFound then does not mean the CA made no order.
func (c *Client) FindOrder(ctx context.Context, req model.OrderRequest, since time.Time) (*model.Certificate, error) {
	const op = "FindOrder"
	var want []string
	for _, n := range req.Names {
		norm, err := model.NormalizeDomain(n)
		if err != nil {
			return nil, c.invalid(op, "%v", err)
		}
		if !slices.Contains(want, norm) {
			want = append(want, norm)
		}
	}
	if len(want) == 0 {
		return nil, c.invalid(op, "the request has no names")
	}
	cutoff := since.Add(-time.Second)
	// The CSR, in the DER form Order keeps, tells apart two orders for the same names
	// placed within the cutoff's second (a renewal with a new key right after an order).
	var csr []byte
	if checked, err := model.CheckOrder(c.name, req); err == nil {
		csr = checked.Request.CSR
	}
	var intent *record
	recorded := c.state.all()
	slices.Reverse(recorded) // newest first: the first match is the newest
	for _, r := range recorded {
		if !sameNames(r.Names, want) || r.Created.Before(cutoff) || (csr != nil && len(r.CSR) > 0 && !bytes.Equal(r.CSR, csr)) {
			continue
		}
		if r.URL == "" {
			if intent == nil {
				rr := r
				intent = &rr
			}
			continue
		}
		return c.Certificate(ctx, r.URL)
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return nil, err
	}
	if acct.Orders != "" {
		var best *model.Certificate
		for u, err := range c.orderURLs(ctx, op) {
			if err != nil {
				return nil, err
			}
			if _, known := c.state.get(u); known {
				continue
			}
			o, err := c.getOrder(ctx, op, u)
			if err != nil {
				continue
			}
			var names []string
			for _, id := range o.Identifiers {
				names = append(names, id.Value)
			}
			if !sameNames(model.NormalizeDomains(names), want) || o.Status == acmez.StatusInvalid {
				continue
			}
			if best, err = c.certificateOf(ctx, op, o, true); err != nil {
				return nil, err
			}
		}
		if best != nil {
			if intent != nil {
				intent.URL = best.ID
				_ = c.state.put(*intent)
				best.CreatedAt = intent.Created
			}
			return best, nil
		}
	}
	if acct.Orders == "" {
		return nil, model.NewError(c.name, op, model.ErrNotFound, "no order for %v made since %s among the orders recorded; "+
			"this CA has no account orders list, so an order whose newOrder answer was lost cannot be found "+
			"(if the CA made it, it stays pending until it expires): order again", want, since.UTC().Format(time.RFC3339))
	}
	return nil, model.NewError(c.name, op, model.ErrNotFound, "no order for %v made since %s", want, since.UTC().Format(time.RFC3339))
}

// sameNames compares two lists of normalized names as sets.
func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, n := range a {
		if !slices.Contains(b, n) {
			return false
		}
	}
	return true
}
