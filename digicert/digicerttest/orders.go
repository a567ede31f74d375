package digicerttest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

func paging(w http.ResponseWriter, r *http.Request) (offset, limit int, ok bool) {
	q := r.URL.Query()
	offset, limit = 0, 1000
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeErr(w, http.StatusBadRequest, "invalid_offset", "offset must be a non-negative integer")
			return 0, 0, false
		}
		offset = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeErr(w, http.StatusBadRequest, "invalid_limit", "limit must be between 1 and 1000")
			return 0, 0, false
		}
		limit = n
	}
	return offset, limit, true
}

func window[T any](items []T, offset, limit int) []T {
	if offset >= len(items) {
		return []T{}
	}
	return items[offset:min(offset+limit, len(items))]
}

func (o *order) wire() map[string]any {
	c := o.cert
	id, _ := strconv.ParseInt(c.ID, 10, 64)
	cert := map[string]any{
		"id":           o.certID,
		"common_name":  c.CommonName,
		"dns_names":    c.DNSNames,
		"date_created": stamp(c.CreatedAt),
	}
	if c.SerialNumber != "" {
		cert["serial_number"] = strings.ToUpper(c.SerialNumber)
	}
	if c.FingerprintSHA1 != "" {
		cert["thumbprint"] = strings.ToUpper(c.FingerprintSHA1)
	}
	if !c.NotBefore.IsZero() {
		cert["valid_from"] = date(c.NotBefore)
	}
	if !c.NotAfter.IsZero() {
		cert["valid_till"] = date(c.NotAfter)
	}
	out := map[string]any{
		"id":           id,
		"status":       c.VendorStatus,
		"date_created": stamp(c.CreatedAt),
		"certificate":  cert,
	}
	if c.Product != "" {
		out["product"] = map[string]any{"name_id": c.Product, "name": c.Product, "type": "ssl_certificate",
			"validation_type": string(c.Level)}
	}
	return out
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) {
	offset, limit, ok := paging(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	status, search := q.Get("filters[status]"), q.Get("filters[search]")
	s.mu.Lock()
	var match []*order
	for _, o := range s.orders {
		c := o.cert
		if status != "" && c.VendorStatus != status && !(status == "issued" && c.Status == model.StatusExpired) {
			continue
		}
		if search != "" && !orderMatches(c, search) {
			continue
		}
		match = append(match, o)
	}
	if strings.HasPrefix(q.Get("sort"), "-") { // -id, -date_created: newest first
		slices.Reverse(match)
	}
	// Render only the page asked for: rendering every match made each page cost O(account).
	page := []map[string]any{}
	for _, o := range window(match, offset, limit) {
		page = append(page, o.wire())
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"orders": page, "page": map[string]int{"total": len(match), "limit": limit, "offset": offset}})
}

func orderMatches(c model.Certificate, search string) bool {
	sub, partial := strings.CutPrefix(search, "%")
	sub = strings.ToLower(sub)
	cands := append([]string{c.ID, c.CommonName, c.SerialNumber}, c.DNSNames...)
	for _, v := range cands {
		if partial && strings.Contains(strings.ToLower(v), sub) || !partial && strings.EqualFold(v, sub) {
			return true
		}
	}
	return false
}

func (s *Server) orderInfo(w http.ResponseWriter, id string) {
	s.mu.Lock()
	o := s.findOrder(id)
	var body map[string]any
	if o != nil {
		body = o.wire()
	}
	s.mu.Unlock()
	if o == nil {
		writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
		return
	}
	writeJSON(w, body)
}

func (s *Server) orderValidation(w http.ResponseWriter, o *order) {
	vals := []map[string]any{}
	method := ""
	for _, d := range o.nameScopes {
		if method == "" {
			method = d.method
		}
		did, _ := strconv.ParseInt(d.domainID, 10, 64)
		vals = append(vals, map[string]any{"domain_id": did, "name_scope": d.name, "status": d.status,
			"method": d.method, "dns_names": []string{d.name}})
	}
	writeJSON(w, map[string]any{"order_id": o.cert.ID, "order_status": o.cert.VendorStatus,
		"order_dcv_method": method, "dns_name_validations": vals})
}

func (s *Server) randomValue(w http.ResponseWriter, o *order) {
	if o.randomValue == "" {
		o.randomValue = newToken()
		o.rvExpires = sec(time.Now().Add(30 * 24 * time.Hour))
	}
	writeJSON(w, map[string]any{"dcv_random_value": o.randomValue, "expiration_date": stamp(o.rvExpires)})
}

// onOrder adapts a handler of one order to a handler of an order id: it runs h with
// s.mu held on the order with id (order id, thumbprint or serial), or answers
// CertCentral's 404 not_found|order when there is none.
func (s *Server) onOrder(h func(http.ResponseWriter, *order)) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, id string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		o := s.findOrder(id)
		if o == nil {
			writeErr(w, http.StatusNotFound, "not_found|order", "Order not found.")
			return
		}
		h(w, o)
	}
}
