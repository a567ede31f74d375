package memca

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
)

// documentFields is how many scalars a memca answer has: a WrongType fault on a field
// below it breaks the answer, one past it changes nothing (as in a real document).
const documentFields = 12

// maxBodyBytes is the body cap a HugeBody fault exceeds when its Size is over it.
const maxBodyBytes = 32 << 20

// FaultBugs are the bugs of the wire-level checks (providertest's Faults subtests).
type FaultBugs struct {
	ReplayAfterRetry        bool // a listing page that needed a retry repeats the previous page's last item
	FollowsRedirect         bool // a redirect is followed, to whatever host it names
	WrongTypeIgnored        bool // a field of the wrong type silently changes the answer
	WrongScalarIgnored      bool // a number or boolean sent as another string silently changes the answer
	NoBodyCap               bool // a huge body is read whole and taken as a valid answer
	RetryWaitIgnoresContext bool // the wait for Retry-After does not end with the context
	KeyInFaultErrors        bool // the error of an injected fault quotes the key the request carried
	LeakOnBreak             bool // a listing the caller breaks out of leaves a goroutine waiting for a minute
	LimiterIgnoresCancel    bool // the wait on Config.Retry.Limiter does not end with the caller's context (3 s)
}

// chaos is a Server's random fault source (SetChaos).
type chaos struct {
	mu       sync.Mutex
	rate     float64
	rng      *rand.Rand
	kinds    []fakeca.FaultKind
	injected map[fakeca.FaultKind]int
	corrupt  bool // the next presented certificate is silently wrong (WrongTypeIgnored)
}

// SetChaos makes each later request fail with probability rate, with a fault of kinds
// (429, 5xx and resets when none are given) drawn reproducibly from seed. Rate 0 stops it.
func (s *Server) SetChaos(rate float64, seed uint64, kinds ...fakeca.FaultKind) {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	if len(kinds) == 0 {
		kinds = []fakeca.FaultKind{fakeca.RateLimit, fakeca.ServerError, fakeca.Reset}
	}
	s.chaos.rate, s.chaos.kinds = rate, kinds
	s.chaos.rng = rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
}

// Injected returns how many faults of each kind were played so far, FailNext's and
// chaos's.
func (s *Server) Injected() map[fakeca.FaultKind]int {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	out := make(map[fakeca.FaultKind]int, len(s.chaos.injected))
	for k, v := range s.chaos.injected {
		out[k] = v
	}
	return out
}

// chaosFault draws the fault of one request, if any.
func (s *Server) chaosFault() (fakeca.Fault, bool) {
	c := &s.chaos
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rate <= 0 || c.rng.Float64() >= c.rate {
		return fakeca.Fault{}, false
	}
	f := fakeca.Fault{Kind: c.kinds[c.rng.IntN(len(c.kinds))], RetryAfter: "0", Delay: 20 * time.Millisecond}
	if f.Kind == fakeca.StalledAnswer {
		f.Delay = 0 // until the client gives up, as fakeca's injector does
	}
	return f, true
}

func (s *Server) countInjected(k fakeca.FaultKind) {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	if s.chaos.injected == nil {
		s.chaos.injected = map[fakeca.FaultKind]int{}
	}
	s.chaos.injected[k]++
}

// takeCorrupt reports, once, that a WrongTypeIgnored fault is pending.
func (s *Server) takeCorrupt() bool {
	s.chaos.mu.Lock()
	defer s.chaos.mu.Unlock()
	c := s.chaos.corrupt
	s.chaos.corrupt = false
	return c
}

// hostile plays the faults that attack decoding and transport, as the HTTP adapters
// meet them: a redirect is refused, a field of the wrong type is an invalid answer, a
// body over the cap is refused.
func (s *Server) hostile(ctx context.Context, f fakeca.Fault) *model.Error {
	bugs := s.Bugs.Faults
	switch f.Kind {
	case fakeca.Redirect:
		if f.Location == "" {
			return nil // within the host: followed
		}
		if bugs.FollowsRedirect {
			if req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.Location, nil); err == nil {
				if resp, err := http.DefaultClient.Do(req); err == nil {
					_ = resp.Body.Close()
				}
			}
		}
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: f.Status, Code: "redirect_refused",
			Message: "a redirect to another host is refused"}
	case fakeca.WrongType, fakeca.WrongScalar:
		if f.Field >= documentFields {
			return nil
		}
		if f.Kind == fakeca.WrongType && bugs.WrongTypeIgnored || f.Kind == fakeca.WrongScalar && bugs.WrongScalarIgnored {
			s.chaos.mu.Lock()
			s.chaos.corrupt = true
			s.chaos.mu.Unlock()
			return nil
		}
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 200, Code: "invalid_document",
			Message: "a field of the answer has the wrong type"}
	case fakeca.EchoRequest:
		status := f.Status
		if status == 0 {
			status = 400
		}
		kind := model.ErrInvalidArgument
		switch {
		case status == 429:
			kind = model.ErrRateLimited
		case status >= 500:
			kind = model.ErrUnavailable
		}
		return &model.Error{Kind: kind, HTTPStatus: status, Code: "bad_request", Message: "the request was refused"}
	case fakeca.HugeBody:
		size := f.Size
		if size <= 0 {
			size = 64 << 20
		}
		if size <= maxBodyBytes || bugs.NoBodyCap {
			return nil
		}
		return &model.Error{Kind: model.ErrUnavailable, HTTPStatus: 200, Code: "body_too_large",
			Message: "the answer is over the body cap"}
	}
	return nil
}

// retryWait waits d or until ctx ends (for d at most 3 s whatever ctx does, with
// RetryWaitIgnoresContext); false when ctx ended first.
func (s *Server) retryWait(ctx context.Context, d time.Duration) bool {
	if s.Bugs.Faults.RetryWaitIgnoresContext {
		time.Sleep(min(d, 3*time.Second))
		return ctx.Err() == nil
	}
	return sleep(ctx, d)
}

// sleep waits d or until ctx ends; false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool { return retry.Sleep(ctx, d) == nil }
