package anyca

import (
	"context"

	"github.com/anyca/anyca/model"
)

// Verifier is implemented by providers that can ask the CA to check the DCV of a
// certificate or order now, instead of waiting for the CA's own poll.
type Verifier interface {
	// Verify asks the CA to check the domains of certificateID with method (the
	// certificate's own method; "" means the one it already has) and returns each
	// domain's state after the check. A check the CA made and refused is not an error:
	// the domain comes back model.ValidationFailed with Challenge.Problem saying what the
	// CA found. A certificate that is issued, cancelled or revoked is
	// model.ErrFailedPrecondition; a key that may not write is model.ErrPermissionDenied;
	// a method the certificate cannot use is model.ErrInvalidArgument.
	Verify(ctx context.Context, certificateID string, method model.ChallengeType) ([]model.Challenge, error)
}

// Downloader is implemented by providers that can download an issued certificate and
// its chain.
type Downloader interface {
	// Download returns the issued certificate of certificateID and its chain, parsed and
	// normalized to PEM. The leaf is checked against the certificate lookup (serial, and
	// SHA-1 fingerprint where the CA gives one): a different leaf is model.ErrUnavailable,
	// never a wrong file. A certificate that is not issued is
	// model.ErrFailedPrecondition; a download that does not parse is
	// model.ErrUnavailable quoting a redacted snippet.
	Download(ctx context.Context, certificateID string) (*model.Bundle, error)
}

// Verify calls p's Verify when p is a Verifier; otherwise it returns an error of kind
// model.ErrUnsupported without a request.
func Verify(ctx context.Context, p Provider, certificateID string, method model.ChallengeType) ([]model.Challenge, error) {
	if v, ok := p.(Verifier); ok {
		return v.Verify(ctx, certificateID, method)
	}
	return nil, model.NewError(p.Name(), "Verify", model.ErrUnsupported, "asking the CA to check DCV is not supported by this provider")
}

// Download calls p's Download when p is a Downloader; otherwise it returns an error of
// kind model.ErrUnsupported without a request.
func Download(ctx context.Context, p Provider, certificateID string) (*model.Bundle, error) {
	if d, ok := p.(Downloader); ok {
		return d.Download(ctx, certificateID)
	}
	return nil, model.NewError(p.Name(), "Download", model.ErrUnsupported, "downloading certificates is not supported by this provider")
}

// OnDemandChecker is implemented by Verifiers whose CA moves a pending DCV on only when
// asked to check (ZeroSSL), or checks at once when asked and otherwise only at its own,
// slow pace (DigiCert: check-dcv is free, safe to repeat and does not reset its own
// polling). WaitValidated's default then asks the CA to check at its polling cadence,
// under the rules written once in WaitOptions: never with a method whose check sends
// email, never without a method.
type OnDemandChecker interface {
	Verifier
	// CheckMethod returns the DCV method of certificateID that Verify checks when given
	// no method: the certificate's own, or "" when none is chosen yet. It sends only
	// reads.
	CheckMethod(ctx context.Context, certificateID string) (model.ChallengeType, error)
}
