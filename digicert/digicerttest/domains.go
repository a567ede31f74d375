package digicerttest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
)

func (s *Server) listDomains(w http.ResponseWriter, r *http.Request) {
	offset, limit, ok := paging(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	search := strings.ToLower(strings.TrimSpace(q.Get("filters[search]")))
	partial := s.partialDefault
	switch q.Get("filters[search_criteria]") {
	case "partial":
		partial = true
	case "exact":
		partial = false
	}
	validation := q.Get("filters[validation]")
	withTime := q.Get("include_dcv_expiration_time") == "true"
	reuse := q.Get("include_validation_reuse_status") == "true" || q.Get("filters[include_validation_reuse_status]") == "true"
	now := time.Now()
	s.mu.Lock()
	var match []*domain
	for _, d := range s.domains {
		if d.hidden {
			continue
		}
		name := d.dv.Domain
		if search != "" && !(partial && strings.Contains(name, search) || !partial && name == search) {
			continue
		}
		if validation != "" {
			ok, known := validationFilter(d.dv, validation, now)
			if !known {
				s.mu.Unlock()
				writeErr(w, http.StatusBadRequest, "invalid_filter|validation", "Unknown validation filter value.")
				return
			}
			if !ok {
				continue
			}
		}
		match = append(match, d)
	}
	switch sortKey := q.Get("sort"); sortKey {
	case "", "id":
	case "-id":
		slicesReverse(match)
	case "name", "-name":
		sort.SliceStable(match, func(i, j int) bool {
			if sortKey == "name" {
				return match[i].dv.Domain < match[j].dv.Domain
			}
			return match[i].dv.Domain > match[j].dv.Domain
		})
	default:
		s.mu.Unlock()
		writeErr(w, http.StatusBadRequest, "invalid_sort", "Unknown sort property.")
		return
	}
	out := make([]map[string]any, 0, limit)
	for _, d := range window(match, offset, limit) {
		out = append(out, d.listWire(withTime, reuse, now))
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"domains": out, "page": map[string]int{"total": len(match), "limit": limit, "offset": offset}})
}

func slicesReverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func validationFilter(d model.DomainValidation, v string, now time.Time) (match, known bool) {
	lvl := func(l model.ValidationLevel) *model.LevelValidation {
		for i := range d.Levels {
			if d.Levels[i].Level == l {
				return &d.Levels[i]
			}
		}
		return nil
	}
	expiring := func(l model.ValidationLevel, days int) bool {
		x := lvl(l)
		return x != nil && x.Status == model.ValidationValid && !x.ValidUntil.IsZero() &&
			x.ValidUntil.Before(now.Add(time.Duration(days)*24*time.Hour))
	}
	switch v {
	case "completed":
		return d.Status == model.ValidationValid, true
	case "ov_expired", "ev_expired":
		x := lvl(model.ValidationLevel(v[:2]))
		return x != nil && x.Status == model.ValidationExpired, true
	case "ov_expiring", "ev_expiring", "ov_expiring_within_30_days", "ev_expiring_within_30_days":
		return expiring(model.ValidationLevel(v[:2]), 30), true
	case "ov_expiring_within_7_days", "ev_expiring_within_7_days":
		return expiring(model.ValidationLevel(v[:2]), 7), true
	}
	return false, false
}

// reuseStatus is the dcv_expiration.ov_status / ev_status word for level l: valid while
// active and unexpired, expired once past validated_until, else the level's own word.
func reuseStatus(l model.LevelValidation, now time.Time) string {
	if l.VendorStatus == "active" {
		if !l.ValidUntil.IsZero() && !now.Before(l.ValidUntil) {
			return "expired"
		}
		return "valid"
	}
	return l.VendorStatus
}

