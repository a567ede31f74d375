package acme

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"regexp"
	"slices"
	"strings"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/internal/chain"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// postAsGet sends a POST-as-GET to u and returns the raw 2xx body and header, for the
// answers acmez has no call for (the orders list, the certificate chain without its
// alternates and ARI side requests). acmez signs it, resends it on badNonce and reads
// it through the transport, which keeps the body.
func (c *Client) postAsGet(ctx context.Context, op, u string) ([]byte, http.Header, error) {
	acct, err := c.account(ctx, op)
	if err != nil {
		return nil, nil, err
	}
	st, err := c.do(ctx, op, "", "", true, func(ctx context.Context) error {
		_, err := c.ac.GetOrder(ctx, acct, acmez.Order{Location: u})
		if st := callOf(ctx).snapshot(); st.body != nil && st.status >= 200 && st.status < 300 {
			return nil // the body is the answer, whatever acmez made of it
		}
		if err == nil {
			err = errors.New("no answer body")
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return st.body, st.header, nil
}

// getOrder reads the order at id (checked to be on the CA's origin).
func (c *Client) getOrder(ctx context.Context, op, id string) (acmez.Order, error) {
	u, err := c.checkID(op, id)
	if err != nil {
		return acmez.Order{}, err
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return acmez.Order{}, err
	}
	var o acmez.Order
	if _, err := c.do(ctx, op, "", "", false, func(ctx context.Context) (err error) {
		o, err = c.ac.GetOrder(ctx, acct, acmez.Order{Location: u})
		return err
	}); err != nil {
		return o, err
	}
	if o.Status == "" || o.Finalize == "" {
		return o, model.NewError(c.name, op, model.ErrUnavailable, "the answer for %s is not an ACME order (is it an order URL?)", truncate(u, 120))
	}
	o.Location = u
	return o, nil
}

// Certificate returns the order id as a certificate: status from the order (and, for a
// pending order, its authorizations), names from its identifiers (the common name the
// order was placed with first), and for an issued one the serial, SHA-1 fingerprint and
// dates of the leaf, which is fetched once and then kept with the order's record.
func (c *Client) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	o, err := c.getOrder(ctx, "Certificate", id)
	if err != nil {
		return nil, err
	}
	return c.certificateOf(ctx, "Certificate", o, true)
}

// certificateOf maps order o; readAuthzs reads the authorizations of a pending order
// to report it rejected when the CA refused one (false only for an order just made).
func (c *Client) certificateOf(ctx context.Context, op string, o acmez.Order, readAuthzs bool) (*model.Certificate, error) {
	rec, _ := c.state.get(o.Location)
	cert := &model.Certificate{Provider: c.name, ID: o.Location, Level: model.LevelDV, VendorStatus: o.Status,
		Product: o.Profile, CreatedAt: rec.Created.UTC(), ReplacesID: rec.Replaces}
	if cert.Product == "" {
		cert.Product = rec.Profile
	}
	var names []string
	names = append(names, rec.Names...)
	for _, id := range o.Identifiers {
		if n, err := model.NormalizeDomain(id.Value); err == nil && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		cert.CommonName, cert.DNSNames = names[0], names
	}
	switch o.Status {
	case acmez.StatusPending:
		cert.Status = model.StatusPending
		if !readAuthzs {
			break
		}
		if failed, err := c.anyAuthzInvalid(ctx, op, o); err != nil {
			return nil, err
		} else if failed {
			cert.Status = model.StatusRejected
		}
	case acmez.StatusReady, acmez.StatusProcessing:
		cert.Status = model.StatusPending
	case acmez.StatusInvalid:
		cert.Status = model.StatusRejected
	case acmez.StatusValid:
		cert.Status = model.StatusIssued
		leaf, err := c.leaf(ctx, op, o)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(leaf.Raw)
		cert.SerialNumber = hex.EncodeToString(leaf.SerialNumber.Bytes())
		cert.FingerprintSHA1 = hex.EncodeToString(sum[:])
		cert.NotBefore, cert.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
		if r, ok := c.state.get(o.Location); ok && r.Revoked {
			cert.Status = model.StatusRevoked
		} else if !c.now().Before(cert.NotAfter) {
			cert.Status = model.StatusExpired
		}
	default:
		cert.Status = model.StatusUnknown
	}
	return cert, nil
}

// anyAuthzInvalid reports whether a pending order has an authorization the CA refused.
func (c *Client) anyAuthzInvalid(ctx context.Context, op string, o acmez.Order) (bool, error) {
	for _, a := range o.Authorizations {
		authz, err := c.authorization(ctx, op, a)
		if err != nil {
			return false, err
		}
		if authz.Status == acmez.StatusInvalid {
			return true, nil
		}
	}
	return false, nil
}

// leaf returns the issued leaf of a valid order: from its record, or fetched once (the
// chain's first certificate) and kept.
func (c *Client) leaf(ctx context.Context, op string, o acmez.Order) (*x509.Certificate, error) {
	if r, ok := c.state.get(o.Location); ok && len(r.Leaf) > 0 {
		if l, err := x509.ParseCertificate(r.Leaf); err == nil {
			return l, nil
		}
	}
	b, err := c.chain(ctx, op, o)
	if err != nil {
		return nil, err
	}
	return b.Leaf, nil
}

// chain downloads the certificate chain of a valid order and remembers its leaf.
func (c *Client) chain(ctx context.Context, op string, o acmez.Order) (*model.Bundle, error) {
	if o.Certificate == "" {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "the CA reports order %s valid without a certificate URL", truncate(o.Location, 120))
	}
	if _, err := c.checkID(op, o.Certificate); err != nil {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "the certificate URL of order %s is not on the CA's origin", truncate(o.Location, 120))
	}
	body, _, err := c.postAsGet(ctx, op, o.Certificate)
	if err != nil {
		return nil, err
	}
	b, err := chain.Parse(body)
	if err != nil {
		return nil, &model.Error{Provider: c.name, Op: op, Kind: model.ErrUnavailable, Message: "the certificate download is not a PEM chain", Err: err}
	}
	// The leaf must name every identifier of the order, and each certificate be signed
	// by the next, as for every adapter's download.
	var names []string
	for _, id := range o.Identifiers {
		names = append(names, id.Value)
	}
	if code, sentinel, err := chain.Check(b, &model.Certificate{DNSNames: model.NormalizeDomains(names)}); err != nil {
		e := model.NewError(c.name, op, model.ErrUnavailable, "%s", c.line(err.Error(), 300))
		e.Code, e.Err = code, sentinel
		return nil, e
	}
	if err := c.state.update(o.Location, func(r *record) { r.Leaf = b.Leaf.Raw }); err != nil {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "remembering the leaf in state_dir: %v", err)
	}
	return b, nil
}

