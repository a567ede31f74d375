package digicerttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// alias is one "name: order_details_by_id(id: N) { fields }" of a Reports query.
type alias struct {
	name, id string
	fields   []string
}

// parseQuery reads "query { alias... }" or "{ alias... }" with order_details_by_id
// queries only, in one linear pass; anything else is a syntax error (ok false).
func parseQuery(q string) (out []alias, ok bool) {
	q = strings.TrimSpace(q)
	q = strings.TrimSpace(strings.TrimPrefix(q, "query"))
	if !strings.HasPrefix(q, "{") || !strings.HasSuffix(q, "}") {
		return nil, false
	}
	body := q[1 : len(q)-1]
	for {
		body = strings.TrimSpace(body)
		if body == "" {
			return out, len(out) > 0
		}
		name, rest, found := strings.Cut(body, ":")
		name = strings.TrimSpace(name)
		if !found || !isIdent(name) {
			return nil, false
		}
		fn, rest, found := strings.Cut(rest, "(")
		if !found || strings.TrimSpace(fn) != "order_details_by_id" {
			return nil, false
		}
		args, rest, found := strings.Cut(rest, ")")
		if !found {
			return nil, false
		}
		key, val, found := strings.Cut(args, ":")
		val = strings.Trim(strings.TrimSpace(val), `"`)
		if !found || strings.TrimSpace(key) != "id" || val == "" || strings.Trim(val, "0123456789") != "" {
			return nil, false
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "{") {
			return nil, false
		}
		fields, rest, found := strings.Cut(rest[1:], "}")
		if !found || strings.ContainsAny(fields, "{(") {
			return nil, false
		}
		a := alias{name: name, id: val}
		for _, f := range strings.FieldsFunc(fields, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
			if !isIdent(f) {
				return nil, false
			}
			a.fields = append(a.fields, f)
		}
		if len(a.fields) == 0 {
			return nil, false // at least one field is required
		}
		out = append(out, a)
		body = rest
	}
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (s *Server) reportQuery(w http.ResponseWriter, r *http.Request) {
	if !s.reports {
		writeErr(w, http.StatusForbidden, "access_denied|reports_not_enabled", "Custom Reports API is not enabled for this account.")
		return
	}
	var body struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&body); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request_format", "The request body is not valid JSON.")
		return
	}
	aliases, ok := parseQuery(body.Query)
	if !ok {
		writeErr(w, http.StatusBadRequest, "syntax_error", "Syntax error in the query.")
		return
	}
	if s.batchLimit > 0 && len(aliases) > s.batchLimit {
		writeErr(w, http.StatusBadRequest, "query_too_complex", fmt.Sprintf("At most %d queries per request.", s.batchLimit))
		return
	}
	data := make(map[string]any, len(aliases))
	s.mu.Lock()
	for _, a := range aliases {
		o := s.byID[a.id]
		if o == nil {
			data[a.name] = nil
			continue
		}
		flat := o.flat()
		obj := make(map[string]any, len(a.fields))
		for _, f := range a.fields {
			obj[f] = flat[f]
		}
		data[a.name] = obj
	}
	s.mu.Unlock()
	writeJSON(w, map[string]any{"data": data})
}

// flat is the order as the Reports API shows it: every field a string or null.
func (o *order) flat() map[string]any {
	c := o.cert
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var extra []string
	for _, n := range c.DNSNames {
		if n != c.CommonName {
			extra = append(extra, n)
		}
	}
	created := any(nil)
	if !c.CreatedAt.IsZero() {
		created = c.CreatedAt.UTC().Format("2006-01-02 15:04:05")
	}
	return map[string]any{
		"id":                     c.ID,
		"certificate_tracker_id": strconv.FormatInt(o.certID, 10),
		"common_name":            str(c.CommonName),
		"dns_names":              str(strings.Join(extra, ",")),
		"status":                 c.VendorStatus,
		"valid_from":             date(c.NotBefore),
		"valid_till":             date(c.NotAfter),
		"date_created":           created,
		"serial_number":          str(strings.ToUpper(c.SerialNumber)),
		"thumbprint":             str(strings.ToUpper(c.FingerprintSHA1)),
		"product_name_id":        str(c.Product),
	}
}
