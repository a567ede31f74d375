// Package anyca gives platform code one way to talk to certificate authorities.
//
// A Provider answers the same questions whichever CA is behind it: which certificates
// exist and when they expire, whether a domain is validated and until when, and what must
// be published (DNS record, HTTP file, email) to validate it. Providers are built from a
// Config, so switching CA is a configuration change:
//
//	p, err := anyca.New(ctx, anyca.Config{Provider: "digicert", APIKey: key})
//
// The built-in adapters are "digicert" (DigiCert CertCentral) and "zerossl" (ZeroSSL).
// Optional capabilities (DomainLister, BatchGetter, Verifier, Downloader) are found by type
// assertion, or used through the package functions Domains, CertificatesByID, Verify and
// Download, which work on any Provider; WaitValidated waits until a certificate's domains
// are validated.
//
// Every error a Provider returns for an answer of the CA is a *model.Error that unwraps
// to one of the model.Err* kinds; no error, log line or printed Config contains the API key.
package anyca

import (
	"context"
	"iter"

	"github.com/anyca/anyca/model"
)

// Provider is one certificate authority account. Implementations are safe for concurrent
// use; every method honours ctx cancellation and deadlines.
type Provider interface {
	// Name returns the registered adapter name ("digicert", "zerossl").
	Name() string
	// Certificate returns the certificate with the CA's id, or an error of kind
	// model.ErrNotFound.
	Certificate(ctx context.Context, id string) (*model.Certificate, error)
	// Certificates lists the certificates matching q lazily, page by page, each exactly
	// once. Iteration stops at the first error, which is yielded with a nil certificate;
	// breaking out of the loop stops further requests.
	Certificates(ctx context.Context, q model.CertificateQuery) iter.Seq2[*model.Certificate, error]
	// DomainValidation returns what the CA knows about the validation of domain, which is
	// normalized first (a malformed name is model.ErrInvalidArgument, before any request).
	DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error)
	// Challenges returns what to publish to validate the domains of a certificate or order.
	Challenges(ctx context.Context, certificateID string) ([]model.Challenge, error)
}

// DomainLister is implemented by providers that can list the account's domains.
type DomainLister interface {
	// Domains lists the domains matching q lazily, page by page, each exactly once, with
	// the same iteration rules as Provider.Certificates. A listed value equals what
	// DomainValidation returns for the domain (status, method, levels and their
	// validity) except that Challenges may be left empty: CAs do not list DCV tokens, and
	// a listing never costs one request per domain. Call DomainValidation for the
	// challenges of the domains that need them.
	Domains(ctx context.Context, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error]
}

// BatchGetter is implemented by providers that can look up many certificates in fewer
// round trips than one per id.
type BatchGetter interface {
	// CertificatesByID returns the certificates found, keyed by id. Ids the CA does not
	// know are absent from the map; that alone is not an error.
	CertificatesByID(ctx context.Context, ids []string) (map[string]*model.Certificate, error)
}

// Domains lists p's domains when p is a DomainLister; otherwise it yields one error of
// kind model.ErrUnsupported.
func Domains(ctx context.Context, p Provider, q model.DomainQuery) iter.Seq2[*model.DomainValidation, error] {
	if dl, ok := p.(DomainLister); ok {
		return dl.Domains(ctx, q)
	}
	return func(yield func(*model.DomainValidation, error) bool) {
		yield(nil, model.NewError(p.Name(), "Domains", model.ErrUnsupported, "listing domains is not supported by this provider"))
	}
}
