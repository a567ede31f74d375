package secretstest

import (
	"context"
	"iter"
	"strings"
	"testing"
)

// Extra is a failure path only one CA has, with the call of that CA's client that meets
// it.
type Extra[C any] struct {
	Path Path
	Call func(context.Context, C) error
}

// RunFailurePaths runs, for each key, every common path through first and every extra
// path through its own call, each on a client that build makes for the path's Env, and
// checks with Run that the key shows nowhere.
func RunFailurePaths[C any](t *testing.T, keys []string, common []Path, extra []Extra[C],
	build func(t *testing.T, key string, env Env) C, first func(context.Context, C) error) {
	t.Helper()
	t.Logf("failure paths: %d common + %d of this CA = %d", len(common), len(extra), len(common)+len(extra))
	for _, key := range keys {
		t.Run("key="+key, func(t *testing.T) {
			t.Parallel()
			t.Run("first call", func(t *testing.T) {
				Run(t, key, common, func(t *testing.T, env Env) error { return first(env.Ctx, build(t, key, env)) })
			})
			for _, e := range extra {
				Run(t, key, []Path{e.Path}, func(t *testing.T, env Env) error { return e.Call(env.Ctx, build(t, key, env)) })
			}
		})
	}
}

// SomePaths picks from all the paths the other calls are run through: every 4xx and 503
// vendor error, every 200 with a broken body, the cross-host redirect, the oversized
// body and the reset, and the paths named in also.
func SomePaths(all []Path, also ...string) []Path {
	var out []Path
	for _, p := range all {
		switch {
		case strings.HasPrefix(p.Name, "HTTP 4"), strings.HasPrefix(p.Name, "HTTP 503"), strings.HasPrefix(p.Name, "200 "),
			p.Name == "redirect to another host", p.Name == "oversized body", p.Name == "connection reset":
			out = append(out, p)
		default:
			for _, a := range also {
				if p.Name == a {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// RunOnCalls runs paths through each of calls with key, in parallel by call, leaving
// out the pairs skip reports (a nil skip leaves none out).
func RunOnCalls[C any](t *testing.T, key string, paths []Path, calls map[string]func(context.Context, C) error,
	build func(t *testing.T, key string, env Env) C, skip func(call, path string) bool) {
	t.Helper()
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var mine []Path
			for _, p := range paths {
				if skip == nil || !skip(name, p.Name) {
					mine = append(mine, p)
				}
			}
			Run(t, key, mine, func(t *testing.T, env Env) error { return call(env.Ctx, build(t, key, env)) })
		})
	}
}

// FirstError drains a listing and returns its first error (nil when it has none).
func FirstError[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}
