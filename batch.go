package anyca

import (
	"context"
	"errors"
	"sync"

	"github.com/anyca/anyca/model"
)

// DefaultBatchConcurrency bounds the concurrent lookups CertificatesByID makes for a
// provider that is not a BatchGetter.
const DefaultBatchConcurrency = 8

// CertificatesByID looks up many certificates at once. It uses p's BatchGetter when p has
// one; otherwise it calls p.Certificate for each distinct id with at most
// DefaultBatchConcurrency calls in flight. Ids the CA does not know (model.ErrNotFound)
// are left out of the map; any other error stops the remaining lookups and is returned,
// as is ctx's error when ctx ends first.
func CertificatesByID(ctx context.Context, p Provider, ids []string) (map[string]*model.Certificate, error) {
	if bg, ok := p.(BatchGetter); ok {
		return bg.CertificatesByID(ctx, ids)
	}
	return LookupConcurrently(ctx, ids, DefaultBatchConcurrency, p.Certificate)
}

// LookupConcurrently calls get for each distinct non-empty id with at most limit calls in
// flight, as CertificatesByID does. Adapters use it for their own BatchGetter fallbacks.
func LookupConcurrently(ctx context.Context, ids []string, limit int,
	get func(context.Context, string) (*model.Certificate, error)) (map[string]*model.Certificate, error) {
	if limit <= 0 {
		limit = DefaultBatchConcurrency
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu       sync.Mutex
		out      = make(map[string]*model.Certificate, len(ids))
		firstErr error
		wg       sync.WaitGroup
		sem      = make(chan struct{}, limit)
	)
	seen := make(map[string]struct{}, len(ids))
loop:
	for _, id := range ids {
		if _, dup := seen[id]; dup || id == "" {
			continue
		}
		seen[id] = struct{}{}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := get(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[id] = c
			case errors.Is(err, model.ErrNotFound):
			case firstErr == nil:
				firstErr = err
				cancel()
			}
		}(id)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
