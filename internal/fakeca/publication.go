package fakeca

import (
	"strings"

	"github.com/anyca/anyca/model"
)

// Publication is what a fake knows of the DCV challenges published for it: domain
// names marked with Publish, and an optional hook asked about each challenge (a
// simulator's DNS and file servers). A fake's DCV check passes a domain when Published
// says so. It is not safe for concurrent use: the fake holds its own lock around it.
type Publication struct {
	hook  func(model.Challenge) bool
	names map[string]bool
}

// SetHook makes Published also ask fn about every challenge of a domain not marked.
func (p *Publication) SetHook(fn func(model.Challenge) bool) { p.hook = fn }

// Publish marks every challenge of domain (as NormName gives it) as published.
func (p *Publication) Publish(domain string) {
	if p.names == nil {
		p.names = map[string]bool{}
	}
	p.names[NormName(domain)] = true
}

// Published reports whether ch, a challenge of the normalized name domain, is
// published: the domain was marked, or the hook says so. A nil ch is never published.
func (p *Publication) Published(domain string, ch *model.Challenge) bool {
	return ch != nil && (p.names[domain] || p.hook != nil && p.hook(*ch))
}

// NormName is domain as a fake files it: normalized when it is a valid name, else
// lower-cased and trimmed (a fake keeps what it was given, to answer it back).
func NormName(domain string) string {
	if n, err := model.NormalizeDomain(domain); err == nil {
		return n
	}
	return strings.ToLower(strings.TrimSpace(domain))
}
