package digicert

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/lookup"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
	"github.com/anyca/anyca/retry"
)

// validID reports whether id can be a CertCentral id (an order number, a thumbprint or
// serial number, a domain id, or any other opaque id such as "OID-223344"): the kit's
// wire.CheckID. It goes into a URL path only through wire.PathSegment.
func validID(id string) bool { return wire.CheckID(id) == nil }

// lookupID reports whether id is one Order info can answer for: an order number, or the
// hex of a certificate's thumbprint or serial number (an even number of hex digits: a
// serial number is bytes). Anything else, such as "abc", is malformed, not unknown.
func lookupID(id string) bool {
	if numericID(id) {
		return true
	}
	if !validID(id) || len(id)%2 != 0 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// numericID reports whether id is a plain order number, the only form put into a GraphQL
// query (never free text).
func numericID(id string) bool {
	if id == "" || len(id) > 19 {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

func (c *Client) decode(op string, resp *retry.Response, v any) error {
	if err := decodeJSON(resp.Body, v); err != nil {
		return c.http.MalformedError(op, resp, err)
	}
	return nil
}

// badID is the error for an id a caller passed in that can never be a CertCentral id
// (wire.CheckID): model.ErrInvalidArgument before any request, saying why.
func (c *Client) badID(op, id string) *model.Error {
	return c.http.Error(op, model.ErrInvalidArgument, "order id %s: %v", c.http.Quote(id), wire.CheckID(id))
}

func (c *Client) mapErr(op string, resp *retry.Response, err error) error {
	return c.http.MalformedError(op, resp, err)
}

// Certificate returns the order with id (order id, or the thumbprint or serial number of
// its primary certificate) from Order info. An unknown id is model.ErrNotFound.
func (c *Client) Certificate(ctx context.Context, id string) (*model.Certificate, error) {
	const op = "Certificate"
	id = strings.TrimSpace(id)
	if !validID(id) {
		return nil, c.badID(op, id)
	}
	var o orderWire
	resp, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "order/certificate/" + wire.PathSegment(id)}, docOrder, 0, &o)
	if err != nil {
		return nil, err
	}
	cert, err := mapOrder(&o)
	if err != nil {
		return nil, c.mapErr(op, resp, err)
	}
	return cert, nil
}

func pageSize(n int) int {
	if n <= 0 {
		return DefaultPageSize
	}
	return min(n, MaxPageSize)
}

// Certificates lists orders lazily from List orders, offset/limit paging, each order at
// most once. Search goes to the server as a substring search (filters[search]=%value);
// statuses go to the server as filters[status] (one listing per vendor status word) and
// the answers are also checked against the mapped status, since "issued" also matches
// expired orders. Breaking out of the loop stops further requests.
func (c *Client) Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	const op = "Certificates"
	return func(yield func(*model.Certificate, error) bool) {
		want := map[model.CertificateStatus]bool{}
		var words []string
		serverFilter := len(q.Status) > 0
		wordSeen := map[string]bool{}
		for _, s := range q.Status {
			want[s] = true
			ws := statusFilters(s)
			if ws == nil {
				serverFilter = false
			}
			for _, w := range ws {
				if !wordSeen[w] {
					wordSeen[w] = true
					words = append(words, w)
				}
			}
		}
		passes := []string{""}
		if serverFilter {
			passes = words // possibly none: a status CertCentral never has
		}
		for pass, word := range passes {
			base := url.Values{}
			if word != "" {
				base.Set("filters[status]", word)
			}
			if s := strings.TrimSpace(q.Search); s != "" {
				base.Set("filters[search]", "%"+s)
			}
			base.Set("sort", "id")
			limit := pageSize(q.PageSize)
			for cert, err := range listing(c, op, "order/certificate", base, docOrderList, limit, certID,
				func(l *orderListWire) ([]*model.Certificate, *page, error) {
					out, err := mapEach(l.Orders, mapOrder)
					return out, l.Page, err
				}).Seq(ctx) {
				if err != nil {
					yield(nil, err)
					return
				}
				if len(want) > 0 && !want[cert.Status] {
					continue
				}
				// An order has one status word, so it belongs to one pass: one whose word was
				// an earlier pass's (the server ignored the filter) was yielded there.
				if listedBefore(passes[:pass], cert.VendorStatus) {
					continue
				}
				if !yield(cert, nil) {
					return
				}
			}
		}
	}
}

