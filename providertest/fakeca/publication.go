package fakeca

import (
	"strings"
	"sync"

	"github.com/anyca/anyca/model"
)

// Publication is what a fake knows of the DCV challenges published for it: domain
// names marked with Publish, and an optional hook asked about each challenge (a
// simulator's DNS and file servers). A fake's DCV check passes a domain when Published
// says so. A fake embeds it, which gives the fake its Publish method. It is safe for
// concurrent use; the hook is called with its lock (and whatever lock the fake holds
// around Published) held, so it must not call the fake.
type Publication struct {
	mu    sync.Mutex
	hook  func(model.Challenge) bool
	names map[string]bool
}

// SetHook makes Published also ask fn about every challenge of a domain not marked.
func (p *Publication) SetHook(fn func(model.Challenge) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hook = fn
}

// Publish marks every challenge of domain (as NormName gives it) as published: the
// fake's next DCV check of an order or certificate holding it passes the domain.
func (p *Publication) Publish(domain string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.names == nil {
		p.names = map[string]bool{}
	}
	p.names[NormName(domain)] = true
}

// Published reports whether ch, a challenge of the normalized name domain, is
// published: the domain was marked, or the hook says so. A nil ch is never published.
func (p *Publication) Published(domain string, ch *model.Challenge) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
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
