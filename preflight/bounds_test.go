package preflight

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNonPublicFileHostRefused: a file URL (the CA's) naming loopback, by address or
// by a name that resolves there, is not fetched unless the caller chose where to dial;
// the server gets no request.
func TestNonPublicFileHostRefused(t *testing.T) {
	var hits atomic.Int32
	srv := fileServer(t, map[string]http.HandlerFunc{wellKnown: func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, u := range []string{srv.URL + wellKnown, "http://localhost:" + port + wellKnown} {
		res := Check(context.Background(), fileChallengeAt(u, fileToken), Options{})
		assert.Equal(t, StatusError, res.Status, res.Message)
		assert.Equal(t, ReasonNonPublic, res.Reason, res.Message)
		assert.Contains(t, res.Message, "loopback")
	}
	assert.Zero(t, hits.Load(), "no request reached the non-public host")
	res := Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), Options{AllowNonPublic: true})
	assert.NotEqual(t, ReasonNonPublic, res.Reason, "allowed: %s", res.Message)
}

// TestNonPublicNameserverRefused: a nameserver address that DNS gives (here the
// resolver's A record, 127.0.0.1) is not asked unless the caller chose the
// nameservers' addresses.
func TestNonPublicNameserverRefused(t *testing.T) {
	w := newWorld(t)
	w.parent.add(`_dnsauth.example.test. 300 IN TXT "tok"`)
	opt := w.opts()
	opt.NameserverAddrs = nil
	opt.NameserverPort = w.parent.port()
	res := Check(context.Background(), txtChallenge("_dnsauth.example.test", "tok"), opt)
	assert.Equal(t, StatusError, res.Status, res.Message)
	assert.Equal(t, ReasonNonPublic, res.Reason, res.Message)
	assert.Contains(t, res.Message, "ns1.example.test at 127.0.0.1 (loopback)")
	assert.Zero(t, count(w.parent, "_dnsauth.example.test.", dns.TypeTXT), "the loopback nameserver was not asked")
}

// TestCheckTotalDeadline: a nameserver that never answers cannot hold a Check longer
// than Options.Timeout, whatever the per-query timeout; the result says so.
func TestCheckTotalDeadline(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing, answers nothing
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	opt := Options{Nameservers: []string{pc.LocalAddr().String()}, DNSTimeout: time.Hour, Timeout: 100 * time.Millisecond}
	done := make(chan Result, 1)
	go func() { done <- Check(context.Background(), txtChallenge("_dnsauth.example.test", "tok"), opt) }()
	var res Result
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("Check did not end at its total deadline")
	}
	assert.Equal(t, StatusError, res.Status, res.Message)
	assert.Equal(t, ReasonTimeout, res.Reason, res.Message)
	assert.Contains(t, res.Message, "Options.Timeout")
	assert.Equal(t, DefaultTimeout, Options{}.timeout())
}

// TestCheckQueryBudget: a walk that would need more queries than Options.MaxQueries
// stops at the budget with an error saying so.
func TestCheckQueryBudget(t *testing.T) {
	w := newWorld(t)
	w.child.add(`_dnsauth.child.example.test. 300 IN TXT "tok"`)
	opt := w.opts()
	opt.MaxQueries = 2
	res := Check(context.Background(), txtChallenge("_dnsauth.child.example.test", "tok"), opt)
	assert.Equal(t, StatusError, res.Status, res.Message)
	assert.Contains(t, res.Message, "more than 2 DNS queries for one check")
	opt.MaxQueries = 0
	res = Check(context.Background(), txtChallenge("_dnsauth.child.example.test", "tok"), opt)
	assert.Equal(t, StatusOK, res.Status, res.Message)
}

// TestConcurrentChecksShareOptions: Options (its TLSConfig included) may be shared by
// checks running at once, as 'anyca challenges --check' does; under -race this found
// the transports writing to one shared tls.Config.
func TestConcurrentChecksShareOptions(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(fileToken)) }))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	opt := Options{TLSConfig: &tls.Config{RootCAs: pool}, AllowNonPublic: true}
	var wg sync.WaitGroup
	results := make([]Result, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = Check(context.Background(), fileChallengeAt(srv.URL+wellKnown, fileToken), opt)
		}()
	}
	wg.Wait()
	for i, res := range results {
		assert.Equal(t, StatusOK, res.Status, "check %d: %s", i, res.Message)
	}
}
