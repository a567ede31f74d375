package providertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The failure checks of Run: error kinds, cancellation and deadlines, concurrent use.

func (s *suite) testErrors(t *testing.T) {
	// Each case gets its own fake, so that faults left queued cannot leak into another.
	type errCase struct {
		name string
		run  func(t *testing.T, f *Fake)
	}
	name := s.h.Name
	noKey := func(t *testing.T, f *Fake, err error) {
		t.Helper()
		assert.NoError(t, checkNoSecrets(err, f.secrets()), "the valid key leaked")
	}
	cases := []errCase{
		{"BadKey", func(t *testing.T, f *Fake) {
			ctx := ctxFor(t)
			cfg, wrong := f.wrongCredential()
			p := newProvider(t, cfg)
			id := f.Want.Certificates[0].ID
			c, err := p.Certificate(ctx, id)
			assert.Nil(t, c)
			assert.NoError(t, checkKind(err, f.wrongCredentialKind(), name), "Certificate with a wrong key")
			assert.NoError(t, checkNoSecret(err, wrong), "the wrong key leaked")
			noKey(t, f, err)
			c, err = firstCert(ctx, p)
			assert.Nil(t, c)
			assert.NoError(t, checkKind(err, f.wrongCredentialKind(), name), "Certificates with a wrong key")
			assert.NoError(t, checkNoSecret(err, wrong), "the wrong key leaked")
			noKey(t, f, err)
		}},
		{"RateLimited", func(t *testing.T, f *Fake) {
			p := newProvider(t, withRetry(f, 1, 0))
			f.FailNext(1, Fault{Kind: FaultRateLimit, Status: 429, RetryAfter: "1"})
			_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
			requireHTTPError(t, err, model.ErrRateLimited, name, 429, time.Second, "Certificate")
			noKey(t, f, err)
		}},
		{"RateLimitedListing", func(t *testing.T, f *Fake) {
			p := newProvider(t, withRetry(f, 1, 0))
			f.FailNext(1, Fault{Kind: FaultRateLimit, Status: 429, RetryAfter: "1"})
			c, err := firstCert(ctxFor(t), p)
			assert.Nil(t, c)
			requireHTTPError(t, err, model.ErrRateLimited, name, 429, time.Second, "the first item of a listing")
			noKey(t, f, err)
		}},
		{"RateLimitedRetried", retriedOnce(Fault{Kind: FaultRateLimit, Status: 429, RetryAfter: "1"}, "a single 429")},
		{"ServerError", func(t *testing.T, f *Fake) {
			p := newProvider(t, withRetry(f, 2, 20*time.Millisecond))
			f.FailNext(5, Fault{Kind: FaultServerError, Status: 503})
			_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
			requireHTTPError(t, err, model.ErrUnavailable, name, 503, 0, "Certificate")
			noKey(t, f, err)
		}},
		{"HTMLError", func(t *testing.T, f *Fake) {
			p := newProvider(t, withRetry(f, 1, 0))
			f.FailNext(1, Fault{Kind: FaultHTMLError, Status: 502})
			_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
			requireHTTPError(t, err, model.ErrUnavailable, name, 502, 0, "Certificate")
			noKey(t, f, err)
		}},
		// The CA's own error text reaches the error, as one printable line: a line
		// break, a terminal escape or another control character in it could forge a log
		// line or repaint a terminal wherever the error is printed.
		{"ControlCharacters", func(t *testing.T, f *Fake) {
			p := singleShot(t, f)
			const text = "quota\r\n2026-12-02T00:00:00Z level=ERROR msg=forged\x1b[2J\x00\u0085\x7fend"
			for _, fault := range []Fault{
				{Kind: FaultRateLimit, Status: 429, RetryAfter: "1", Message: text},
				{Kind: FaultServerError, Status: 503, Message: text},
			} {
				f.FailNext(1, fault)
				_, err := p.Certificate(ctxFor(t), f.Want.Certificates[0].ID)
				require.Error(t, err, "Certificate answered by %s", fault.Kind)
				for verb, printed := range map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err)} {
					if i := strings.IndexFunc(printed, isControl); i >= 0 {
						t.Errorf("%s: the error's %s holds the control character %q: %q", fault.Kind, verb, printed[i], printed)
					}
				}
				assert.Contains(t, err.Error(), "msg=forged", "%s: the CA's message must be kept, made printable", fault.Kind)
			}
		}},
		// A 404 page that is not the CA's (a web server at a wrong BaseURL, a proxy) is
		// ErrUnavailable with code endpoint_not_found, HTTP 404 and a message asking
		// whether BaseURL is right: never ErrNotFound, which a caller would read as "no
		// such certificate".
		{"NotTheCA404", func(t *testing.T, f *Fake) {
			p := singleShot(t, f)
			id := f.Want.Certificates[0].ID
			for op, call := range map[string]func() error{
				"Certificate": func() error { _, err := p.Certificate(ctxFor(t), id); return err },
				"Certificates": func() error {
					_, err := firstCert(ctxFor(t), p)
					return err
				},
			} {
				f.FailNext(1, Fault{Kind: FaultHTMLError, Status: http.StatusNotFound})
				err := call()
				assert.True(t, errors.Is(err, model.ErrUnavailable), "%s answered by a 404 page that is not the CA's: want ErrUnavailable, got %v", op, err)
				assert.False(t, errors.Is(err, model.ErrNotFound), "%s answered by a 404 page that is not the CA's: the endpoint is missing, not the certificate: %v", op, err)
				var me *model.Error
				if assert.True(t, errors.As(err, &me), "%s: want a *model.Error, got %T", op, err) {
					assert.Equal(t, wire.NotVendor404Code, me.Code, "%s: the error's code", op)
					assert.Equal(t, http.StatusNotFound, me.HTTPStatus, "%s: the error's HTTP status", op)
				}
				if err != nil {
					assert.Contains(t, err.Error(), "is BaseURL right?", "%s: the message should ask whether BaseURL is right", op)
				}
			}
		}},
		// The CA's own "no such route" answer (a request under a wrong BaseURL path, such
		// as DigiCert's 404 not_found|route or ZeroSSL's 104 route_not_found) is the
		// same: ErrUnavailable, code endpoint_not_found, asking whether BaseURL is right,
		// never ErrNotFound (exit code 3 in the CLI, "it does not exist" to a script).
		// Only the CA's own "this object does not exist" is ErrNotFound.
		{"WrongRoute", func(t *testing.T, f *Fake) {
			p := singleShot(t, f)
			id := f.Want.Certificates[0].ID
			for op, call := range map[string]func() error{
				"Certificate": func() error { _, err := p.Certificate(ctxFor(t), id); return err },
				"Certificates": func() error {
					_, err := firstCert(ctxFor(t), p)
					return err
				},
				"DomainValidation": func() error {
					_, err := p.DomainValidation(ctxFor(t), f.Want.Domains[0].Domain)
					return err
				},
				"Challenges": func() error { _, err := p.Challenges(ctxFor(t), id); return err },
			} {
				f.FailNext(1, Fault{Kind: FaultWrongRoute})
				err := call()
				assert.False(t, errors.Is(err, model.ErrNotFound), "%s answered by the CA's own route-not-found: the endpoint is missing, not the certificate: %v", op, err)
				var me *model.Error
				if assert.True(t, errors.As(err, &me), "%s: want a *model.Error, got %T (%v)", op, err, err) {
					assert.True(t, errors.Is(err, model.ErrUnavailable), "%s: want ErrUnavailable, got %v", op, err)
					assert.Equal(t, wire.NotVendor404Code, me.Code, "%s: the error's code (%v)", op, err)
					assert.Contains(t, err.Error(), "is BaseURL right?", "%s: the message should ask whether BaseURL is right", op)
				}
			}
		}},
		{"ResetRetried", retriedOnce(Fault{Kind: FaultReset}, "a reset connection")},
		{"TruncatedRetried", retriedOnce(Fault{Kind: FaultTruncated}, "a truncated answer")},
		{"ListingRetried", func(t *testing.T, f *Fake) {
			p := newProvider(t, withRetry(f, 3, 20*time.Millisecond))
			f.FailNext(1, Fault{Kind: FaultServerError, Status: 503})
			got, err := collect(p.Certificates(ctxFor(t), model.CertificateQuery{PageSize: 10}))
			require.NoError(t, err, "a 503 on the first page must be retried")
			assert.NoError(t, checkCertificates(got, f.Want.Certificates))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := s.startFake(t)
			require.NotEmpty(t, f.Want.Certificates)
			c.run(t, f)
		})
	}
}

