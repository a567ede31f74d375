package acmetest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// TestRevocationReasons: each revocation reason the model offers reaches the CA as its
// RFC 5280 code (unspecified 0, key_compromise 1, affiliation_changed 3, superseded 4,
// cessation_of_operation 5), which Pebble accepts and records with the revocation; the
// certificate then reads revoked, and revoking it again is done while the CA answers
// alreadyRevoked. A reason the model does not offer (RFC 5280's others, or the ACME
// spelling of one it offers) is model.ErrInvalidArgument before any request.
func TestRevocationReasons(t *testing.T) {
	var mu sync.Mutex
	var answers []string // the problem type of each revocation answer, "" for a success
	f := &fault{match: func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/revoke-cert" },
		answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
			relay(w, r, next, func(status int, _ http.Header, body []byte) []byte {
				var problem struct {
					Type string `json:"type"`
				}
				if status >= 300 {
					_ = json.Unmarshal(body, &problem)
				}
				mu.Lock()
				answers = append(answers, problem.Type)
				mu.Unlock()
				return body
			})
		}}
	f.armed.Store(true)
	srv, p := startWith(t, acmetest.Options{}, f)
	ctx := context.Background()
	codes := map[model.RevocationReason]int{model.ReasonUnspecified: 0, model.ReasonKeyCompromise: 1,
		model.ReasonAffiliationChanged: 3, model.ReasonSuperseded: 4, model.ReasonCessationOfOperation: 5}
	require.Len(t, model.RevocationReasons(), len(codes), "every reason the model offers has its code here")

	var last *model.Certificate
	for _, reason := range model.RevocationReasons() {
		want, ok := codes[reason]
		require.True(t, ok, "the RFC 5280 code of %q", reason)
		cert, b := issue(t, srv, p, model.ChallengeDNSTXT, "revoke.example.com")
		require.NoError(t, anyca.Revoke(ctx, p, cert.ID, reason), reason)
		code, revoked := srv.RevocationReason(b.Leaf.Raw)
		require.True(t, revoked, "%s: Pebble holds the certificate revoked", reason)
		assert.Equal(t, want, code, "%s: the reason code Pebble recorded", reason)
		got, err := p.Certificate(ctx, cert.ID)
		require.NoError(t, err)
		assert.Equal(t, model.StatusRevoked, got.Status, reason)
		last = cert
	}
	require.NoError(t, anyca.Revoke(ctx, p, last.ID, model.ReasonSuperseded), "revoking a revoked certificate is done")
	mu.Lock()
	assert.Equal(t, []string{"", "", "", "", "", "urn:ietf:params:acme:error:alreadyRevoked"}, answers, "the CA's answers to the revocations")
	mu.Unlock()

	for _, reason := range []model.RevocationReason{"ca_compromise", "certificate_hold", "remove_from_crl", "privilege_withdrawn",
		"aa_compromise", "keyCompromise", "7", "because"} {
		before := srv.Requests()
		err := anyca.Revoke(ctx, p, last.ID, reason)
		requireKind(t, err, model.ErrInvalidArgument, "")
		assert.Equal(t, before, srv.Requests(), "%q: no request", reason)
	}
}
