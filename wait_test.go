package anyca_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// scripted is a Provider (and Verifier) whose Challenges and Verify answer from a script,
// one step per call; the last step repeats.
type scripted struct {
	steps    [][]model.Challenge
	errs     map[int]error
	calls    int
	verifies []int // the call numbers that were Verify
}

func (s *scripted) next() ([]model.Challenge, error) {
	s.calls++
	if err := s.errs[s.calls]; err != nil {
		return nil, err
	}
	i := min(s.calls, len(s.steps)) - 1
	return append([]model.Challenge(nil), s.steps[i]...), nil
}

func (s *scripted) Name() string { return "scripted" }
func (s *scripted) Certificate(context.Context, string) (*model.Certificate, error) {
	return nil, errors.New("unused")
}
func (s *scripted) Certificates(context.Context, model.CertificateQuery) iter.Seq2[*model.Certificate, error] {
	return nil
}
func (s *scripted) DomainValidation(context.Context, string) (*model.DomainValidation, error) {
	return nil, errors.New("unused")
}
func (s *scripted) Challenges(context.Context, string) ([]model.Challenge, error) { return s.next() }

type scriptedVerifier struct{ *scripted }

func (s scriptedVerifier) Verify(context.Context, string, model.ChallengeType) ([]model.Challenge, error) {
	s.verifies = append(s.verifies, s.calls+1)
	return s.next()
}

func chs(states ...model.ValidationStatus) []model.Challenge {
	var out []model.Challenge
	for i, st := range states {
		out = append(out, model.Challenge{Domain: string(rune('a'+i)) + ".example.com", Type: model.ChallengeDNSTXT, Status: st})
	}
	return out
}

// recorder is a Sleep that records the pauses and never waits.
type recorder struct{ pauses []time.Duration }

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.pauses = append(r.pauses, d)
	return ctx.Err()
}

const (
	pending = model.ValidationPending
	valid   = model.ValidationValid
	failed  = model.ValidationFailed
)

func TestWaitValidatedPollsUntilEveryDomainIsValid(t *testing.T) {
	p := &scripted{steps: [][]model.Challenge{chs(pending, pending), chs(valid, pending), chs(valid, pending), chs(valid, valid)}}
	var rec recorder
	var progress []anyca.WaitProgress
	got, err := anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 25 * time.Millisecond,
		Sleep: rec.sleep, Progress: func(wp anyca.WaitProgress) { progress = append(progress, wp) }})
	require.NoError(t, err)
	assert.Equal(t, chs(valid, valid), got)
	assert.Equal(t, 4, p.calls)
	require.Len(t, rec.pauses, 3)
	for i, d := range rec.pauses {
		assert.GreaterOrEqual(t, d, 10*time.Millisecond, "pause %d", i)
		assert.LessOrEqual(t, d, 25*time.Millisecond, "pause %d", i)
	}
	assert.Less(t, rec.pauses[0], 15*time.Millisecond, "the first pause is Min stretched by under 1.5")
	assert.Equal(t, 25*time.Millisecond, rec.pauses[2], "doubling is capped at Max")
	require.Len(t, progress, 4)
	assert.Equal(t, 1, progress[1].Valid)
	assert.Equal(t, 2, progress[3].Domains)
	assert.Zero(t, progress[3].Next)
}

func TestWaitValidatedStopsAtAFailedDomainKeepingTheProblem(t *testing.T) {
	bad := chs(valid, failed)
	bad[1].Problem = "invalid_dns_txt: no TXT record"
	p := &scripted{steps: [][]model.Challenge{chs(pending, pending), bad}}
	var rec recorder
	got, err := anyca.WaitValidated(context.Background(), p, "7", anyca.WaitOptions{Sleep: rec.sleep})
	require.Error(t, err)
	assert.ErrorIs(t, err, model.ErrFailedPrecondition)
	var vf *anyca.ValidationFailedError
	require.ErrorAs(t, err, &vf)
	require.Len(t, vf.Failed, 1)
	assert.Equal(t, "b.example.com", vf.Failed[0].Domain)
	assert.Contains(t, err.Error(), "invalid_dns_txt: no TXT record")
	assert.Equal(t, 1, strings.Count(err.Error(), "invalid_dns_txt"), "the CA's problem is said once: %s", err)
	assert.Equal(t, bad, got)
	assert.Equal(t, 2, p.calls)
}

func TestWaitValidatedVerifiesEveryNthPoll(t *testing.T) {
	base := &scripted{steps: [][]model.Challenge{chs(pending), chs(pending), chs(pending), chs(pending), chs(valid)}}
	p := scriptedVerifier{base}
	var rec recorder
	_, err := anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{VerifyEvery: 2, Sleep: rec.sleep})
	require.NoError(t, err)
	assert.Equal(t, 5, base.calls)
	assert.Equal(t, []int{2, 4}, base.verifies)
}

func TestWaitValidatedIsBounded(t *testing.T) {
	p := &scripted{steps: [][]model.Challenge{chs(pending)}}
	var rec recorder
	_, err := anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{MaxPolls: 4, Sleep: rec.sleep})
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, 4, p.calls, "exactly MaxPolls polls")
	assert.Len(t, rec.pauses, 3)

	p = &scripted{steps: [][]model.Challenge{chs(pending)}}
	_, err = anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{Sleep: rec.sleep})
	assert.ErrorIs(t, err, model.ErrUnavailable)
	assert.Equal(t, anyca.DefaultWaitMaxPolls, p.calls, "the default bound")
}

func TestWaitValidatedEndsWithContextAndPollErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &scripted{steps: [][]model.Challenge{chs(pending)}}
	_, err := anyca.WaitValidated(ctx, p, "1", anyca.WaitOptions{Sleep: func(context.Context, time.Duration) error {
		cancel()
		return context.Canceled
	}})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, p.calls)

	boom := model.NewError("scripted", "Challenges", model.ErrNotFound, "no such order")
	p = &scripted{steps: [][]model.Challenge{chs(pending)}, errs: map[int]error{2: boom}}
	var rec recorder
	_, err = anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{Sleep: rec.sleep})
	assert.ErrorIs(t, err, model.ErrNotFound)

	p = &scripted{steps: [][]model.Challenge{nil}}
	_, err = anyca.WaitValidated(context.Background(), p, "1", anyca.WaitOptions{Sleep: rec.sleep})
	assert.ErrorIs(t, err, model.ErrFailedPrecondition, "no domain at all is not 'all valid'")
}

func TestVerifyAndDownloadUnsupported(t *testing.T) {
	p := &scripted{steps: [][]model.Challenge{nil}}
	_, err := anyca.Verify(context.Background(), p, "1", "")
	assert.ErrorIs(t, err, model.ErrUnsupported)
	_, err = anyca.Download(context.Background(), p, "1")
	assert.ErrorIs(t, err, model.ErrUnsupported)
	assert.Zero(t, p.calls)
}
