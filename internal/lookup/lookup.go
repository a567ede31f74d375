// Package lookup holds the bounded concurrent per-id lookup that the root package and the
// adapters share for BatchGetter fallbacks. It lives here, not in the root package,
// because the root package imports the adapters.
package lookup

import (
	"context"
	"errors"
	"sync"

	"github.com/anyca/anyca/model"
)

// DefaultConcurrency is the limit Concurrently uses when it is given a limit <= 0.
const DefaultConcurrency = 8

// Concurrently calls get for each distinct non-empty id with at most limit calls in
// flight. Ids for which get returns an error of kind model.ErrNotFound are left out of the
// map, as are ids it refuses as malformed (model.ErrInvalidArgument: no certificate can
// have them, as a BatchGetter skips them); any other error cancels the remaining lookups and is returned, as is ctx's error
// when ctx ends first. It returns only after every call it started has returned.
func Concurrently(ctx context.Context, ids []string, limit int,
	get func(context.Context, string) (*model.Certificate, error)) (map[string]*model.Certificate, error) {
	if limit <= 0 {
		limit = DefaultConcurrency
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
			case errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrInvalidArgument):
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