// listedBefore reports whether status is one of the earlier passes' filter words.
func listedBefore(earlier []string, status string) bool {
	for _, w := range earlier {
		if strings.EqualFold(w, strings.TrimSpace(status)) {
			return true
		}
	}
	return false
}

// listing is a CertCentral offset/limit listing of path, read page by page: each page
// decoded as doc into a W (at most limit items, streamed inside the retry loop), then
// given to read, which maps its items and returns them with the answer's paging object
// (nil when it has none), whose total and limit the pager is told. An item read cannot
// map fails the listing as a malformed answer (see mapErr). The pager owns termination
// and exactly-once delivery.
func listing[W, T any](c *Client, op, path string, base url.Values, doc wire.Document, limit int, id func(T) string,
	read func(answer *W) (items []T, p *page, err error)) pager.Listing[T] {
	return pager.Listing[T]{
		Provider: Name, Op: op, Limit: limit, ID: id,
		Fetch: func(ctx context.Context, r pager.Request) (pager.Page[T], error) {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			q.Set("offset", strconv.Itoa(r.Offset))
			q.Set("limit", strconv.Itoa(r.Limit))
			var page W
			resp, err := c.doDoc(ctx, &retry.Request{Op: op, Path: path, Query: q}, doc, limit, &page)
			if err != nil {
				return pager.Page[T]{}, err
			}
			items, p, err := read(&page)
			if err != nil {
				return pager.Page[T]{}, c.mapErr(op, resp, err)
			}
			total, serverLimit := p.sizes()
			return pager.Page[T]{Items: items, Total: total, Limit: serverLimit}, nil
		},
	}
}

