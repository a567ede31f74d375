package digicert_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDomainsOneRequestPerPage: Domains costs ceil(n/page size) List domains requests
// for n domains and no Domain info request.
func TestDomainsOneRequestPerPage(t *testing.T) {
	for _, tc := range []struct{ n, pageSize, want int }{
		{1, 0, 1},
		{999, 0, 1},
		{1000, 0, 1},
		{1001, 0, 2},
		{2500, 0, 3},
		{2500, 1000, 3},
		{2500, 5000, 3}, // capped at the API's 1000
		{25, 10, 3},
		{30, 10, 3},
	} {
		t.Run(fmt.Sprintf("n=%d,page=%d", tc.n, tc.pageSize), func(t *testing.T) {
			s := newFake(t)
			for i := 0; i < tc.n; i++ {
				s.AddDomain(model.DomainValidation{Domain: fmt.Sprintf("p%05d.example.org", i), Method: model.ChallengeDNSTXT,
					Levels: []model.LevelValidation{{Level: model.LevelOV, Status: model.ValidationValid,
						ValidUntil: time.Now().Add(time.Duration(i%400+1) * 24 * time.Hour)}}})
			}
			c := client(t, s, "")
			got := collect(t, c.Domains(context.Background(), model.DomainQuery{PageSize: tc.pageSize}))
			assert.Len(t, got, tc.n)
			reqs := s.EndpointRequests()
			assert.EqualValues(t, tc.want, reqs["GET /domain"], "ceil(n/page size) List domains requests")
			assert.Zero(t, reqs["GET /domain/{id}"], "no Domain info request")
			assert.EqualValues(t, tc.want, s.Requests(), "and nothing else")
		})
	}
}

// TestDomainsEqualDomainValidation: for a domain in every state, the listed value equals
// what DomainValidation returns with Challenges cleared, and DomainsFiltered with Details
// equals it with the challenge.
func TestDomainsEqualDomainValidation(t *testing.T) {
	s := newFake(t)
	now := time.Now()
	days := func(n int) time.Time { return now.Add(time.Duration(n) * 24 * time.Hour) }
	approved := now.Add(-100 * 24 * time.Hour)
	lv := func(l model.ValidationLevel, st model.ValidationStatus, until time.Time) model.LevelValidation {
		return model.LevelValidation{Level: l, Status: st, ValidUntil: until}
	}
	pendingOV := []model.LevelValidation{lv(model.LevelOV, model.ValidationPending, time.Time{})}
	seeds := []model.DomainValidation{
		{Domain: "ovev.example.com", Method: model.ChallengeDNSTXT, ValidatedAt: approved,
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationValid, days(300)), lv(model.LevelEV, model.ValidationValid, days(30))}},
		{Domain: "ov-only.example.com", Method: model.ChallengeEmail, ValidatedAt: approved,
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationValid, days(200))}},
		{Domain: "ov-valid-ev-expired.example.com", Method: model.ChallengeHTTPFile, ValidatedAt: approved,
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationValid, days(200)), lv(model.LevelEV, model.ValidationExpired, days(-3))}},
		{Domain: "expired.example.com", Method: model.ChallengeDNSTXT, ValidatedAt: days(-407),
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationExpired, days(-10))}},
		{Domain: "lapsed.example.com", Method: model.ChallengeDNSCNAME, ValidatedAt: days(-400),
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationValid, days(-1))}}, // active, past validated_until
		{Domain: "rejected.example.com", Method: model.ChallengeDNSTXT,
			Levels: []model.LevelValidation{lv(model.LevelOV, model.ValidationFailed, time.Time{})}},
		{Domain: "pending-txt.example.com", Method: model.ChallengeDNSTXT, Status: model.ValidationPending, Levels: pendingOV},
		{Domain: "pending-cname.example.com", Method: model.ChallengeDNSCNAME, Status: model.ValidationPending, Levels: pendingOV},
		{Domain: "pending-http.example.com", Method: model.ChallengeHTTPFile, Status: model.ValidationPending, Levels: pendingOV},
		{Domain: "pending-email.example.com", Method: model.ChallengeEmail, Status: model.ValidationPending, Levels: pendingOV},
		{Domain: "submitted-txt.example.com", Method: model.ChallengeDNSTXT, Status: model.ValidationPending},
		{Domain: "submitted-cname.example.com", Method: model.ChallengeDNSCNAME, Status: model.ValidationPending},
		{Domain: "submitted-http.example.com", Method: model.ChallengeHTTPFile, Status: model.ValidationPending},
		{Domain: "submitted-email.example.com", Method: model.ChallengeEmail, Status: model.ValidationPending},
		{Domain: "resubmitted.example.com", Method: model.ChallengeDNSTXT, Status: model.ValidationPending, ValidatedAt: days(-500)},
		{Domain: "not-started.example.com", Method: model.ChallengeDNSTXT},
		{Domain: "not-started-email.example.com", Method: model.ChallengeEmail},
		{Domain: "no-method.example.com"},
	}
	want := map[string]model.DomainValidation{}
	for _, d := range seeds {
		w := s.AddDomain(d)
		want[w.Domain] = w
	}
	c := client(t, s, "")
	ctx := context.Background()

	// DomainValidation is the reference: the fake's Want must be what it returns.
	for name, w := range want {
		got, err := c.DomainValidation(ctx, name)
		require.NoError(t, err, name)
		require.Equal(t, &w, got, name)
	}
	statuses := map[model.ValidationStatus]int{}
	for _, w := range want {
		statuses[w.Status]++
	}
	for _, st := range []model.ValidationStatus{model.ValidationValid, model.ValidationExpired, model.ValidationFailed,
		model.ValidationPending, model.ValidationNotStarted} {
		assert.Positive(t, statuses[st], "a domain in status %s", st)
	}

	before := s.EndpointRequests()
	listed := collect(t, c.Domains(ctx, model.DomainQuery{PageSize: 7}))
	require.Len(t, listed, len(want))
	for _, got := range listed {
		w, ok := want[got.Domain]
		require.True(t, ok, got.Domain)
		w.Challenges = nil
		assert.Equal(t, &w, got, "%s: DomainValidation's value without challenges", got.Domain)
	}
	after := s.EndpointRequests()
	assert.EqualValues(t, 3, after["GET /domain"]-before["GET /domain"], "18 domains, 7 per page")
	assert.Equal(t, before["GET /domain/{id}"], after["GET /domain/{id}"], "no Domain info request")

	full := collect(t, c.DomainsFiltered(ctx, digicert.DomainFilter{PageSize: 7, Details: true}))
	require.Len(t, full, len(want))
	for _, got := range full {
		w := want[got.Domain]
		assert.Equal(t, &w, got, "%s: Details gives DomainValidation's value", got.Domain)
	}
}

