package zerossl

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
)

// allVendorStatuses is sent when a listing asks for every state: some clients report
// empty lists without certificate_status.
const allVendorStatuses = "draft,pending_validation,issued,cancelled,revoked,expired"

// minSearchLen is the shortest search ZeroSSL applies (an older doc: shorter ones are
// ignored).
const minSearchLen = 4

// anyContains reports whether a name contains sub.
func anyContains(names []string, sub string) bool {
	for _, n := range names {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

// Certificate returns the certificate with ZeroSSL id id. Ids are opaque: an id that can
// never be one (wire.CheckID: '/', "..", a control character, over 256 bytes) is
// model.ErrInvalidArgument without a request; any other is looked up, escaped as one path
// segment, and an unknown one is model.ErrNotFound.
func (c *Client) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	const op = "Certificate"
	w, err := fetchAs[wireSummary](ctx, c, op, id)
	if err != nil {
		return nil, err
	}
	return c.mapSummary(op, w)
}

// lookup fetches the certificate with id and maps it, keeping the wire fields for DCV:
// the first step of every call on one certificate. An id of the wrong shape is
// model.ErrInvalidArgument without a request, an unreadable certificate a malformed
// response.
func (c *Client) lookup(ctx context.Context, op, id string) (certInfo, error) {
	w, err := fetchAs[wireCertificate](ctx, c, op, id)
	if err != nil {
		return certInfo{}, err
	}
	cert, err := c.mapOne(op, w)
	if err != nil {
		return certInfo{}, err
	}
	return certInfo{cert, w}, nil
}

// fetchAs gets one certificate object, read as W, after checking the id's shape.
func fetchAs[W any](ctx context.Context, c *Client, op, id string) (*W, error) {
	if !validID(id) {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "certificate id %s: %v", c.http.Quote(id), wire.CheckID(id))
	}
	if err := c.http.ContextError(ctx, op); err != nil {
		return nil, err
	}
	var w W
	if err := c.getDoc(ctx, op, "certificates/"+wire.PathSegment(id), nil, docCertificate, 0, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// mapOne maps a whole wire certificate, reporting an unreadable one as a malformed
// response.
func (c *Client) mapOne(op string, w *wireCertificate) (*model.Certificate, error) {
	return c.mapSummary(op, &w.wireSummary)
}

// mapSummary maps a wire certificate summary, reporting an unreadable one as a malformed
// response.
func (c *Client) mapSummary(op string, w *wireSummary) (*model.Certificate, error) {
	cert, err := mapCertificate(w)
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	return cert, nil
}

// Certificates lists the certificates matching q, newest first as ZeroSSL lists them,
// lazily page by page (limit q.PageSize, default 100, at most 1000). q.Status and
// q.Search are sent to the server (certificate_status, search; a search under 4
// characters, which ZeroSSL ignores, is also matched here as a substring of a name so the
// result is never widened); every status is named
// when q.Status is empty, and states ZeroSSL never has (rejected, unknown) are dropped, so
// a filter of only those yields nothing without a request. Each certificate is yielded
// once, even when the server repeats a page; paging stops at a short page or when
// total_count is reached. The first error ends the listing.
func (c *Client) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return func(yield func(*model.Certificate, error) bool) {
		want := map[model.CertificateStatus]bool{}
		var statuses []string
		for _, s := range q.Status {
			if v := VendorStatus(s); v != "" && !want[s] {
				want[s] = true
				statuses = append(statuses, v)
			}
		}
		if len(q.Status) > 0 && len(statuses) == 0 {
			return
		}
		filter := allVendorStatuses
		if len(statuses) > 0 {
			filter = strings.Join(statuses, ",")
		}
		search := strings.TrimSpace(q.Search)
		// ZeroSSL ignores searches under 4 characters and would list everything: match
		// those here (a case-insensitive substring of a name) rather than widen the query.
		short := ""
		if search != "" && len(search) < minSearchLen {
			short = strings.ToLower(search)
		}
		for w, err := range pagesOf(ctx, c, "Certificates", filter, search, q.PageSize, summaryID) {
			if err != nil {
				yield(nil, err)
				return
			}
			cert, err := c.mapSummary("Certificates", w)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(want) > 0 && !want[cert.Status] {
				continue // the server widened the filter; never pass that on
			}
			if short != "" && !anyContains(cert.DNSNames, short) {
				continue
			}
			if !yield(cert, nil) {
				return
			}
		}
	}
}

// pages yields the whole wire certificates of GET /certificates (see pagesOf).
func (c *Client) pages(ctx context.Context, op, statusFilter, search string, pageSize int) iter.Seq2[*wireCertificate, error] {
	return pagesOf(ctx, c, op, statusFilter, search, pageSize, func(w *wireCertificate) string { return summaryID(&w.wireSummary) })
}

// summaryID is the id the pager de-duplicates a certificate by.
func summaryID(w *wireSummary) string { return strings.TrimSpace(w.ID) }

// pagesOf yields the certificates of GET /certificates read as W, each id (given by id)
// once, through the pager (which owns termination and stops requesting when the consumer
// breaks).
func pagesOf[W any](ctx context.Context, c *Client, op, statusFilter, search string, pageSize int, id func(*W) string) iter.Seq2[*W, error] {
	limit := pageSize
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	return pager.Listing[*W]{
		Provider: Name, Op: op, Limit: limit, EndOnShortPage: true,
		ID: id,
		Fetch: func(ctx context.Context, r pager.Request) (pager.Page[*W], error) {
			q := url.Values{}
			q.Set("certificate_status", statusFilter)
			if search != "" {
				q.Set("search", search)
			}
			q.Set("limit", strconv.Itoa(r.Limit))
			q.Set("page", strconv.Itoa(r.Number))
			var list wireListOf[W]
			if err := c.getDoc(ctx, op, "certificates", q, docList, r.Limit, &list); err != nil {
				return pager.Page[*W]{}, err
			}
			p := pager.Page[*W]{Total: -1, Items: make([]*W, len(list.Results))}
			for i := range list.Results {
				p.Items[i] = &list.Results[i]
			}
			if list.TotalCount.Set {
				p.Total = list.TotalCount.N
			}
			if list.Limit.Set && list.Limit.N > 0 {
				p.Limit = int(list.Limit.N)
			}
			return p, nil
		},
	}.Seq(ctx)
}

// certInfo is a mapped certificate with the wire fields DCV needs.
type certInfo struct {
	cert *model.Certificate
	wire *wireCertificate
}

// Challenges returns what to publish to validate the domains of the certificate with id
// certificateID: per domain, in the certificate's order, a dns-cname (RecordName and
// RecordValue lower-case, no trailing dot), http-file and https-file (URL, Content = the
// file's lines joined by "\n") and email challenge (Emails), each only when ZeroSSL gave
// all its parts. Status follows the certificate (see ChallengeStatus); for email
// validation in progress it comes from GET /certificates/{id}/status when that answers
// (its error 2838 is ignored).
func (c *Client) Challenges(ctx context.Context, certificateID string) ([]model.Challenge, error) {
	const op = "Challenges"
	ci, err := c.lookup(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	return c.challenges(ctx, op, ci)
}

// challenges builds a certificate's challenges, asking /status for email validation.
func (c *Client) challenges(ctx context.Context, op string, ci certInfo) ([]model.Challenge, error) {
	if _, err := ci.wire.Validation.get(); err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	status := ChallengeStatus(ci.cert.Status)
	var emailStatus map[string]model.ValidationStatus
	if ci.cert.Status == model.StatusPending && Method(ci.wire.ValidationType) == model.ChallengeEmail {
		st, err := c.emailStatus(ctx, op, ci.cert.ID)
		if err != nil {
			return nil, err
		}
		emailStatus = st
	}
	chs, err := mapChallenges(ci.wire, ci.cert.DNSNames, status, emailStatus)
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	return chs, nil
}

// emailStatus reads GET /certificates/{id}/status: per domain, the email validation's
// state. Error 2838 (failed_getting_validation_status) gives nil, no error.
func (c *Client) emailStatus(ctx context.Context, op, id string) (map[string]model.ValidationStatus, error) {
	var ws wireStatus
	err := c.getDoc(ctx, op, "certificates/"+wire.PathSegment(id)+"/status", nil, docStatus, 0, &ws)
	var me *model.Error
	if errors.As(err, &me) && strings.HasPrefix(me.Code, "2838") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]model.ValidationStatus{}
	for d, det := range ws.Details {
		if s, ok := emailValidationStatus(string(det.Status)); ok {
			out[wire.ReportedDomain(d)] = s
		}
	}
	if ws.ValidationCompleted.V {
		for d := range out {
			out[d] = model.ValidationValid
		}
	}
	return out, nil
}

// DomainValidation reports the validation state of domain (normalized first; a malformed
// name is model.ErrInvalidArgument before any request). ZeroSSL validates per
// certificate, so the state is read from the newest certificate (by creation time) that
// is not cancelled and lists exactly this name: issued and unexpired -> valid until its
// expiry; issued past expiry, expired or revoked -> expired; draft or pending_validation
// -> pending, with that certificate's challenges for the domain. ID is the certificate's
// id; Method comes from its validation_type; Levels has one dv entry. No such
// certificate is model.ErrNotFound. The server-side search narrows the listing; names are
// always matched exactly here, and when the search finds nothing the account is scanned
// in full (search can miss SANs on large accounts).
func (c *Client) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	const op = "DomainValidation"
	name, err := model.NormalizeDomain(domain)
	if err != nil {
		return nil, &model.Error{Provider: Name, Op: op, Kind: model.ErrInvalidArgument, Message: strings.TrimPrefix(err.Error(), model.ErrInvalidArgument.Error()+": ")}
	}
	if err := c.http.ContextError(ctx, op); err != nil {
		return nil, err
	}
	for _, search := range []string{name, ""} {
		var best *certInfo
		for w, err := range c.pages(ctx, op, allVendorStatuses, search, MaxPageSize) {
			if err != nil {
				return nil, err
			}
			cert, err := c.mapOne(op, w)
			if err != nil {
				return nil, err
			}
			if !covers(cert, name) {
				continue
			}
			best = newer(best, certInfo{cert, w})
		}
		if best != nil {
			return c.domainValidation(ctx, op, name, *best)
		}
	}
	return nil, &model.Error{Provider: Name, Op: op, Kind: model.ErrNotFound,
		Message: "no certificate that is not cancelled lists " + name}
}

