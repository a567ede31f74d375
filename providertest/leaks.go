package providertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"go.uber.org/goleak"
)

// testNoLeaks checks that a provider leaves no goroutine behind after a listing the
// caller breaks out of, a listing cancelled between pages, and a call cancelled while
// the CA is slow to answer. It runs alone (Run starts it before the parallel checks), so
// every goroutine that is new at the end is the provider's, or its HTTP connections'
// once idle ones are closed.
func (s *suite) testNoLeaks(t *testing.T) {
	f := s.startFake(t)
	// A transport of the test's own, so that its idle connections can be closed: a clone
	// of the fake's when its Config brings one (a TLS fake's, trusting its certificate).
	hc := ownClient(f, 0)
	cfg := f.Config
	cfg.HTTPClient = hc
	before := goleak.IgnoreCurrent()
	p := newProvider(t, cfg)

	for _, err := range p.Certificates(ctxFor(t), model.CertificateQuery{PageSize: 2}) {
		if err != nil {
			t.Errorf("listing: %v", err)
		}
		break
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	for _, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: 2}) {
		if err != nil {
			break
		}
		if n++; n == 3 {
			cancel()
		}
	}
	cancel()
	f.FailNext(1, Fault{Kind: FaultSlow, Delay: 5 * time.Second})
	slow, cancelSlow := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := p.Certificate(slow, f.Want.Certificates[0].ID)
	cancelSlow()
	if err == nil {
		t.Error("a call against a CA that answers after 5 s returned no error within its 50 ms deadline")
	}
	hc.CloseIdleConnections()
	if err := goleak.Find(before); err != nil {
		t.Errorf("goroutines left after a break, a cancelled listing and a cancelled slow call: %v", err)
	}
}

// ownClient returns an HTTP client of the check's own with the given Timeout (0: none).
// Its transport is a clone of the fake's when the fake's Config brings one, so that what
// the harness set there (the roots a TLS fake's certificate verifies against, a dialer)
// is kept, and http.DefaultTransport's clone otherwise.
func ownClient(f *Fake, timeout time.Duration) *http.Client {
	base := http.DefaultTransport.(*http.Transport)
	if f.Config.HTTPClient != nil {
		if t, ok := f.Config.HTTPClient.Transport.(*http.Transport); ok {
			base = t
		}
	}
	return &http.Client{Transport: base.Clone(), Timeout: timeout}
}
