package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// p4Scale divides DigiCert's windows (100 per 5 s, 1000 per 3 min) for a short run:
// 100 per 250 ms and 1000 per 9 s. The long window binds over a long run (111/s here,
// 5.56/s at CertCentral). The client keeps each window's default margin
// (retry.DefaultMargin: 50 ms and 180 ms here, 100 ms and 2 s at CertCentral).
const p4Scale = 20

// p4LongWindows is how many long windows a run measures.
const p4LongWindows = 2

// p4ScaledWindows are DigiCert's two windows divided by p4Scale.
var p4ScaledWindows = []retry.Window{{N: 100, Per: 5 * time.Second / p4Scale}, {N: 1000, Per: 3 * time.Minute / p4Scale}}

// rollingFake admits a request only when every window has room (counting the admitted
// requests of the preceding Per, as CertCentral does) and answers the rest with
// DigiCert's 429 body, no Retry-After. It remembers when it admitted each request, and
// counts the requests it passed on (ok) and refused (shed). With one window it is the
// single rolling window of TestP4RateLimit.
type rollingFake struct {
	next     http.Handler
	windows  []retry.Window
	mu       sync.Mutex
	admitted []time.Time
	ok, shed atomic.Int64
	refusals []string // which window refused, and how far inside it the oldest counted request was
}

func (f *rollingFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	f.mu.Lock()
	admit := true
	for _, win := range f.windows {
		n := 0
		for i := len(f.admitted) - 1; i >= 0 && now.Sub(f.admitted[i]) < win.Per; i-- {
			n++
		}
		if n >= win.N {
			admit = false
			oldest := f.admitted[len(f.admitted)-n]
			f.refusals = append(f.refusals, fmt.Sprintf("%s: oldest counted %s ago", win, now.Sub(oldest)))
			break
		}
	}
	if admit {
		f.admitted = append(f.admitted, now)
	}
	f.mu.Unlock()
	if !admit {
		f.shed.Add(1)
		writeRequestLimitExceeded(w)
		return
	}
	f.ok.Add(1)
	f.next.ServeHTTP(w, r)
}

// allowedFraction is the share of the budget used: requests admitted in the first
// p4LongWindows long windows from the first admitted one, over p4LongWindows * N, the most
// any client could get there.
func (f *rollingFake) allowedFraction() (admitted int, fraction float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.admitted) == 0 {
		return 0, 0
	}
	long := f.windows[len(f.windows)-1]
	end := f.admitted[0].Add(p4LongWindows * long.Per)
	for _, t := range f.admitted {
		if t.Before(end) {
			admitted++
		}
	}
	return admitted, float64(admitted) / float64(p4LongWindows*long.N)
}

// steadyCeiling is the share of the long window's rate a limiter keeping windows reaches
// over a long run: Per / (Per + margin).
func steadyCeiling(windows []retry.Window) float64 {
	long := windows[len(windows)-1]
	return float64(long.Per) / float64(long.Gap())
}

// p4RollingPhase returns how long a P4 rolling-window run lasts: the measured long windows and
// a little more, so that the last window is full.
func p4RollingPhase() time.Duration {
	return p4LongWindows*p4ScaledWindows[len(p4ScaledWindows)-1].Per + 500*time.Millisecond
}

// p4Loop calls Certificate until ctx ends and counts the calls that succeeded and those
// that failed rate limited.
func p4Loop(ctx context.Context, p anyca.Provider, id string) (ok, limited int, err error) {
	for ctx.Err() == nil {
		_, err := p.Certificate(ctx, id)
		switch {
		case err == nil:
			ok++
		case ctx.Err() != nil, errors.Is(err, context.DeadlineExceeded):
		case errors.Is(err, model.ErrRateLimited):
			limited++
		default:
			return ok, limited, err
		}
	}
	return ok, limited, nil
}

// TestP4RollingWindows is P4 with both of DigiCert's windows (scaled by p4Scale): one
// process with DigiCert's default limiter, the rolling windows, must use at least 95% of
// the budget without one 429. It prints "P4W|..." lines. Skipped with -short.
func TestP4RollingWindows(t *testing.T) {
	if testing.Short() {
		t.Skip("takes ~19 s")
	}
	fk := digicerttest.NewUnstarted()
	id := fk.AddCertificate(p1Certificate("p4w.example.com")).ID
	rf := &rollingFake{next: fk.Handler(), windows: p4ScaledWindows}
	ts := httptest.NewServer(rf)
	defer ts.Close()
	p := newProvider(t, "digicert", fakeInfo{URL: ts.URL + digicerttest.BasePath, Key: fk.APIKey},
		retry.Config{Windows: p4ScaledWindows})
	ctx, cancel := context.WithTimeout(context.Background(), p4RollingPhase())
	defer cancel()
	ok, limited, err := p4Loop(ctx, p, id)
	if err != nil {
		t.Fatal(err)
	}
	admitted, frac := rf.allowedFraction()
	fmt.Printf("P4W|windows|%v (DigiCert's divided by %d), %d long windows measured\n", p4ScaledWindows, p4Scale, p4LongWindows)
	fmt.Printf("P4W|row|1 process, rolling-window limiter (DigiCert default, scaled)|%d|%d|%d|%d|%.1f%%|%.1f%%\n",
		ok, limited, admitted, rf.shed.Load(), 100*frac, 100*steadyCeiling(p4ScaledWindows))
	for _, r := range rf.refusals {
		t.Logf("429: %s", r)
	}
	if rf.shed.Load() != 0 || frac < 0.95 || steadyCeiling(p4ScaledWindows) < 0.95 {
		t.Errorf("rolling-window limiter: %d answered 429, %.1f%% of the allowed requests", rf.shed.Load(), 100*frac)
	}
}
