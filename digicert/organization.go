package digicert

import (
	"context"
	"net/url"
	"strings"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// docOrganizationList is the answer of List organizations (GET /organization).
var docOrganizationList = wire.Document{Name: "a CertCentral organization list", Fields: []string{"organizations[]"}, List: "organizations"}

// maxOrganizations bounds the organizations read to find the account's only one.
const maxOrganizations = 1000

// organizationWire is what the adapter reads of an organization: its id and whether it
// is active (status "active", or is_active "1"/true when the status is missing).
type organizationWire struct {
	ID       flexString `json:"id"`
	Status   flexString `json:"status"`
	IsActive flexString `json:"is_active"`
}

func (o organizationWire) active() bool {
	if st := strings.ToLower(string(o.Status)); st != "" {
		return st == "active"
	}
	switch strings.ToLower(string(o.IsActive)) {
	case "1", "true":
		return true
	}
	return false
}

// onlyOrganization returns the id of the account's only active organization, for an
// OV or EV order of product (level lvl) placed without Config.OrganizationID: one
// request, List organizations. No active organization, or several, is
// model.ErrInvalidArgument naming the setting (and the candidates); the order is then
// not sent.
func (c *Client) onlyOrganization(ctx context.Context, op, product string, lvl model.ValidationLevel) (string, error) {
	var ans struct {
		Organizations []organizationWire `json:"organizations"`
	}
	if _, err := c.doDoc(ctx, &retry.Request{Op: op, Path: "organization", Query: url.Values{"limit": {"1000"}}},
		docOrganizationList, maxOrganizations, &ans); err != nil {
		return "", err
	}
	var ids []string
	for _, o := range ans.Organizations {
		if o.active() && o.ID != "" {
			ids = append(ids, string(o.ID))
		}
	}
	need := "product " + product + " is " + string(lvl) + ": it needs digicert.Config.OrganizationID (organization_id in the JSON config)"
	switch len(ids) {
	case 1:
		return ids[0], nil
	case 0:
		return "", c.http.Error(op, model.ErrInvalidArgument, "%s, and the account has no active organization to use", need)
	}
	if len(ids) > 5 {
		ids = append(ids[:5], "...")
	}
	return "", c.http.Error(op, model.ErrInvalidArgument, "%s: the account has several active organizations (%s); name one",
		need, strings.Join(ids, ", "))
}