// returnsWithin runs fn and fails the test if it has not returned within d.
func returnsWithin(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		t.Fatalf("%s did not return within %s", what, d)
	}
}

func (s *suite) testCancellation(t *testing.T) {
	f, p := s.start(t)
	require.NotEmpty(t, f.Want.Certificates)
	require.NotEmpty(t, f.Want.Domains)
	id := f.Want.Certificates[0].ID
	domain := f.Want.Domains[0].Domain

	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		calls := map[string]func() error{
			"Certificate": func() error { _, err := p.Certificate(ctx, id); return err },
			"Certificates": func() error {
				_, err := firstCert(ctx, p)
				return err
			},
			"DomainValidation": func() error { _, err := p.DomainValidation(ctx, domain); return err },
			"Challenges":       func() error { _, err := p.Challenges(ctx, id); return err },
			"CertificatesByID": func() error { _, err := anyca.CertificatesByID(ctx, p, []string{id}); return err },
		}
		if s.h.Capabilities.DomainLister {
			calls["Domains"] = func() error {
				for _, err := range anyca.Domains(ctx, p, model.DomainQuery{}) {
					return err
				}
				return errors.New("the listing is empty")
			}
		}
		for op, call := range calls {
			returnsWithin(t, watchdog, op+" with a cancelled context", func() {
				err := call()
				assert.ErrorIs(t, err, context.Canceled, "%s with a cancelled context", op)
				assert.NoError(t, checkNoSecrets(err, f.secrets()), op)
			})
		}
	})

	t.Run("Deadline", func(t *testing.T) {
		calls := map[string]func(ctx context.Context) error{
			"Certificate": func(ctx context.Context) error { _, err := p.Certificate(ctx, id); return err },
			"Certificates": func(ctx context.Context) error {
				_, err := firstCert(ctx, p)
				return err
			},
			"DomainValidation": func(ctx context.Context) error { _, err := p.DomainValidation(ctx, domain); return err },
			"Challenges":       func(ctx context.Context) error { _, err := p.Challenges(ctx, id); return err },
		}
		for _, op := range []string{"Certificate", "Certificates", "DomainValidation", "Challenges"} {
			call := calls[op]
			f.FailNext(1, Fault{Kind: FaultSlow})
			returnsWithin(t, watchdog, op+" against a hanging CA", func() {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				err := call(ctx)
				assert.ErrorIs(t, err, context.DeadlineExceeded, "%s against a hanging CA", op)
				assert.NoError(t, checkNoSecrets(err, f.secrets()), op)
			})
		}
	})
}

