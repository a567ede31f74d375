package anyca

import (
	"context"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Defaults of WaitOptions.
const (
	DefaultWaitMin      = 5 * time.Second
	DefaultWaitMax      = 5 * time.Minute
	DefaultWaitMaxPolls = 720
)

// WaitOptions tune WaitValidated. The zero value polls from DefaultWaitMin up to
// DefaultWaitMax apart, never calls Verify, and stops after DefaultWaitMaxPolls polls.
type WaitOptions struct {
	// Min and Max bound the pause between two polls: the first pause is Min, each next
	// one doubles, capped at Max, and each is stretched by a random factor in [1, 1.5)
	// (still capped at Max), so that many waiters do not poll in step. Zero takes
	// DefaultWaitMin and DefaultWaitMax.
	Min, Max time.Duration
	// MaxPolls bounds the number of polls; 0 takes DefaultWaitMaxPolls.
	MaxPolls int
	// VerifyEvery > 0 makes every VerifyEvery-th poll (the Nth, the 2Nth, ...) a Verify
	// call with Method instead of a Challenges call, when the provider is a Verifier. A
	// domain a Verify reports failed ends the wait like one Challenges reports failed.
	VerifyEvery int
	// Method is passed to Verify ("" keeps the certificate's own method).
	Method model.ChallengeType
	// Progress, when set, is called after every poll with the challenges it returned.
	Progress func(WaitProgress)
	// Sleep pauses between polls; nil waits on a timer. It must return ctx's error when
	// ctx ends first. Tests set it to avoid real waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// WaitProgress reports one poll of WaitValidated.
type WaitProgress struct {
	Poll       int               // 1 for the first poll
	Verified   bool              // the poll was a Verify call
	Challenges []model.Challenge // what the poll returned
	Valid      int               // domains valid so far
	Domains    int               // domains in all
	Next       time.Duration     // the pause before the next poll (0 after the last)
}

// ValidationFailedError lists the challenges of the domains the CA refused; it is the
// cause (Err) of the *model.Error WaitValidated returns for a failed DCV.
type ValidationFailedError struct {
	CertificateID string
	Failed        []model.Challenge // the failed domains' challenges, Problem kept
}

// NewValidationFailedError returns the *model.Error of kind model.ErrFailedPrecondition
// (code "validation_failed") for the failed challenges of certificateID, one per domain,
// whose cause is a *ValidationFailedError: what WaitValidated returns when the CA refused
// a domain, and what a caller of Verify can return for the same answer. It returns nil
// when no challenge failed.
func NewValidationFailedError(provider, op, certificateID string, chs []model.Challenge) error {
	var failed []model.Challenge
	seen := map[string]bool{}
	for _, ch := range chs {
		if ch.Status == model.ValidationFailed && !seen[ch.Domain] {
			seen[ch.Domain] = true
			failed = append(failed, ch)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &model.Error{Provider: provider, Op: op, Kind: model.ErrFailedPrecondition,
		Code: "validation_failed", Err: &ValidationFailedError{CertificateID: certificateID, Failed: failed}}
}

// Error lists the failed domains and the CA's problem for each.
func (e *ValidationFailedError) Error() string {
	var b strings.Builder
	b.WriteString("DCV failed for ")
	for i, ch := range e.Failed {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(ch.Domain)
		if ch.Problem != "" {
			b.WriteString(": ")
			b.WriteString(ch.Problem)
		}
	}
	return b.String()
}

// WaitValidated polls p.Challenges(certificateID) until every domain is valid and
// returns the last challenges. A domain the CA reports failed ends the wait with an
// error of kind model.ErrFailedPrecondition (code "validation_failed") whose cause is a
// *ValidationFailedError keeping each domain's Problem; an error of a poll ends it with
// that error; ctx ending ends it with ctx's error; MaxPolls polls without an answer end
// it with model.ErrUnavailable (code "wait_exhausted"). The last challenges are returned
// with every error but a poll's own.
//
// Cost: at most MaxPolls polls (DefaultWaitMaxPolls by default), and at most
// 1 + deadline/Min of them when ctx has a deadline. A poll is one Challenges or Verify
// call, each a small fixed number of requests through the provider's retry client, so
// its rate limit and retry policy apply to every one.
func WaitValidated(ctx context.Context, p Provider, certificateID string, opt WaitOptions) ([]model.Challenge, error) {
	const op = "WaitValidated"
	minWait, maxWait := opt.Min, opt.Max
	if minWait <= 0 {
		minWait = DefaultWaitMin
	}
	if maxWait <= 0 {
		maxWait = DefaultWaitMax
	}
	maxWait = max(maxWait, minWait)
	polls := opt.MaxPolls
	if polls <= 0 {
		polls = DefaultWaitMaxPolls
	}
	sleep := opt.Sleep
	if sleep == nil {
		sleep = retry.Sleep
	}
	verifier, _ := p.(Verifier)
	pause := minWait
	var last []model.Challenge
	for poll := 1; poll <= polls; poll++ {
		if err := ctx.Err(); err != nil {
			return last, &model.Error{Provider: p.Name(), Op: op, Kind: err}
		}
		verify := verifier != nil && opt.VerifyEvery > 0 && poll%opt.VerifyEvery == 0
		var chs []model.Challenge
		var err error
		if verify {
			chs, err = verifier.Verify(ctx, certificateID, opt.Method)
		} else {
			chs, err = p.Challenges(ctx, certificateID)
		}
		if err != nil {
			return nil, err
		}
		last = chs
		valid, failed, domains := tally(chs)
		done := domains > 0 && (valid == domains || len(failed) > 0) || domains == 0
		next := time.Duration(0)
		if !done && poll < polls {
			next = min(maxWait, time.Duration(float64(pause)*(1+rand.Float64()/2)))
		}
		if opt.Progress != nil {
			opt.Progress(WaitProgress{Poll: poll, Verified: verify, Challenges: chs, Valid: valid, Domains: domains, Next: next})
		}
		switch {
		case domains == 0:
			return chs, model.NewError(p.Name(), op, model.ErrFailedPrecondition, "certificate %s has no domain to validate", certificateID)
		case len(failed) > 0:
			return chs, NewValidationFailedError(p.Name(), op, certificateID, failed)
		case valid == domains:
			return chs, nil
		}
		if next == 0 {
			break
		}
		if err := sleep(ctx, next); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return last, &model.Error{Provider: p.Name(), Op: op, Kind: err}
		}
		pause = min(maxWait, pause*2)
	}
	e := model.NewError(p.Name(), op, model.ErrUnavailable, "certificate %s was not validated after %d polls", certificateID, polls)
	e.Code = "wait_exhausted"
	return last, e
}

// tally groups challenges by domain: a domain is valid when one of its challenges is,
// failed when one is failed and none is valid. failed holds the failed challenges, in
// domain order.
func tally(chs []model.Challenge) (valid int, failed []model.Challenge, domains int) {
	state := map[string]model.ValidationStatus{}
	var order []string
	for _, ch := range chs {
		prev, seen := state[ch.Domain]
		if !seen {
			order = append(order, ch.Domain)
		}
		switch {
		case ch.Status == model.ValidationValid:
			state[ch.Domain] = model.ValidationValid
		case ch.Status == model.ValidationFailed && prev != model.ValidationValid:
			state[ch.Domain] = model.ValidationFailed
		case !seen:
			state[ch.Domain] = ch.Status
		}
	}
	sort.Strings(order)
	for _, d := range order {
		switch state[d] {
		case model.ValidationValid:
			valid++
		case model.ValidationFailed:
			for _, ch := range chs {
				if ch.Domain == d && ch.Status == model.ValidationFailed {
					failed = append(failed, ch)
					break
				}
			}
		}
	}
	return valid, failed, len(order)
}