// mapEach maps every item with mapItem, in order; the first item mapItem refuses is the
// error, and nothing is returned with it.
func mapEach[W, T any](items []W, mapItem func(*W) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for i := range items {
		t, err := mapItem(&items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// CertificatesByID looks orders up by id through the Custom Reports API: numeric ids go
// inline into order_details_by_id queries under aliases, Config.BatchSize per request.
// Ids that are not plain numbers (thumbprints, serial numbers) are never put into a query:
// they are looked up with Order info. When the Reports API answers that it is not
// available to the key (403, 404, 501: a view-only key, a disabled feature), every id is
// looked up with Order info instead, concurrently and bounded. Unknown ids are absent from
// the map. A batch the server refuses as too large (400) is split in halves and resent.
// Batch and single lookups give identical values.
func (c *Client) CertificatesByID(ctx context.Context, ids []string) (map[string]*model.Certificate, error) {
	const op = "CertificatesByID"
	out := make(map[string]*model.Certificate, len(ids))
	var numeric, other []string
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if numericID(id) {
			numeric = append(numeric, id)
		} else if lookupID(id) {
			other = append(other, id)
		}
	}
	size := c.batchSize
	for start := 0; start < len(numeric); {
		chunk := numeric[start:min(start+size, len(numeric))]
		got, err := c.reportBatch(ctx, op, chunk)
		if err != nil {
			if reportsUnavailable(err) {
				other = append(other, numeric[start:]...)
				break
			}
			if errors.Is(err, model.ErrInvalidArgument) && len(chunk) > 1 {
				size = (len(chunk) + 1) / 2 // the server refused the batch size: halve it
				continue
			}
			return nil, err
		}
		for k, v := range got {
			out[k] = v
		}
		start += len(chunk)
	}
	if len(other) > 0 {
		rest, err := lookup.Concurrently(ctx, other, c.concurrency, c.Certificate)
		if err != nil {
			return nil, err
		}
		for k, v := range rest {
			out[k] = v
		}
	}
	return out, nil
}

// reportsUnavailable reports whether err says the Reports API cannot be used with this
// key or account (not a failure of the lookup itself).
func reportsUnavailable(err error) bool {
	return errors.Is(err, model.ErrPermissionDenied) || errors.Is(err, model.ErrNotFound) ||
		errors.Is(err, model.ErrUnsupported)
}

// reportQuery builds the aliased GraphQL query for numeric ids.
func reportQuery(ids []string) string {
	var b strings.Builder
	b.WriteString("query{")
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("o")
		b.WriteString(strconv.Itoa(i))
		b.WriteString(":order_details_by_id(id:")
		b.WriteString(id)
		b.WriteString("){")
		b.WriteString(reportFields)
		b.WriteString("}")
	}
	b.WriteString("}")
	return b.String()
}

func (c *Client) reportBatch(ctx context.Context, op string, ids []string) (map[string]*model.Certificate, error) {
	body, err := json.Marshal(map[string]string{"query": reportQuery(ids)})
	if err != nil {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "building the report query: %v", err)
	}
	var ans reportAnswer
	resp, err := c.doDoc(ctx, &retry.Request{Op: op, Method: http.MethodPost, Path: "reports/query",
		Body: body, ContentType: "application/json", Idempotent: true}, docReport, 0, &ans)
	if err != nil {
		return nil, err
	}
	if ans.Data == nil && len(ans.Errors) > 0 {
		e := c.http.VendorError(op, nil, resp.StatusCode, string(ans.Errors[0].Code), string(ans.Errors[0].Message))
		e.Kind = kindFor(resp.StatusCode, e.Code)
		if e.Kind == retry.KindForStatus(resp.StatusCode) {
			e.Kind = model.ErrUnavailable
		}
		return nil, e
	}
	out := make(map[string]*model.Certificate, len(ids))
	for i, id := range ids {
		raw, ok := ans.Data["o"+strconv.Itoa(i)]
		if !ok || len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var o reportOrderWire
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, c.mapErr(op, resp, err)
		}
		cert, err := mapReportOrder(&o)
		if err != nil {
			return nil, c.mapErr(op, resp, err)
		}
		out[id] = cert
	}
	return out, nil
}

// DomainFilter holds List domains options beyond model.DomainQuery.
type DomainFilter struct {
	// Search is sent as filters[search]; with Exact false it matches substrings
	// (filters[search_criteria]=partial), with Exact true only the whole name.
	Search string
	Exact  bool
	// Validation is a filters[validation] value: completed, ov_expired, ev_expired,
	// ov_expiring, ev_expiring, ov_expiring_within_30_days, ev_expiring_within_7_days, ...
	Validation string
	// Sort is sent as sort (e.g. "name" or "-name,id"); "" sorts by id.
	Sort     string
	PageSize int // 0: DefaultPageSize
	// Details reads Domain info for every listed domain: one more request per domain (N+1;
	// at DigiCert's default 5 requests/s, 10,000 domains take over half an hour), so each
	// value equals what DomainValidation returns, challenge with the current random value
	// included. Without Details a listing costs one request per page and each value
	// equals DomainValidation's without challenges (see Domains).
	Details bool
}

// Domains lists the account's domains lazily from List domains, DefaultPageSize per page
// unless q says otherwise, each at most once; q.Search is a substring search. It costs
// one request per page (ceil(n/page size) for n domains) and nothing per domain. Each
// value equals what DomainValidation returns for the domain (status, method, levels and
// their validity, ValidatedAt, ID, vendor words) except that Challenges is empty: List
// domains carries no DCV token. The list is asked with include_validation_reuse_status
// and include_dcv_expiration_time, so the levels List domains leaves out of validations[]
// (it shows only active ones) come from dcv_expiration's ov_status and ev_status with UTC
// dates, and a domain submitted for DCV without a valid level is pending, as in Domain
// info. DV levels that are not active are not in List domains and so not listed. Call
// DomainValidation for a domain's challenge, or DomainsFiltered with Details for all.
func (c *Client) Domains(ctx context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	return c.DomainsFiltered(ctx, DomainFilter{Search: q.Search, PageSize: q.PageSize})
}