func (s *suite) testConcurrency(t *testing.T) {
	f, p := s.start(t)
	ctx := ctxFor(t)
	certs, domains := f.Want.Certificates, f.Want.Domains
	require.NotEmpty(t, certs)
	require.NotEmpty(t, domains)
	const workers = 20
	errs := make([][]error, workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			fail := func(err error) {
				if err != nil {
					errs[i] = append(errs[i], err)
				}
			}
			want := certs[i%len(certs)]
			got, err := p.Certificate(ctx, want.ID)
			fail(checkAnswer(fmt.Sprintf("Certificate(%q)", want.ID), err, func() error { return checkCertificate(got, want) }))
			list, err := collect(p.Certificates(ctx, model.CertificateQuery{PageSize: 10}))
			fail(checkAnswer("Certificates", err, func() error { return checkCertificates(list, certs) }))
			wd := domains[i%len(domains)]
			dv, err := p.DomainValidation(ctx, wd.Domain)
			fail(checkAnswer(fmt.Sprintf("DomainValidation(%q)", wd.Domain), err, func() error { return checkDomain(dv, wd) }))
		}(i)
	}
	wg.Wait()
	for i, es := range errs {
		for _, err := range es {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}

// checkAnswer returns the error of the call what, wrapped with its name, or when the call
// succeeded what check says of its answer.
func checkAnswer(what string, err error, check func() error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return check()
}

// requireHTTPError requires err to be a *model.Error of kind (checkKind, with the
// provider's name) carrying the HTTP status, and RetryAfter when retryAfter is not 0:
// what a user reads to decide whether and when to try again.
func requireHTTPError(t *testing.T, err error, kind error, name string, status int, retryAfter time.Duration, what string) {
	t.Helper()
	require.NoError(t, checkKind(err, kind, name), what)
	var me *model.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, status, me.HTTPStatus, what)
	if retryAfter != 0 {
		assert.Equal(t, retryAfter, me.RetryAfter, what)
	}
}

// retriedOnce is the check that a single fault is retried: with 3 attempts Certificate
// answers the right certificate.
func retriedOnce(fault Fault, what string) func(t *testing.T, f *Fake) {
	return func(t *testing.T, f *Fake) {
		p := newProvider(t, withRetry(f, 3, 20*time.Millisecond))
		f.FailNext(1, fault)
		want := f.Want.Certificates[0]
		got, err := p.Certificate(ctxFor(t), want.ID)
		require.NoError(t, err, what+" must be retried")
		assert.NoError(t, checkCertificate(got, want))
	}
}

// withRetry is f's config with attempts attempts and, when maxWait is set, waits of at
// most maxWait.
func withRetry(f *Fake, attempts int, maxWait time.Duration) anyca.Config {
	cfg := f.Config
	cfg.Retry.MaxAttempts = attempts
	if maxWait > 0 {
		cfg.Retry.MaxWait = maxWait
		if cfg.Retry.MinWait > maxWait {
			cfg.Retry.MinWait = maxWait
		}
	}
	return cfg
}

// isControl reports a C0 or C1 control character or DEL: what no line of an error
// message may hold.
func isControl(r rune) bool { return r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 }
