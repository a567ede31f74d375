package acmetest_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
)

// TestVerifyAnswerStatus: Verify's result takes each answered challenge's status and
// problem from the CA's answer to the challenge POST, not from the authorization read
// before it: an answer saying invalid is a failed challenge with the CA's detail, and a
// challenge the CA is still checking is pending, never valid. The answer is set to
// each state (Pebble, with nothing published, may already have failed the challenge
// when it answers).
func TestVerifyAnswerStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  string
		problem map[string]any
		want    model.ValidationStatus
		detail  string
	}{
		{"checking", "processing", nil, model.ValidationPending, ""},
		{"refused", "invalid", map[string]any{"type": "urn:ietf:params:acme:error:unauthorized", "detail": "no TXT record found"},
			model.ValidationFailed, "no TXT record found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fault{match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/chalZ/")
			}, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				relay(w, r, next, func(_ int, _ http.Header, body []byte) []byte {
					var ch map[string]any
					require.NoError(t, json.Unmarshal(body, &ch), "Pebble's answer to the challenge POST")
					ch["status"] = tc.status
					delete(ch, "error")
					delete(ch, "validated")
					if tc.problem != nil {
						ch["error"] = tc.problem
					}
					out, err := json.Marshal(ch)
					require.NoError(t, err)
					return out
				})
			}}
			f.armed.Store(true)
			// Nothing is published: Pebble keeps checking (and fails) after its answer.
			_, p := startWith(t, acmetest.Options{}, f)
			ctx := context.Background()
			ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{tc.name + ".example.com"}, CSR: csrFor(t, tc.name+".example.com")})
			require.NoError(t, err)
			chs, err := anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT)
			require.NoError(t, err)
			require.EqualValues(t, 1, f.hits.Load(), "one challenge POST")
			var answered *model.Challenge
			for i, ch := range chs {
				assert.NotEqual(t, model.ValidationValid, ch.Status, "%s: the CA said nothing of valid", ch.Type)
				if ch.Type == model.ChallengeDNSTXT {
					answered = &chs[i]
				}
			}
			require.NotNil(t, answered)
			assert.Equal(t, tc.want, answered.Status)
			assert.Equal(t, tc.detail, answered.Problem)
		})
	}
}

// TestVerifyNothingToDo: Verify on an order whose authorizations are all valid, or one
// the CA refused, is ErrFailedPrecondition and answers no challenge.
func TestVerifyNothingToDo(t *testing.T) {
	srv, p := start(t, acmetest.Options{})
	ctx := context.Background()
	cert, _ := issue(t, srv, p, model.ChallengeDNSTXT, "done.example.com")
	before := srv.Requests()
	_, err := anyca.Verify(ctx, p, cert.ID, model.ChallengeDNSTXT)
	me := requireKind(t, err, model.ErrFailedPrecondition, "")
	assert.Contains(t, me.Message, "every authorization valid")
	assert.EqualValues(t, 1, srv.Requests()-before, "one read of the authorization, no challenge answered")

	ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"refused.example.com"}, CSR: csrFor(t, "refused.example.com")})
	require.NoError(t, err)
	_, err = anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT) // nothing published
	require.NoError(t, err)
	_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond})
	var vf *anyca.ValidationFailedError
	require.ErrorAs(t, err, &vf)
	_, err = anyca.Verify(ctx, p, ord.ID, model.ChallengeHTTPFile)
	me = requireKind(t, err, model.ErrFailedPrecondition, "")
	assert.Contains(t, me.Message, "is invalid")
}

// TestVerifyReusedAuthorizations: an order whose authorizations the CA reused (already
// valid) is not an error to Verify: each domain comes back valid, no challenge is
// answered again, and the order downloads.
func TestVerifyReusedAuthorizations(t *testing.T) {
	srv, p := start(t, acmetest.Options{AuthzReusePercent: 100})
	ctx := context.Background()
	issue(t, srv, p, model.ChallengeDNSTXT, "again.example.com")
	ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"again.example.com"}, CSR: csrFor(t, "again.example.com")})
	require.NoError(t, err)
	before := srv.Requests()
	chs, err := anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT)
	require.NoError(t, err)
	require.NotEmpty(t, chs)
	for _, ch := range chs {
		assert.Equal(t, model.ValidationValid, ch.Status, "%s %s", ch.Domain, ch.Type)
	}
	assert.EqualValues(t, 1, srv.Requests()-before, "one read of the authorization, no challenge answered")
	_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond})
	require.NoError(t, err)
	b, err := anyca.Download(ctx, p, ord.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"again.example.com"}, b.Leaf.DNSNames)
}

// TestDownloadNotReady: Download of an order not validated yet sends its finalize
// without reading the order first; the CA's orderNotReady is followed by one read of
// the order, for the precise ErrFailedPrecondition. Once validated, the order is read
// before it is finalized again (a finalize was sent), and downloads.
func TestDownloadNotReady(t *testing.T) {
	f := &fault{match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/finalize-order/")
	}, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) { next.ServeHTTP(w, r) }}
	srv, p := startWith(t, acmetest.Options{AlwaysValid: true}, f)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"early.example.com"}, CSR: csrFor(t, "early.example.com")})
	require.NoError(t, err)
	before := srv.Requests()
	_, err = anyca.Download(ctx, p, ord.ID)
	me := requireKind(t, err, model.ErrFailedPrecondition, "")
	assert.Contains(t, me.Message, "not validated yet")
	assert.EqualValues(t, 2, srv.Requests()-before, "the finalize, refused, and one read of the order")
	assert.EqualValues(t, 1, f.hits.Load())

	_, err = anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT)
	require.NoError(t, err)
	_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond})
	require.NoError(t, err)
	b, err := anyca.Download(ctx, p, ord.ID)
	require.NoError(t, err)
	assert.Equal(t, "early.example.com", b.Leaf.DNSNames[0])
	assert.EqualValues(t, 2, f.hits.Load(), "finalized once more, now that the order is ready")
}

// TestDownloadChecksTheChain: the chain the CA sends is checked as every adapter's
// download is (internal/chain.Check): another order's certificate at this order's
// certificate URL is ErrUnavailable with code leaf_mismatch, and a chain whose leaf is
// not signed by the next certificate is ErrUnavailable with code chain_broken.
func TestDownloadChecksTheChain(t *testing.T) {
	var serve atomic.Pointer[[]byte]
	f := &fault{match: func(r *http.Request) bool {
		return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/certZ/")
	}, answer: func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		// Pebble's answer, for its headers and nonce, with the chain replaced.
		relay(w, r, next, func(int, http.Header, []byte) []byte { return *serve.Load() })
	}}
	srv, p := startWith(t, acmetest.Options{}, f)
	a, ab := issue(t, srv, p, model.ChallengeDNSTXT, "mine.example.com")
	_, bb := issue(t, srv, p, model.ChallengeDNSTXT, "other.example.com")
	f.armed.Store(true)

	serve.Store(&bb.PEM)
	_, err := anyca.Download(context.Background(), p, a.ID)
	requireKind(t, err, model.ErrUnavailable, "leaf_mismatch")

	leaf := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ab.Leaf.Raw})
	broken := append(append([]byte{}, leaf...), leaf...)
	serve.Store(&broken)
	_, err = anyca.Download(context.Background(), p, a.ID)
	requireKind(t, err, model.ErrUnavailable, "chain_broken")

	f.armed.Store(false)
	b, err := anyca.Download(context.Background(), p, a.ID)
	require.NoError(t, err, "Pebble's own chain")
	assert.Equal(t, ab.Leaf.Raw, b.Leaf.Raw)
}
