package anyca

import (
	"context"
	"fmt"
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
// DefaultWaitMax apart, stops after DefaultWaitMaxPolls polls, ends at the first domain
// the CA refuses, and asks the CA to check (Verify) only where the CA needs asking and a
// check costs nothing: see VerifyEvery.
type WaitOptions struct {
	// Min and Max bound the pause between two polls: the first pause is Min, each next
	// one doubles, capped at Max, and each is stretched by a random factor in [1, 1.5)
	// (still capped at Max), so that many waiters do not poll in step. Zero takes
	// DefaultWaitMin and DefaultWaitMax.
	Min, Max time.Duration
	// MaxPolls bounds the number of polls; 0 takes DefaultWaitMaxPolls.
	MaxPolls int
	// VerifyEvery chooses which polls ask the CA to check (a Verify call with Method)
	// instead of reading its state (a Challenges call):
	//   - 0, the default: when p is an OnDemandChecker (a CA that checks only, or only
	//     promptly, when asked: ZeroSSL, DigiCert), every poll after the first is a
	//     Verify, so the wait makes progress at the cadence of the pauses above; for
	//     other providers, none is.
	//   - N > 0: every Nth poll (the Nth, the 2Nth, ...), when p is a Verifier.
	//   - < 0: none.
	// Two rules hold whatever it says. A check whose method is email (Method, or the
	// certificate's own as CheckMethod reports it) sends the DCV emails again: the
	// default never sends it, and N > 0 sends it at most once per wait. And the default
	// does not ask without a method (a certificate with none chosen yet: Verify would
	// refuse it), nor again after the CA refused to be asked (unsupported, invalid
	// argument, permission denied or failed precondition, such as a view-only key): it
	// then only reads. A domain a Verify reports failed ends the wait like one
	// Challenges reports failed, unless UntilValid.
	VerifyEvery int
	// Method is passed to Verify ("" keeps the certificate's own method).
	Method model.ChallengeType
	// UntilValid makes a refused proof not the end: a domain the CA reports failed is
	// checked again at the next poll, until every domain is valid, ctx ends or MaxPolls
	// polls are made, each poll's refusals reported in WaitProgress.Failed as they come.
	// What a wait for DNS to propagate needs. When the wait then ends without every
	// domain valid, its error's message says how many are.
	UntilValid bool
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
	Failed     []model.Challenge // the domains the CA refused at this poll, one challenge each, Problem kept
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

// WaitValidated polls p.Challenges(certificateID), or asks the CA to check with Verify
// (WaitOptions.VerifyEvery), until every domain is valid and returns the last
// challenges. A domain the CA reports failed ends the wait, unless opt.UntilValid, with
// an error of kind model.ErrFailedPrecondition (code "validation_failed") whose cause is
// a *ValidationFailedError keeping each domain's Problem; an error of a poll ends it with
// that error; ctx ending ends it with ctx's error; MaxPolls polls without an answer end
// it with model.ErrUnavailable (code "wait_exhausted"). The last two say in their
// message how many domains were valid. The last challenges are returned with every error
// but a poll's own.
//
// Cost: at most MaxPolls polls (DefaultWaitMaxPolls by default), and at most
// 1 + deadline/Min of them when ctx has a deadline. A poll is one Challenges or Verify
// call, each a small fixed number of requests through the provider's retry client, so
// its rate limit and retry policy apply to every one; deciding whether to Verify adds
// one CheckMethod read per wait. A Verify that sends email is sent at most once.
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
	ask := newAsker(p, certificateID, opt)
	pause := minWait
	var last []model.Challenge
	valid, domains := 0, 0
	ended := func(kind error) error {
		e := &model.Error{Provider: p.Name(), Op: op, Kind: kind}
		if domains > 0 {
			e.Message = fmt.Sprintf("certificate %s: %d of %d domains valid when the wait ended", certificateID, valid, domains)
		}
		return e
	}
	for poll := 1; poll <= polls; poll++ {
		if err := ctx.Err(); err != nil {
			return last, ended(err)
		}
		verify, err := ask.verifyAt(ctx, poll)
		if err != nil {
			return nil, err
		}
		var chs []model.Challenge
		if verify {
			chs, err = ask.verify(ctx)
			if err != nil && ask.implicit && ask.refused(err) {
				verify, err = false, nil // the CA will not be asked: read instead, from now on
			}
			if err != nil {
				return nil, err
			}
		}
		if !verify {
			chs, err = p.Challenges(ctx, certificateID)
			if err != nil {
				return nil, err
			}
		}
		last = chs
		var failed []model.Challenge
		valid, failed, domains = tally(chs)
		done := domains == 0 || valid == domains || len(failed) > 0 && !opt.UntilValid
		next := time.Duration(0)
		if !done && poll < polls {
			next = min(maxWait, time.Duration(float64(pause)*(1+rand.Float64()/2)))
		}
		if opt.Progress != nil {
			opt.Progress(WaitProgress{Poll: poll, Verified: verify, Challenges: chs, Failed: failed, Valid: valid, Domains: domains, Next: next})
		}
		switch {
		case domains == 0:
			return chs, model.NewError(p.Name(), op, model.ErrFailedPrecondition, "certificate %s has no domain to validate", certificateID)
		case valid == domains:
			return chs, nil
		case len(failed) > 0 && !opt.UntilValid:
			return chs, NewValidationFailedError(p.Name(), op, certificateID, failed)
		}
		if next == 0 {
			break
		}
		if err := sleep(ctx, next); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return last, ended(err)
		}
		pause = min(maxWait, pause*2)
	}
	e := model.NewError(p.Name(), op, model.ErrUnavailable, "certificate %s was not validated after %d polls: %d of %d domains valid", certificateID, polls, valid, domains)
	e.Code = "wait_exhausted"
	return last, e
}

