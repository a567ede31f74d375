package model_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  *model.Error
		want string
	}{
		{"zero value", &model.Error{}, "error"},
		{"kind only", &model.Error{Kind: model.ErrNotFound}, "not found"},
		{"provider and op", &model.Error{Provider: "digicert", Op: "Certificate", Kind: model.ErrNotFound},
			"digicert: Certificate: not found"},
		{"every field", &model.Error{Provider: "zerossl", Op: "Certificates", Kind: model.ErrRateLimited,
			HTTPStatus: 429, Code: "rate_limit_reached", Message: "slow down", RetryAfter: 2 * time.Second,
			Err: io.ErrUnexpectedEOF},
			"zerossl: Certificates: rate limited (HTTP 429, rate_limit_reached, retry after 2s): slow down: unexpected EOF"},
		{"status only", &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 503}, "unavailable (HTTP 503)"},
		{"code only", &model.Error{Kind: model.ErrInvalidArgument, Code: "invalid_input"}, "invalid argument (invalid_input)"},
		{"context kind", &model.Error{Provider: "p", Op: "Op", Kind: context.Canceled}, "p: Op: context canceled"},
		{"no kind but cause", &model.Error{Op: "Op", Err: errors.New("boom")}, "Op: error: boom"},
		{"zero retry after not shown", &model.Error{Kind: model.ErrRateLimited, RetryAfter: 0}, "rate limited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
			// Every print path shows the same text.
			assert.Equal(t, tt.want, fmt.Sprintf("%v", tt.err))
			assert.Equal(t, tt.want, fmt.Sprintf("%+v", tt.err))
			assert.Equal(t, tt.want, fmt.Sprintf("%#v", tt.err))
			assert.Equal(t, tt.want, fmt.Sprintf("%s", tt.err))
			assert.Equal(t, fmt.Sprintf("%q", tt.want), fmt.Sprintf("%q", tt.err))
			assert.Equal(t, "%!d(*model.Error="+tt.want+")", fmt.Sprintf("%d", tt.err))
			var asErr error = tt.err
			assert.Equal(t, tt.want, fmt.Sprint(asErr))
			assert.Equal(t, "wrapped: "+tt.want, fmt.Errorf("wrapped: %w", asErr).Error())
		})
	}
}

// A field that is not part of Error() (such as a wrapped value's hidden state) never shows
// up through %+v or %#v, which would print struct fields verbatim without Format.
func TestErrorFormatHidesFields(t *testing.T) {
	secret := "sk_live_SECRET"
	e := &model.Error{Provider: "p", Kind: model.ErrUnavailable, Err: &hiddenErr{secret: secret}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out := fmt.Sprintf(verb, e)
		assert.NotContains(t, out, secret, verb)
		assert.Contains(t, out, "p: unavailable", verb)
	}
	// The struct value (not the pointer) has no Format method; adapters always return *Error.
	assert.NotContains(t, fmt.Sprintf("%v", []error{e}), secret)
}

type hiddenErr struct{ secret string }

func (*hiddenErr) Error() string { return "hidden" }

func TestErrorUnwrap(t *testing.T) {
	cause := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	e := &model.Error{Provider: "p", Op: "Op", Kind: model.ErrUnavailable, Err: cause}

	assert.ErrorIs(t, e, model.ErrUnavailable)
	assert.ErrorIs(t, e, io.ErrUnexpectedEOF)
	assert.ErrorIs(t, e, cause)
	for _, k := range model.Kinds() {
		if k != model.ErrUnavailable {
			assert.NotErrorIs(t, e, k)
		}
	}
	assert.Equal(t, []error{model.ErrUnavailable, cause}, e.Unwrap())
	assert.Empty(t, (&model.Error{}).Unwrap())
	assert.Equal(t, []error{model.ErrNotFound}, (&model.Error{Kind: model.ErrNotFound}).Unwrap())

	// Through wrapping by the caller.
	wrapped := fmt.Errorf("sync certs: %w", e)
	assert.ErrorIs(t, wrapped, model.ErrUnavailable)
	assert.ErrorIs(t, wrapped, io.ErrUnexpectedEOF)

	var got *model.Error
	require.ErrorAs(t, wrapped, &got)
	assert.Same(t, e, got)
	assert.Equal(t, "p", got.Provider)

	// Context kinds.
	ce := &model.Error{Kind: context.DeadlineExceeded}
	assert.ErrorIs(t, ce, context.DeadlineExceeded)
	assert.NotErrorIs(t, ce, context.Canceled)
}

func TestKindOf(t *testing.T) {
	assert.Nil(t, model.KindOf(nil))
	assert.Nil(t, model.KindOf(errors.New("plain")))
	assert.Nil(t, model.KindOf(&model.Error{Message: "no kind"}))
	for _, k := range model.Kinds() {
		assert.Equal(t, k, model.KindOf(&model.Error{Kind: k}))
		assert.Equal(t, k, model.KindOf(fmt.Errorf("x: %w", &model.Error{Kind: k})))
		// A bare kind, or one wrapped without *Error, is found too.
		assert.Equal(t, k, model.KindOf(k))
		assert.Equal(t, k, model.KindOf(fmt.Errorf("x: %w", k)))
	}
	assert.Equal(t, context.Canceled, model.KindOf(&model.Error{Kind: context.Canceled}))
	assert.Equal(t, context.DeadlineExceeded, model.KindOf(fmt.Errorf("w: %w", &model.Error{Kind: context.DeadlineExceeded})))
	// A *Error without a kind whose cause carries one.
	assert.Equal(t, model.ErrNotFound, model.KindOf(&model.Error{Err: model.ErrNotFound}))
}

func TestKinds(t *testing.T) {
	kinds := model.Kinds()
	assert.Len(t, kinds, 8)
	seen := map[string]bool{}
	for _, k := range kinds {
		require.NotNil(t, k)
		assert.False(t, seen[k.Error()], "duplicate kind text %q", k)
		seen[k.Error()] = true
		for _, other := range kinds {
			if other != k {
				assert.NotErrorIs(t, k, other)
			}
		}
	}
}

func TestNewError(t *testing.T) {
	e := model.NewError("digicert", "Certificate", model.ErrInvalidArgument, "id %q is not a number", "abc")
	assert.Equal(t, `digicert: Certificate: invalid argument: id "abc" is not a number`, e.Error())
	assert.ErrorIs(t, e, model.ErrInvalidArgument)
	assert.Zero(t, e.HTTPStatus)
	assert.Nil(t, e.Err)
	// A message with a percent sign and no args stays literal.
	assert.Equal(t, "p: Op: not found: 100% done", model.NewError("p", "Op", model.ErrNotFound, "100%% done").Error())
}