// covers reports whether cert counts for name's validation: it lists the name and is
// not cancelled.
func covers(cert *model.Certificate, name string) bool {
	if cert.Status == model.StatusCancelled {
		return false
	}
	for _, n := range cert.DNSNames {
		if n == name {
			return true
		}
	}
	return false
}

// newer returns the newer of best and ci by creation time; on a tie the one seen first
// (ZeroSSL lists newest first).
func newer(best *certInfo, ci certInfo) *certInfo {
	if best == nil || ci.cert.CreatedAt.After(best.cert.CreatedAt) {
		return &ci
	}
	return best
}

// domainValidation builds the report for name from the chosen certificate.
func (c *Client) domainValidation(ctx context.Context, op, name string, ci certInfo) (*model.DomainValidation, error) {
	cert := ci.cert
	dv := &model.DomainValidation{
		Provider:      Name,
		Domain:        name,
		ID:            cert.ID,
		CertificateID: cert.ID, // ZeroSSL has no domain record: DomainID stays ""
		VendorStatus:  cert.VendorStatus,
		Method:        Method(ci.wire.ValidationType),
		VendorMethod:  strings.TrimSpace(ci.wire.ValidationType),
	}
	var until time.Time
	switch cert.Status {
	case model.StatusIssued:
		if cert.IsExpired(c.now()) {
			dv.Status = model.ValidationExpired
		} else {
			dv.Status = model.ValidationValid
		}
		until = cert.NotAfter
	case model.StatusExpired, model.StatusRevoked:
		dv.Status = model.ValidationExpired
		until = cert.NotAfter
	case model.StatusDraft, model.StatusPending:
		dv.Status = model.ValidationPending
		chs, err := c.challenges(ctx, op, ci)
		if err != nil {
			return nil, err
		}
		for _, ch := range chs {
			if ch.Domain == name {
				dv.Challenges = append(dv.Challenges, ch)
			}
		}
	default:
		dv.Status = model.ValidationUnknown
	}
	dv.Levels = []model.LevelValidation{{Level: model.LevelDV, Status: dv.Status, VendorStatus: cert.VendorStatus, ValidUntil: until}}
	return dv, nil
}