// asker decides, for one wait, which polls are a Verify: the rules of
// WaitOptions.VerifyEvery, written once here for every provider.
type asker struct {
	p        Provider
	v        Verifier
	checker  OnDemandChecker
	id       string
	opt      WaitOptions
	implicit bool // the default: asking because the CA needs asking
	resolved bool // the certificate's method is known (or not needed)
	email    bool // the check would send email
	emailed  bool // an email check was sent
	off      bool // no more Verify in this wait
}

func newAsker(p Provider, id string, opt WaitOptions) *asker {
	a := &asker{p: p, id: id, opt: opt}
	a.v, _ = p.(Verifier)
	a.checker, _ = p.(OnDemandChecker)
	switch {
	case opt.VerifyEvery > 0 && a.v != nil:
	case opt.VerifyEvery == 0 && a.checker != nil:
		a.implicit = true
	default:
		a.off = true
	}
	return a
}

// verifyAt reports whether poll is a Verify, reading the certificate's method (once)
// when the email rule needs it.
func (a *asker) verifyAt(ctx context.Context, poll int) (bool, error) {
	if a.off {
		return false, nil
	}
	if a.implicit && poll < 2 || !a.implicit && poll%a.opt.VerifyEvery != 0 {
		return false, nil
	}
	if !a.resolved {
		a.resolved = true
		method := a.opt.Method
		if method == "" && a.checker != nil {
			m, err := a.checker.CheckMethod(ctx, a.id)
			if err != nil {
				if a.implicit && a.refused(err) {
					a.off = true
					return false, nil
				}
				return false, err
			}
			method = m
			if m == "" && a.implicit {
				a.off = true // no method chosen yet: Verify would refuse, and asking is not ours to choose
				return false, nil
			}
		}
		a.email = method == model.ChallengeEmail
		if a.email && a.implicit {
			a.off = true
			return false, nil
		}
	}
	if a.email && a.emailed {
		return false, nil
	}
	return true, nil
}

// verify sends one Verify, remembering an email check.
func (a *asker) verify(ctx context.Context) ([]model.Challenge, error) {
	if a.email {
		a.emailed = true
	}
	return a.v.Verify(ctx, a.id, a.opt.Method)
}

// refused reports an error saying the CA will not be asked (rather than a failure of
// the request): the default then stops asking and reads.
func (a *asker) refused(err error) bool {
	switch model.KindOf(err) {
	case model.ErrUnsupported, model.ErrInvalidArgument, model.ErrPermissionDenied, model.ErrFailedPrecondition:
		a.off = true
		return true
	}
	return false
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
