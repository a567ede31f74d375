package bench

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl"
)

// listPage is how many items the list-decode benchmark reads per op: one page at both
// APIs' maximum page size.
const listPage = 1000

// BenchmarkListDecode lists one 1,000-item page per op through anyca's public iterators
// (DigiCert List orders and List domains, ZeroSSL list certificates) and, side by side,
// through the floor: the same request decoded with encoding/json into minimal structs and
// mapped into the same model values. The fakes run in a child process, so cpu-ns/op and
// items/cpu-s are the client's CPU alone; items/cpu-s is the throughput the goal compares
// (anyca at least 0.8x the floor's).
func BenchmarkListDecode(b *testing.B) {
	ctx := context.Background()
	cases := []struct {
		name, spec, vendor string
		anyca              func(anyca.Provider) (int, error)
		floor              func(*floorLister) (int, error)
	}{
		{"digicert-orders", "digicert-certs:1000", "digicert",
			func(p anyca.Provider) (int, error) {
				return countSeq(p.Certificates(ctx, model.CertificateQuery{PageSize: listPage}))
			},
			func(f *floorLister) (int, error) { return count(f.digicertOrders(ctx)) }},
		{"digicert-domains", "digicert-domains:1000", "digicert",
			func(p anyca.Provider) (int, error) {
				return countSeq(anyca.Domains(ctx, p, model.DomainQuery{PageSize: listPage}))
			},
			func(f *floorLister) (int, error) { return count(f.digicertDomains(ctx)) }},
		{"zerossl-certificates", "zerossl-page:1000", "zerossl",
			func(p anyca.Provider) (int, error) {
				return countSeq(p.Certificates(ctx, model.CertificateQuery{PageSize: listPage}))
			},
			func(f *floorLister) (int, error) { return count(f.zerosslCertificates(ctx)) }},
	}
	for _, c := range cases {
		b.Run(c.name+"/anyca", func(b *testing.B) {
			info := fake(b, c.spec)
			p := newProvider(b, c.vendor, info, noLimit)
			measureList(b, info, func() (int, error) { return c.anyca(p) })
		})
		b.Run(c.name+"/floor", func(b *testing.B) {
			info := fake(b, c.spec)
			f := &floorLister{info: info, hc: floorClient()}
			measureList(b, info, func() (int, error) { return c.floor(f) })
		})
	}
}

// measureList runs list once per op, checks that it saw exactly listPage items in one
// request, and reports the client's CPU per op, items per CPU second and requests per op.
func measureList(b *testing.B, info fakeInfo, list func() (int, error)) {
	b.Helper()
	start := requests(b, info)
	cpu := startCPU()
	cpuStart := cpu.start
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := list()
		if err != nil || got != listPage {
			b.Fatalf("listed %d of %d: %v", got, listPage, err)
		}
	}
	b.StopTimer()
	spent := processCPU() - cpuStart
	cpu.report(b)
	if spent > 0 {
		b.ReportMetric(float64(listPage*b.N)/spent.Seconds(), "items/cpu-s")
	}
	reqs := float64(requests(b, info)-start) / float64(b.N)
	if reqs != 1 {
		b.Fatalf("%.2f requests per op, want one page", reqs)
	}
	b.ReportMetric(reqs, "requests/op")
}

// countSeq drains a listing and counts its items, stopping at the first error.
func countSeq[T any](seq func(func(*T, error) bool)) (int, error) {
	n := 0
	for v, err := range seq {
		if err != nil {
			return n, err
		}
		if v == nil {
			return n, errNilItem
		}
		n++
	}
	return n, nil
}

// count is the length of a floor's page.
func count[T any](items []T, err error) (int, error) { return len(items), err }

var errNilItem = errors.New("a listing yielded a nil item")

// floorLister is the hand-written floor for one page: floorGet (one request, status check,
// json.Decoder) into the minimal wire structs below, then mapped into model values.
type floorLister struct {
	info fakeInfo
	hc   *http.Client
}

// dcListOrders is List orders' answer as the floor reads it.
type dcListOrders struct {
	Orders []dcOrder `json:"orders"`
	Page   struct {
		Total int `json:"total"`
	} `json:"page"`
}