// Domains lists every name on the account's certificates once, each reported as
// DomainValidation reports it: from the newest certificate that is not cancelled (names
// only on cancelled certificates are left out). q.Search keeps names containing it
// (case-insensitive substring). It is lazy: certificates are read page by page in
// ZeroSSL's order, newest first, and a name is yielded when the first certificate that
// is not cancelled and lists it is read, so breaking out stops any further request (of
// pages, and of the email-validation status a pending name needs). Names come in the
// order their newest certificates are listed, not sorted.
//
// The names yielded so far are kept in a set, and that set is what makes each name come
// once: ZeroSSL has no domain objects, a name is on any number of certificates anywhere
// in the listing (every renewal lists it again, pages apart), and only the newest counts,
// so a later certificate's name can be recognised as done only by remembering it. The
// set grows with the distinct names yielded (about 60 bytes each: 5.9 MB for 100,000),
// never with the certificates read, whose memory stays bounded by the pager's pages.
func (c *Client) Domains(ctx context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	const op = "Domains"
	return func(yield func(*model.DomainValidation, error) bool) {
		search := strings.ToLower(strings.TrimSpace(q.Search))
		done := map[string]bool{}
		for w, err := range c.pages(ctx, op, allVendorStatuses, "", q.PageSize) {
			if err != nil {
				yield(nil, err)
				return
			}
			cert, err := c.mapOne(op, w)
			if err != nil {
				yield(nil, err)
				return
			}
			if cert.Status == model.StatusCancelled {
				continue
			}
			for _, n := range cert.DNSNames {
				if done[n] || search != "" && !strings.Contains(n, search) {
					continue
				}
				done[n] = true
				dv, err := c.domainValidation(ctx, op, n, certInfo{cert, w})
				if err != nil {
					yield(nil, err)
					return
				}
				if !yield(dv, nil) {
					return
				}
			}
		}
	}
}