// listWire renders a domain as List domains does: only active validations in
// validations[], no dcv_token and no is_pending_validation; dcv_method; the approval and
// last submission times; dcv_expiration with the OV and EV expiration dates (UTC with
// withTime, Mountain-Time dates without) and, with reuse (include_validation_reuse_status),
// ov_status, ev_status and dcv_approval_date.
func (d *domain) listWire(withTime, reuse bool, now time.Time) map[string]any {
	out := d.common()
	if !d.submitted.IsZero() {
		out["last_submitted_datetime"] = stamp(d.submitted)
	}
	var vals []map[string]any
	exp := map[string]any{}
	var latest time.Time
	for _, l := range d.dv.Levels {
		if l.VendorStatus == "active" {
			vals = append(vals, validationWire(l))
		}
		if l.Level != model.LevelOV && l.Level != model.LevelEV {
			continue
		}
		if !l.ValidUntil.IsZero() {
			exp[string(l.Level)] = expirationDate(l.ValidUntil, withTime)
			if l.ValidUntil.After(latest) {
				latest = l.ValidUntil
			}
		}
		if reuse {
			exp[string(l.Level)+"_status"] = reuseStatus(l, now)
		}
	}
	if vals != nil {
		out["validations"] = vals
	}
	if reuse && !d.dv.ValidatedAt.IsZero() {
		exp["dcv_approval_date"] = expirationDate(d.dv.ValidatedAt, withTime)
	}
	if !d.dv.ValidatedAt.IsZero() && !latest.IsZero() {
		out["dcv_expiration_datetime"] = stamp(latest)
	}
	if len(exp) > 0 {
		out["dcv_expiration"] = exp
	}
	if d.dv.VendorMethod != "" {
		out["dcv_method"] = d.dv.VendorMethod
	}
	return out
}

// common holds the fields List domains and Domain info share.
func (d *domain) common() map[string]any {
	id, _ := strconv.ParseInt(d.dv.ID, 10, 64)
	out := map[string]any{
		"id":           id,
		"is_active":    true,
		"status":       "pending", // deprecated and deliberately misleading
		"name":         d.dv.Domain,
		"date_created": "2021-04-27T14:49:28+00:00",
		"organization": map[string]any{"id": 1, "status": "active", "name": "Example Corp.", "is_active": "1"},
	}
	if !d.dv.ValidatedAt.IsZero() {
		out["dcv_approval_datetime"] = stamp(d.dv.ValidatedAt)
	}
	return out
}

func validationWire(l model.LevelValidation) map[string]any {
	return map[string]any{"type": string(l.Level), "name": strings.ToUpper(string(l.Level)),
		"validated_until": stamp(l.ValidUntil), "status": l.VendorStatus}
}

// infoWire renders a domain as Domain info does: every validation and, with dcv
// (include_dcv), the method and the token, pending only while a DCV is under way.
func (d *domain) infoWire(withTime, dcv bool) map[string]any {
	out := d.common()
	if d.dv.Status == model.ValidationPending && len(d.dv.Levels) == 0 {
		out["is_pending_validation"] = true
	}
	var vals []map[string]any
	exp := map[string]any{}
	for _, l := range d.dv.Levels {
		vals = append(vals, validationWire(l))
		if !l.ValidUntil.IsZero() {
			exp[string(l.Level)] = expirationDate(l.ValidUntil, withTime)
		}
	}
	if vals != nil {
		out["validations"] = vals
	}
	if len(exp) > 0 {
		out["dcv_expiration"] = exp
	}
	if dcv && d.dv.VendorMethod != "" {
		out["dcv_method"] = d.dv.VendorMethod
	}
	if dcv && d.dv.VendorMethod != "" && d.dv.VendorMethod != "email" {
		tok := map[string]any{"token": d.token}
		switch d.dv.Status {
		case model.ValidationValid:
			tok["status"] = "active"
		case model.ValidationPending:
			tok["status"] = "pending"
		default:
			tok["status"] = "inactive" // not started, expired, failed: no DCV under way
		}
		if !d.tokenExp.IsZero() {
			tok["expiration_date"] = stamp(d.tokenExp)
		}
		if d.dv.VendorMethod == "dns-cname-token" {
			tok["verification_value"] = "dcv.digicert.com"
		}
		out["dcv_token"] = tok
	}
	return out
}

func (s *Server) domainInfo(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	s.mu.Lock()
	// s.domains is sorted by id (see addDomain): binary search, so reading every domain
	// of a large account is not quadratic; the scan stays for ids model.LessID calls equal.
	var found *domain
	if i := sort.Search(len(s.domains), func(i int) bool { return model.LessID(id, s.domains[i].dv.ID) }); i > 0 && s.domains[i-1].dv.ID == id {
		found = s.domains[i-1]
	} else {
		for _, d := range s.domains {
			if d.dv.ID == id {
				found = d
			}
		}
	}
	var body map[string]any
	if found != nil {
		body = found.infoWire(q.Get("include_dcv_expiration_time") == "true", q.Get("include_dcv") == "true")
		if q.Get("include_validation") != "true" {
			delete(body, "validations")
		}
	}
	s.mu.Unlock()
	if found == nil {
		writeErr(w, http.StatusNotFound, "not_found|domain", "Domain not found.")
		return
	}
	writeJSON(w, body)
}