// Download returns the issued certificate and its chain. A ready order is finalized
// first with the CSR given to Order (kept in StateDir or memory); a ready order whose
// CSR this Client does not know, a pending one or a refused one is
// model.ErrFailedPrecondition. The finalize request is sent at most once.
//
// An order placed through this Client and not finalized yet is finalized without
// reading it first: a CA whose order is not ready answers orderNotReady (RFC 8555
// §7.4), and only then is the order read, for the precise error.
func (c *Client) Download(ctx context.Context, certificateID string) (*model.Bundle, error) {
	const op = "Download"
	u, err := c.checkID(op, certificateID)
	if err != nil {
		return nil, err
	}
	if r, ok := c.state.get(u); ok && len(r.CSR) > 0 && r.Finalize != "" && !r.Finalized && !r.Revoked && len(r.Leaf) == 0 {
		fin, st, err := c.finalize(ctx, op, acmez.Order{Location: u, Finalize: r.Finalize, Status: acmez.StatusReady}, r.CSR)
		if err == nil {
			return c.chain(ctx, op, fin)
		}
		if st.problem != "orderNotReady" {
			return nil, err
		}
	}
	o, err := c.getOrder(ctx, op, u)
	if err != nil {
		return nil, err
	}
	switch o.Status {
	case acmez.StatusValid:
	case acmez.StatusReady:
		r, ok := c.state.get(o.Location)
		if !ok || len(r.CSR) == 0 {
			return nil, model.NewError(c.name, op, model.ErrFailedPrecondition,
				"order %s is ready to be finalized, but its CSR is unknown here (it was not placed through anyca with this state_dir); finalize it where it was ordered", truncate(o.Location, 120))
		}
		if o, _, err = c.finalize(ctx, op, o, r.CSR); err != nil {
			return nil, err
		}
	case acmez.StatusProcessing:
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "the CA is still issuing order %s; try again shortly", truncate(o.Location, 120))
	case acmez.StatusInvalid:
		msg := "the CA refused order %s"
		if o.Error != nil {
			msg += ": " + strings.ReplaceAll(c.line(problemText(*o.Error), 300), "%", "%%")
		}
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, msg, truncate(o.Location, 120))
	default:
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "order %s is %s: its domains are not validated yet", truncate(o.Location, 120), o.Status)
	}
	if r, ok := c.state.get(o.Location); ok && r.Revoked {
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "certificate %s is revoked", truncate(o.Location, 120))
	}
	return c.chain(ctx, op, o)
}

// finalize sends order o's finalize request with csr, at most once, and waits for the
// order to be issued. It is remembered as sent before it goes, so that a later
// Download reads the order instead of finalizing again. o's Status is what the caller
// believes (ready): acmez polls the order only when the CA answers it is processing,
// and a refusal (orderNotReady) ends the call with that outcome problem.
func (c *Client) finalize(ctx context.Context, op string, o acmez.Order, csr []byte) (acmez.Order, outcome, error) {
	acct, err := c.account(ctx, op)
	if err != nil {
		return o, outcome{}, err
	}
	if err := c.state.update(o.Location, func(r *record) { r.Finalized = true }); err != nil {
		return o, outcome{}, model.NewError(c.name, op, model.ErrUnavailable, "remembering the finalize in state_dir: %v", err)
	}
	var fin acmez.Order
	st, err := c.do(ctx, op, o.Finalize, CodeOutcomeUnknown, false, func(ctx context.Context) (err error) {
		fin, err = c.ac.FinalizeOrder(ctx, acct, o, csr)
		return err
	})
	if err != nil {
		return o, st, err
	}
	fin.Location = o.Location
	return fin, st, nil
}