// floorList is the floor's listing of one page: floorGet of path?q into a page P, then
// each wire item W (items of the page) mapped into a model value and checked complete.
func floorList[P, W, M any](ctx context.Context, f *floorLister, path string, q url.Values, hdr map[string]string,
	items func(*P) []W, mapItem func(*W) *M, complete func(*M) bool) ([]*M, error) {
	var page P
	if err := floorGet(ctx, f.hc, f.info.URL+path+"?"+q.Encode(), hdr, &page); err != nil {
		return nil, err
	}
	ws := items(&page)
	out := make([]*M, 0, len(ws))
	for i := range ws {
		m := mapItem(&ws[i])
		if !complete(m) {
			return out, errFloorMapping
		}
		out = append(out, m)
	}
	return out, nil
}

// floorCertComplete is what the floor checks of a mapped certificate.
func floorCertComplete(c *model.Certificate) bool {
	return c.ID != "" && c.CommonName != "" && !c.NotAfter.IsZero()
}

// floorStatus maps either CA's certificate status word. Both CAs name issued, draft,
// pending, revoked, cancelled, rejected and expired certificates by the normalized
// state's own word; the other words are their names for pending and cancelled.
func floorStatus(word string) model.CertificateStatus {
	switch word {
	case "processing", "needs_approval", "waiting_pickup", "pending_validation":
		return model.StatusPending
	case "canceled":
		return model.StatusCancelled
	}
	if s := model.CertificateStatus(word); s.Valid() {
		return s
	}
	return model.StatusUnknown
}

func (f *floorLister) digicertOrders(ctx context.Context) ([]*model.Certificate, error) {
	q := url.Values{"sort": {"id"}, "offset": {"0"}, "limit": {strconv.Itoa(listPage)}}
	return floorList(ctx, f, "/order/certificate", q, map[string]string{"X-DC-DEVKEY": f.info.Key},
		func(l *dcListOrders) []dcOrder { return l.Orders }, mapFloorOrder, floorCertComplete)
}

func mapFloorOrder(o *dcOrder) *model.Certificate {
	c := &model.Certificate{
		Provider:        "digicert",
		ID:              strconv.FormatInt(o.ID, 10),
		CommonName:      strings.ToLower(o.Certificate.CommonName),
		Status:          floorStatus(o.Status),
		VendorStatus:    o.Status,
		Level:           model.ValidationLevel(o.Product.ValidationType),
		Product:         o.Product.NameID,
		SerialNumber:    strings.ToLower(o.Certificate.SerialNumber),
		FingerprintSHA1: strings.ToLower(o.Certificate.Thumbprint),
		CreatedAt:       floorTime(o.DateCreated),
		NotBefore:       floorTime(o.Certificate.ValidFrom),
		NotAfter:        floorTime(o.Certificate.ValidTill),
	}
	c.DNSNames = floorNames(c.CommonName, o.Certificate.DNSNames)
	return c
}

// dcDomain is a List domains item as the floor reads it.
type dcDomain struct {
	ID                  int64  `json:"id"`
	Name                string `json:"name"`
	DCVMethod           string `json:"dcv_method"`
	DCVApprovalDatetime string `json:"dcv_approval_datetime"`
	Validations         []struct {
		Type           string `json:"type"`
		Status         string `json:"status"`
		ValidatedUntil string `json:"validated_until"`
	} `json:"validations"`
	DCVExpiration struct {
		OV       string `json:"ov"`
		EV       string `json:"ev"`
		OVStatus string `json:"ov_status"`
		EVStatus string `json:"ev_status"`
	} `json:"dcv_expiration"`
}

type dcListDomains struct {
	Domains []dcDomain `json:"domains"`
	Page    struct {
		Total int `json:"total"`
	} `json:"page"`
}

func (f *floorLister) digicertDomains(ctx context.Context) ([]*model.DomainValidation, error) {
	q := url.Values{"sort": {"id"}, "include_dcv_expiration_time": {"true"}, "include_validation_reuse_status": {"true"},
		"offset": {"0"}, "limit": {strconv.Itoa(listPage)}}
	return floorList(ctx, f, "/domain", q, map[string]string{"X-DC-DEVKEY": f.info.Key},
		func(l *dcListDomains) []dcDomain { return l.Domains }, mapFloorDomain,
		func(d *model.DomainValidation) bool { return d.ID != "" && d.Domain != "" && len(d.Levels) > 0 })
}