// DomainsFiltered is Domains with every List domains filter the API documents. Without
// f.Details it returns what Domains returns (no challenges) at one request per page; with
// f.Details it also reads Domain info for each domain as the loop reaches it (one more
// request per domain; breaking out stops them), and each value equals what
// DomainValidation returns, challenge included. A domain removed between the page and
// its Domain info is skipped.
func (c *Client) DomainsFiltered(ctx context.Context, f DomainFilter) iter.Seq2[*model.DomainValidation, error] {
	const op = "Domains"
	return func(yield func(*model.DomainValidation, error) bool) {
		base := url.Values{}
		if s := strings.TrimSpace(f.Search); s != "" {
			base.Set("filters[search]", s)
			if f.Exact {
				base.Set("filters[search_criteria]", "exact")
			} else {
				base.Set("filters[search_criteria]", "partial")
			}
		}
		if v := strings.TrimSpace(f.Validation); v != "" {
			base.Set("filters[validation]", v)
		}
		sort := strings.TrimSpace(f.Sort)
		if sort == "" {
			sort = "id"
		}
		base.Set("sort", sort)
		base.Set("include_dcv_expiration_time", "true")
		base.Set("include_validation_reuse_status", "true")
		now := c.now()
		limit := pageSize(f.PageSize)
		for d, err := range listing(c, op, "domain", base, docDomainList, limit, domainID,
			func(l *domainListWire) ([]*model.DomainValidation, *page, error) {
				out, err := mapEach(l.Domains, func(d *domainWire) (*model.DomainValidation, error) { return mapListedDomain(d, now) })
				return out, l.Page, err
			}).Seq(ctx) {
			if err != nil {
				yield(nil, err)
				return
			}
			if f.Details {
				full, err := c.domainInfo(ctx, op, d.DomainID)
				if errors.Is(err, model.ErrNotFound) {
					continue // removed since the page was listed
				}
				if err != nil {
					yield(nil, err)
					return
				}
				d = full
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

func certID(c *model.Certificate) string        { return c.ID }
func domainID(d *model.DomainValidation) string { return d.DomainID }

// listedName is a List domains entry as findDomain reads it.
type listedName struct{ id, name string }

// findDomain returns the id of the domain named exactly name (never a subdomain or other
// substring match), or model.ErrNotFound. It stops at the first match.
func (c *Client) findDomain(ctx context.Context, op, name string) (string, error) {
	base := url.Values{}
	base.Set("filters[search]", name)
	base.Set("sort", "id")
	entries := listing(c, op, "domain", base, docDomainList, MaxPageSize, func(e listedName) string { return e.id },
		func(l *domainListWire) ([]listedName, *page, error) {
			out := make([]listedName, len(l.Domains))
			for i, d := range l.Domains {
				out[i] = listedName{id: string(d.ID), name: string(d.Name)}
			}
			return out, l.Page, nil
		})
	for e, err := range entries.Seq(ctx) {
		if err != nil {
			return "", err
		}
		if wire.ReportedDomain(e.name) == name {
			return e.id, nil
		}
	}
	return "", c.http.Error(op, model.ErrNotFound, "no domain named %q in the account", name)
}

// domainInfo reads Domain info with DCV details, validations and UTC DCV expirations.
func (c *Client) domainInfo(ctx context.Context, op, id string) (*model.DomainValidation, error) {
	q := url.Values{}
	q.Set("include_dcv", "true")
	q.Set("include_validation", "true")
	q.Set("include_dcv_expiration_time", "true")
	var d domainWire
	resp, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "domain/" + wire.PathSegment(id), Query: q}, docDomain, 0, &d)
	if err != nil {
		return nil, err
	}
	dv, err := mapDomain(&d, c.now())
	if err != nil {
		return nil, c.mapErr(op, resp, err)
	}
	return dv, nil
}

// DomainValidation normalizes domain (a malformed name is model.ErrInvalidArgument before
// any request; a wildcard is looked up by its base name), finds the domain with exactly that name in List domains and returns its
// Domain info: per-level validity, status derived from validations, the DCV method and
// the challenge built from the current random value.
func (c *Client) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	const op = "DomainValidation"
	name, err := model.NormalizeDomain(domain)
	if err != nil {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "%v", err)
	}
	name = strings.TrimPrefix(name, "*.") // CertCentral validates the base name of a wildcard
	id, err := c.findDomain(ctx, op, name)
	if err != nil {
		return nil, err
	}
	return c.domainInfo(ctx, op, id)
}