// TestListDomainsWire: the fake's List domains carries what the real one does:
// dcv_expiration dates in Mountain Time without include_dcv_expiration_time, ov_status
// and ev_status only with include_validation_reuse_status, last_submitted_datetime for
// submitted domains, only active validations and no dcv_token or is_pending_validation.
func TestListDomainsWire(t *testing.T) {
	s := newFake(t)
	until := time.Date(2030, 7, 31, 3, 0, 0, 0, time.UTC) // 2030-07-30 21:00 in Denver
	approved := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s.AddDomain(model.DomainValidation{Domain: "a.example.com", Method: model.ChallengeDNSTXT, ValidatedAt: approved,
		Levels: []model.LevelValidation{
			{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: until},
			{Level: model.LevelEV, Status: model.ValidationExpired, ValidUntil: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		}})
	s.AddDomain(model.DomainValidation{Domain: "b.example.com", Method: model.ChallengeDNSTXT, Status: model.ValidationPending})
	type wireDomain struct {
		Name           string            `json:"name"`
		Validations    []map[string]any  `json:"validations"`
		DCVExpiration  map[string]string `json:"dcv_expiration"`
		DCVToken       any               `json:"dcv_token"`
		Pending        any               `json:"is_pending_validation"`
		LastSubmitted  string            `json:"last_submitted_datetime"`
		Approved       string            `json:"dcv_approval_datetime"`
		DCVExpDatetime string            `json:"dcv_expiration_datetime"`
	}
	list := func(query string) []wireDomain {
		t.Helper()
		_, b := fakecatest.Do(t, http.MethodGet, s.URL+"/domain?"+query, "", fakecatest.Header("X-DC-DEVKEY", s.APIKey))
		var body struct {
			Domains []wireDomain `json:"domains"`
		}
		fakecatest.DecodeJSON(t, b, &body)
		require.Len(t, body.Domains, 2)
		return body.Domains
	}
	plain := list("")
	a, b := plain[0], plain[1]
	require.Equal(t, "a.example.com", a.Name)
	assert.Equal(t, "2030-07-30", a.DCVExpiration["ov"], "date-only values are Mountain Time")
	assert.Equal(t, "2025-02-28", a.DCVExpiration["ev"])
	assert.NotContains(t, a.DCVExpiration, "ov_status", "only with include_validation_reuse_status")
	require.Len(t, a.Validations, 1, "only active validations")
	assert.Equal(t, "ov", a.Validations[0]["type"])
	assert.Nil(t, a.DCVToken)
	assert.Equal(t, "2025-01-02T03:04:05+00:00", a.Approved)
	assert.Equal(t, a.Approved, a.LastSubmitted)
	assert.Equal(t, "2030-07-31T03:00:00+00:00", a.DCVExpDatetime)
	assert.NotEmpty(t, b.LastSubmitted, "submitted for DCV")
	assert.Empty(t, b.Approved)
	assert.Nil(t, b.Pending, "List domains has no is_pending_validation")
	assert.Nil(t, b.DCVToken)
	assert.Empty(t, b.DCVExpiration)

	full := list("include_validation_reuse_status=true&include_dcv_expiration_time=true")
	a = full[0]
	assert.Equal(t, "2030-07-31T03:00:00+00:00", a.DCVExpiration["ov"])
	assert.Equal(t, "valid", a.DCVExpiration["ov_status"])
	assert.Equal(t, "expired", a.DCVExpiration["ev_status"])
	assert.Equal(t, "2025-01-02T03:04:05+00:00", a.DCVExpiration["dcv_approval_date"])
}
