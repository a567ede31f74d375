package exporter

import (
	"time"

	"github.com/anyca/anyca/model"
)

// snapshot is what a scrape reads: for each account, its last complete listing and its
// last refresh. A published snapshot is never changed; a refresh builds a new one and
// swaps it in whole, so a scrape sees either the previous set or the next, never part.
type snapshot struct {
	accounts map[string]*accountState
}

// accountState is one account's last refresh.
type accountState struct {
	// certs and domains are the last complete listing; kept when a later refresh fails,
	// so alerts on expiry keep working while refresh_success reports the failure.
	certs   []*model.Certificate
	domains []*model.DomainValidation
	listed  bool // certs and domains come from a successful refresh
	// windows holds the renewal window of each issued certificate of certs, by ID
	// (absent when the CA's advice could not be read); renewed the IDs of those a
	// renewal in certs takes over (renewedIn).
	windows map[string]*model.RenewalWindow
	renewed map[string]bool

	success      bool
	finished     time.Time // when the last refresh ended
	lastSuccess  time.Time // when the last successful refresh ended
	duration     time.Duration
	lastRequests uint64 // CA requests the last refresh made, retries included
}

// with returns a copy of s with the account's state replaced.
func (s *snapshot) with(account string, st *accountState) *snapshot {
	next := &snapshot{accounts: make(map[string]*accountState, len(s.accounts)+1)}
	for k, v := range s.accounts {
		next.accounts[k] = v
	}
	next.accounts[account] = st
	return next
}
