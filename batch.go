package anyca

import (
	"context"

	"github.com/anyca/anyca/internal/lookup"
	"github.com/anyca/anyca/model"
)

// DefaultBatchConcurrency bounds the concurrent lookups CertificatesByID makes for a
// provider that is not a BatchGetter.
const DefaultBatchConcurrency = 8

// CertificatesByID looks up many certificates at once. It uses p's BatchGetter when p has
// one; otherwise it calls p.Certificate for each distinct id with at most
// DefaultBatchConcurrency calls in flight. Ids the CA does not know (model.ErrNotFound)
// or that p refuses as malformed (model.ErrInvalidArgument) are left out of the map; any
// other error stops the remaining lookups and is returned,
// as is ctx's error when ctx ends first.
func CertificatesByID(ctx context.Context, p Provider, ids []string) (map[string]*model.Certificate, error) {
	if bg, ok := p.(BatchGetter); ok {
		return bg.CertificatesByID(ctx, ids)
	}
	return LookupConcurrently(ctx, ids, DefaultBatchConcurrency, p.Certificate)
}

// LookupConcurrently calls get for each distinct non-empty id with at most limit calls in
// flight, as CertificatesByID does. It is lookup.Concurrently, kept here for callers of
// the root package; adapters import internal/lookup because the root imports them.
func LookupConcurrently(ctx context.Context, ids []string, limit int,
	get func(context.Context, string) (*model.Certificate, error)) (map[string]*model.Certificate, error) {
	if limit <= 0 {
		limit = DefaultBatchConcurrency
	}
	return lookup.Concurrently(ctx, ids, limit, get)
}
