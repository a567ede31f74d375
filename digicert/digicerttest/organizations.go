package digicerttest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Organization is an organization of the fake account (List organizations).
type Organization struct {
	ID     string // numeric, as CertCentral's
	Name   string
	Active bool
}

// DefaultOrganization is the account's only organization unless WithOrganizations says
// otherwise: the one an OV or EV order without an organization id gets.
var DefaultOrganization = Organization{ID: "1", Name: "Example Corp.", Active: true}

// WithOrganizations sets the account's organizations (none when called without any),
// instead of DefaultOrganization alone.
func WithOrganizations(orgs ...Organization) Option {
	return func(s *Server) { s.organizations, s.orgsSet = append([]Organization(nil), orgs...), true }
}

// orgs returns the account's organizations. Callers hold s.mu or read before serving.
func (s *Server) orgs() []Organization {
	if !s.orgsSet {
		return []Organization{DefaultOrganization}
	}
	return s.organizations
}

// listOrganizations answers GET /organization in CertCentral's shape: is_active is the
// string "1" or "0", ids are numbers.
func (s *Server) listOrganizations(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	orgs := s.orgs()
	s.mu.Unlock()
	items := []map[string]any{}
	for _, o := range orgs {
		status, active := "inactive", "0"
		if o.Active {
			status, active = "active", "1"
		}
		var id any = o.ID
		if n, err := strconv.ParseInt(o.ID, 10, 64); err == nil {
			id = n
		}
		items = append(items, map[string]any{"id": id, "status": status, "name": o.Name, "display_name": o.Name, "is_active": active})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"organizations": items,
		"page": map[string]any{"total": len(items), "limit": 1000, "offset": 0}})
}

// OrderOrganization returns the organization id the order with id was placed for ("" for
// none, or an order not placed through the API).
func (s *Server) OrderOrganization(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.byID[id]; o != nil {
		return o.organization
	}
	return ""
}
