package providertest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// printVerbs are the fmt verbs a user might print a provider, config or error with.
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"}

// keyForms are the forms of key that must appear in no output: the key, and its hex
// encodings (what %x of a string prints).
func keyForms(key string) []string {
	h := hex.EncodeToString([]byte(key))
	return []string{key, h, strings.ToUpper(h)}
}

// printedForms renders v under every verb, slog's text and JSON handlers and
// encoding/json (an encoding error is no leak, and leaves its output out).
func printedForms(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range printVerbs {
		out[verb] = fmt.Sprintf(verb, v)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("msg", "value", v)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("msg", "value", v)
	out["slog text"], out["slog json"] = text.String(), js.String()
	if b, err := json.Marshal(v); err == nil {
		out["encoding/json"] = string(b)
	}
	return out
}

// AssertNeverPrints fails t when the key, or its hex encoding in either case, shows in
// any form a user might print v in: every fmt verb (%v %+v %#v %s %q %x %X %d), slog's
// text and JSON handlers, and encoding/json. An adapter's own tests use it on the values
// Run cannot reach (its Config and Client types); what names v in the failure.
func AssertNeverPrints(t testing.TB, what string, v any, key string) {
	t.Helper()
	for how, s := range printedForms(v) {
		for _, k := range keyForms(key) {
			if strings.Contains(s, k) {
				t.Errorf("%s printed with %s shows the API key: %s", what, how, s)
			}
		}
	}
}

// testWire checks what the provider's values show and what it accepts as an answer.
func (s *suite) testWire(t *testing.T) {
	runParallel(t, []check{
		{"KeyNeverPrinted", s.testKeyNeverPrinted},
		{"ForeignDocument", s.testForeignDocument},
		{"DomainIDs", s.testDomainIDs},
		{"OpaqueIDs", s.testOpaqueIDs},
	})
}

// testKeyNeverPrinted checks the printed forms of the Provider, its Config and the error
// of a call with a refused key.
func (s *suite) testKeyNeverPrinted(t *testing.T) {
	f, p := s.start(t)
	keys := f.secrets()
	for _, key := range keys {
		require.NotEmpty(t, key, "a secret of the fake's Config is empty")
	}
	assertNeverPrintsAny(t, "the Provider anyca.New returns", p, keys)
	assertNeverPrintsAny(t, "the Config", f.Config, keys)
	assertNeverPrintsAny(t, "a pointer to the Config", &f.Config, keys)
	// An error of a call made with a credential the CA refuses.
	bad, wrong := f.wrongCredential()
	bp := newProvider(t, bad)
	_, err := bp.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
	require.Error(t, err, "a call with a wrong key must fail")
	AssertNeverPrints(t, "the Provider built with a wrong key", bp, wrong)
	AssertNeverPrints(t, "the error of a call with a wrong key", err, wrong)
	AssertNeverPrints(t, "the Config with a wrong key", bad, wrong)
}

// testForeignDocument checks that a 2xx answer that is not the document asked for (a
// wrong BaseURL, a proxy's JSON) is an error, never read as an empty account: for a
// listing ErrUnavailable, code unexpected_document, with a message pointing at BaseURL,
// and for a lookup ErrUnavailable.
func (s *suite) testForeignDocument(t *testing.T) {
	for _, doc := range []string{`{}`, `{"status":"ok","items":[],"count":0}`} {
		f, p := s.start(t)
		f.FailNext(1, Fault{Kind: FaultForeignDocument, Document: []byte(doc)})
		n, errs := 0, 0
		var last error
		for _, err := range p.Certificates(ctxFor(t), model.CertificateQuery{}) {
			if err != nil {
				errs++
				last = err
				continue
			}
			n++
		}
		if errs == 0 {
			t.Errorf("a listing answered with %s yielded %d certificates and no error; want an error, never an empty list", doc, n)
			continue
		}
		assert.True(t, errors.Is(last, model.ErrUnavailable), "a foreign document: want ErrUnavailable, got %v", last)
		var me *model.Error
		if assert.True(t, errors.As(last, &me), "a foreign document: want a *model.Error, got %T", last) {
			assert.Equal(t, wire.CodeUnexpectedDocument, me.Code, "a foreign document: the error's code")
		}
		assert.Contains(t, last.Error(), "BaseURL", "a foreign document: the message should suggest checking BaseURL")
		assert.Equal(t, 0, n, "a foreign first page must yield nothing before the error")
		f.FailNext(1, Fault{Kind: FaultForeignDocument, Document: []byte(doc)})
		_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
		assert.True(t, errors.Is(err, model.ErrUnavailable), "a lookup answered with %s: want ErrUnavailable, got %v", doc, err)
	}
}

// testDomainIDs checks DomainValidation's identifiers: ID is DomainID when the CA keeps
// a domain record, else CertificateID, never empty; and Challenges accepts a
// CertificateID wherever one is set, with challenges when the domain has some. Which of
// the two a CA sets is pinned by Want (DomainValidation must equal it) and by each
// adapter's TestHarness.
func (s *suite) testDomainIDs(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	for _, want := range f.Want.Domains {
		dv, err := p.DomainValidation(ctx, want.Domain)
		require.NoError(t, err, "DomainValidation(%s)", want.Domain)
		wantID := dv.DomainID
		if wantID == "" {
			wantID = dv.CertificateID
		}
		assert.NotEmpty(t, dv.ID, "%s: ID is empty", want.Domain)
		assert.Equal(t, wantID, dv.ID, "%s: ID must be DomainID when set, else CertificateID (DomainID %q, CertificateID %q)",
			want.Domain, dv.DomainID, dv.CertificateID)
		if dv.CertificateID != "" {
			chs, err := p.Challenges(ctx, dv.CertificateID)
			assert.NoError(t, err, "%s: Challenges(CertificateID %q)", want.Domain, dv.CertificateID)
			if len(dv.Challenges) > 0 {
				assert.NotEmpty(t, chs, "%s: the domain has challenges, but Challenges(CertificateID %q) has none", want.Domain, dv.CertificateID)
			}
		}
	}
}