// Challenges returns what to publish for each domain of order certificateID, in the order
// CertCentral lists them: the order's validation status (a GET) gives the domains, their
// method and status; the order's random value comes from PUT dcv-random-value (safe to
// repeat: it returns the current value while valid). When that PUT is refused (a view-only
// key), each domain's own random value from Domain info is used instead.
func (c *Client) Challenges(ctx context.Context, certificateID string) ([]model.Challenge, error) {
	const op = "Challenges"
	id := strings.TrimSpace(certificateID)
	if !validID(id) {
		return nil, c.badID(op, id)
	}
	var v orderValidationWire
	_, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "order/certificate/" + wire.PathSegment(id) + "/validation"}, docOrderValidation, 0, &v)
	if err != nil {
		return nil, err
	}
	needToken := false
	for _, dv := range v.DNSNameValidations {
		m := methodOf(string(dv.Method), string(v.OrderDCVMethod))
		if t := mapMethod(m); t != "" && t != model.ChallengeEmail {
			needToken = true
		}
	}
	var orderToken string
	var orderExpiry time.Time
	fallback := false
	if needToken {
		var rv randomValueWire
		_, err := c.doDoc(ctx, &retry.Request{Op: op, Method: http.MethodPut,
			Path: "order/certificate/" + wire.PathSegment(id) + "/dcv-random-value", Idempotent: true}, docRandomValue, 0, &rv)
		switch {
		case err == nil:
			orderToken = string(rv.DCVRandomValue)
			orderExpiry, _ = parseDate("expiration_date", string(rv.ExpirationDate))
		case errors.Is(err, model.ErrPermissionDenied):
			fallback = true // a view-only key may not PUT: use each domain's own value
		default:
			return nil, err
		}
	}
	var out []model.Challenge
	for _, dv := range v.DNSNameValidations {
		method := methodOf(string(dv.Method), string(v.OrderDCVMethod))
		status := mapValidationStatus(string(dv.Status))
		token, verification, expiry := orderToken, "", orderExpiry
		if fallback && mapMethod(method) != model.ChallengeEmail && dv.DomainID != "" {
			d, err := c.domainToken(ctx, op, string(dv.DomainID))
			if err != nil {
				return nil, err
			}
			if d != nil {
				token, verification = string(d.Token), string(d.VerificationValue)
				expiry, _ = model.ParseTime(string(d.ExpirationDate))
			}
		}
		names := []string(dv.DNSNames)
		if len(names) == 0 && dv.NameScope != "" {
			names = []string{string(dv.NameScope)}
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n = wire.ReportedDomain(n); n == "" || seen[n] {
				continue
			}
			seen[n] = true
			if ch := challenge(n, method, token, verification, status, expiry); ch != nil {
				out = append(out, *ch)
			}
		}
	}
	return out, nil
}

func methodOf(own, order string) string {
	if strings.TrimSpace(own) != "" {
		return own
	}
	return order
}

// domainToken reads a domain's current DCV token from Domain info (nil when it has none).
func (c *Client) domainToken(ctx context.Context, op, domainID string) (*dcvTokenWire, error) {
	if !validID(domainID) {
		return nil, nil
	}
	q := url.Values{}
	q.Set("include_dcv", "true")
	var d domainWire
	_, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "domain/" + wire.PathSegment(domainID), Query: q}, docDomain, 0, &d)
	if err != nil {
		return nil, err
	}
	return d.DCVToken, nil
}
