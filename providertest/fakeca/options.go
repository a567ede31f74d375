package fakeca

import "github.com/anyca/anyca/model"

// Configure applies opts to s in order and returns s: the one way a fake's constructor
// runs its functional options.
func Configure[S any, O ~func(S)](s S, opts []O) S {
	for _, o := range opts {
		o(s)
	}
	return s
}

// Starter is a fake that can start listening: every fake embedding *Base is one.
type Starter interface{ Start() }

// Started starts s on a loopback port (Base.Start, which sets URL) and returns it: a
// fake's NewServer is Started(its unstarted constructor).
func Started[S Starter](s S) S {
	s.Start()
	return s
}

// Hooked is a fake whose DCV check asks a publication hook: every fake embedding
// Publication is one.
type Hooked interface {
	SetHook(fn func(model.Challenge) bool)
}

// WithHook returns the option that sets fn as s's publication hook (Publication.SetHook):
// the body of each fake's WithPublished.
func WithHook[S Hooked](fn func(model.Challenge) bool) func(S) {
	return func(s S) { s.SetHook(fn) }
}