// ordersOf lists the order URLs of the account: its orders list where the CA offers one
// (following Link rel="next"), else the orders in the state.
func (c *Client) orderURLs(ctx context.Context, op string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		acct, err := c.account(ctx, op)
		if err != nil {
			yield("", err)
			return
		}
		if acct.Orders == "" {
			if !c.state.persistent() {
				yield("", model.NewError(c.name, op, model.ErrUnsupported,
					"this CA has no orders list, and without a state_dir anyca keeps no record of the orders placed"))
				return
			}
			for _, r := range c.state.all() {
				if r.URL != "" && !yield(r.URL, nil) {
					return
				}
			}
			return
		}
		if _, err := c.checkID(op, acct.Orders); err != nil {
			yield("", model.NewError(c.name, op, model.ErrUnavailable, "the account's orders list is not on the CA's origin"))
			return
		}
		seen := map[string]bool{}
		pages := map[string]bool{}
		next := acct.Orders
		for n := 0; next != ""; n++ {
			if pages[next] || n >= maxPages {
				yield("", &model.Error{Provider: c.name, Op: op, Kind: model.ErrUnavailable, Code: "pagination_stalled",
					Message: "the CA's orders list does not end (a page repeats or there are more than 1000 pages)"})
				return
			}
			pages[next] = true
			if err := ctx.Err(); err != nil {
				yield("", &model.Error{Provider: c.name, Op: op, Kind: err, Err: err})
				return
			}
			body, header, err := c.postAsGet(ctx, op, next)
			if err == nil {
				err = ctx.Err() // an answer that came as the context ended is not read
				if err != nil {
					err = &model.Error{Provider: c.name, Op: op, Kind: err, Err: err}
				}
			}
			if err != nil {
				yield("", err)
				return
			}
			var page struct {
				Orders []json.RawMessage `json:"orders"`
			}
			if err := json.Unmarshal(body, &page); err != nil || page.Orders == nil {
				// Not the document asked for: a wrong directory URL, a proxy's JSON.
				yield("", retry.UnexpectedDocument(c.name, op, http.StatusOK, "an ACME orders list", "orders"))
				return
			}
			urls := make([]string, 0, len(page.Orders))
			for _, raw := range page.Orders {
				var u string
				if err := json.Unmarshal(raw, &u); err != nil || u == "" {
					yield("", &model.Error{Provider: c.name, Op: op, Kind: model.ErrUnavailable, Err: retry.ErrMalformedResponse,
						Message: "an entry of the orders list is not an order URL"})
					return
				}
				urls = append(urls, u)
			}
			for _, u := range urls {
				if seen[u] || len(seen) >= maxListed {
					continue
				}
				seen[u] = true
				if !yield(u, nil) {
					return
				}
			}
			next = ""
			for _, l := range linkNext(header) {
				if _, err := c.checkID(op, l); err == nil {
					next = l
				}
			}
		}
	}
}

// maxPages and maxListed bound a listing of the account's orders.
const (
	maxPages  = 1000
	maxListed = 100000
)

var linkRE = regexp.MustCompile(`<([^>]+)>\s*;\s*rel="?next"?`)

// linkNext returns the Link rel="next" targets of a header.
func linkNext(h http.Header) []string {
	var out []string
	for _, l := range h.Values("Link") {
		for _, m := range linkRE.FindAllStringSubmatch(l, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// Certificates lists the account's orders as certificates (the orders list where the
// CA offers one, else the orders placed through anyca and kept in StateDir; without
// either, model.ErrUnsupported), filtered by q.Status and q.Search (a substring of a
// name). The CA picks its page size; q.PageSize is not sent. Each order is read once.
func (c *Client) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	const op = "Certificates"
	search := strings.ToLower(strings.TrimSpace(q.Search))
	return func(yield func(*model.Certificate, error) bool) {
		for u, err := range c.orderURLs(ctx, op) {
			if err != nil {
				yield(nil, err)
				return
			}
			o, err := c.getOrder(ctx, op, u)
			if err != nil {
				var me *model.Error
				if errors.As(err, &me) && me.Kind == model.ErrNotFound {
					continue // an order the CA no longer keeps
				}
				yield(nil, err)
				return
			}
			cert, err := c.certificateOf(ctx, op, o, true)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(q.Status) > 0 && !slices.Contains(q.Status, cert.Status) {
				continue
			}
			if search != "" && !slices.ContainsFunc(cert.DNSNames, func(n string) bool { return strings.Contains(n, search) }) {
				continue
			}
			if !yield(cert, nil) {
				return
			}
		}
	}
}