func mapFloorDomain(w *dcDomain) *model.DomainValidation {
	d := &model.DomainValidation{
		Provider:     "digicert",
		Domain:       strings.ToLower(w.Name),
		ID:           strconv.FormatInt(w.ID, 10),
		DomainID:     strconv.FormatInt(w.ID, 10),
		VendorMethod: w.DCVMethod,
		ValidatedAt:  floorTime(w.DCVApprovalDatetime),
		Status:       model.ValidationNotStarted,
	}
	switch w.DCVMethod {
	case "dns-txt-token":
		d.Method = model.ChallengeDNSTXT
	case "dns-cname-token":
		d.Method = model.ChallengeDNSCNAME
	case "http-token":
		d.Method = model.ChallengeHTTPFile
	case "email":
		d.Method = model.ChallengeEmail
	}
	have := map[model.ValidationLevel]bool{}
	for _, v := range w.Validations {
		l := model.LevelValidation{Level: model.ValidationLevel(v.Type), VendorStatus: v.Status, ValidUntil: floorTime(v.ValidatedUntil)}
		if v.Status == "active" {
			l.Status = model.ValidationValid
		} else {
			l.Status = model.ValidationUnknown
		}
		have[l.Level] = true
		d.Levels = append(d.Levels, l)
	}
	for _, x := range []struct {
		level         model.ValidationLevel
		status, until string
	}{{model.LevelOV, w.DCVExpiration.OVStatus, w.DCVExpiration.OV}, {model.LevelEV, w.DCVExpiration.EVStatus, w.DCVExpiration.EV}} {
		if have[x.level] || x.status == "" {
			continue
		}
		l := model.LevelValidation{Level: x.level, VendorStatus: x.status, ValidUntil: floorTime(x.until), Status: model.ValidationUnknown}
		if x.status == "expired" {
			l.Status = model.ValidationExpired
		}
		d.Levels = append(d.Levels, l)
	}
	for _, l := range d.Levels {
		if l.Status == model.ValidationValid {
			d.Status = model.ValidationValid
		}
	}
	return d
}

// zsList is ZeroSSL's list answer as the floor reads it; page and limit are left out
// (ZeroSSL sends them as strings).
type zsList struct {
	TotalCount int      `json:"total_count"`
	Results    []zsCert `json:"results"`
}

func (f *floorLister) zerosslCertificates(ctx context.Context) ([]*model.Certificate, error) {
	q := url.Values{"certificate_status": {"draft,pending_validation,issued,cancelled,revoked,expired"},
		"limit": {strconv.Itoa(listPage)}, "page": {"1"}, "access_key": {f.info.Key}}
	return floorList(ctx, f, "/certificates", q, nil,
		func(l *zsList) []zsCert { return l.Results }, mapFloorZeroSSL, floorCertComplete)
}

func mapFloorZeroSSL(w *zsCert) *model.Certificate {
	c := &model.Certificate{
		Provider:        "zerossl",
		ID:              w.ID,
		CommonName:      strings.ToLower(w.CommonName),
		Status:          floorStatus(w.Status),
		VendorStatus:    w.Status,
		Level:           model.LevelDV,
		Product:         zerossl.Product(w.Type),
		FingerprintSHA1: strings.ToLower(w.FingerprintSHA1),
		CreatedAt:       floorTime(w.Created),
		NotAfter:        floorTime(w.Expires),
		ReplacesID:      w.ReplacementFor,
	}
	var extra []string
	if w.AdditionalDomains != "" {
		extra = strings.Split(w.AdditionalDomains, ",")
	}
	c.DNSNames = floorNames(c.CommonName, extra)
	return c
}

// floorNames is the common name first, then the other names lower-cased, without
// repeats: what model.Certificate.DNSNames promises.
func floorNames(cn string, names []string) []string {
	out := make([]string, 0, len(names)+1)
	out = append(out, cn)
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || n == cn {
			continue
		}
		dup := false
		for _, o := range out {
			if o == n {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// floorTime parses the three shapes the fakes send: RFC 3339 with offset, a date-only
// value and ZeroSSL's "YYYY-MM-DD hh:mm:ss" in UTC. Anything else is the zero time.
func floorTime(s string) time.Time {
	layout := time.RFC3339
	switch len(s) {
	case 0:
		return time.Time{}
	case len(time.DateOnly):
		layout = time.DateOnly
	case len(time.DateTime):
		layout = time.DateTime
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

var errFloorMapping = errors.New("floor: an item without id, name or dates")
