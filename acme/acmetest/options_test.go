package acmetest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/require"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// outside is a DNS server (TCP) and an HTTP file host that are not the Server's own, as
// a simulator's are.
type outside struct {
	mu    sync.Mutex
	txt   map[string]string
	files map[string]string
	dns   string
	port  int
}

func startOutside(t *testing.T) *outside {
	t.Helper()
	o := &outside{txt: map[string]string{}, files: map[string]string{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ready := make(chan struct{})
	ds := &dns.Server{Listener: l, Net: "tcp", NotifyStartedFunc: func() { close(ready) }, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		qn := q.Question[0]
		o.mu.Lock()
		v, ok := o.txt[strings.ToLower(qn.Name)]
		o.mu.Unlock()
		switch {
		case qn.Qtype == dns.TypeTXT && ok:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: qn.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET}, Txt: []string{v}})
		case qn.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: qn.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.IPv4(127, 0, 0, 1)})
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = ds.ActivateAndServe() }()
	<-ready
	t.Cleanup(func() { _ = ds.Shutdown() })
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		body, ok := o.files[r.URL.Path]
		o.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(hs.Close)
	o.dns = l.Addr().String()
	o.port = hs.Listener.Addr().(*net.TCPAddr).Port
	return o
}

func (o *outside) publish(ch model.Challenge) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch ch.Type {
	case model.ChallengeDNSTXT:
		o.txt[dns.Fqdn(strings.ToLower(ch.RecordName))] = ch.RecordValue
	case model.ChallengeHTTPFile:
		o.files[ch.URL[strings.Index(ch.URL, "/.well-known/"):]] = ch.Content
	}
}

// TestOutsideDNSAndFileHost points Pebble's validation at a DNS server and a file host
// the test runs itself, reached by a client that trusts only TLSCertificatePEM: both
// challenge types validate for real, and what is published into the Server's own hosts
// is not seen.
func TestOutsideDNSAndFileHost(t *testing.T) {
	o := startOutside(t)
	srv, err := acmetest.New(acmetest.Options{DNSServer: o.dns, HTTP01Port: o.port})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	require.Contains(t, string(srv.RootPEM), "-----BEGIN CERTIFICATE-----")
	// A client that trusts TLSCertificatePEM alone reaches the directory.
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(srv.TLSCertificatePEM()))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	key, err := acme.NewKey()
	require.NoError(t, err)
	ctx := context.Background()
	p, err := anyca.New(ctx, anyca.Config{Provider: "acme", BaseURL: srv.DirectoryURL, HTTPClient: hc, Retry: retry.Config{RequestsPerSecond: -1}, ACME: &anyca.ACMEAccount{Key: key, AgreeTerms: true}})
	require.NoError(t, err)
	for _, method := range []model.ChallengeType{model.ChallengeDNSTXT, model.ChallengeHTTPFile} {
		ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"shop.example.org"}, CSR: csrFor(t, "shop.example.org"), Method: method})
		require.NoError(t, err)
		chs, err := p.Challenges(ctx, ord.ID)
		require.NoError(t, err)
		for _, ch := range chs {
			if ch.Type == method {
				require.NoError(t, srv.Publish(ch)) // the Server's own hosts: not asked
				o.publish(ch)
			}
		}
		_, err = anyca.Verify(ctx, p, ord.ID, method)
		require.NoError(t, err)
		_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond})
		require.NoError(t, err, method)
		_, err = anyca.Download(ctx, p, ord.ID)
		require.NoError(t, err, method)
	}
	// Published only into the Server's own hosts, a challenge fails.
	ord, err := anyca.Order(ctx, p, model.OrderRequest{Names: []string{"blog.example.org"}, CSR: csrFor(t, "blog.example.org"), Method: model.ChallengeDNSTXT})
	require.NoError(t, err)
	chs, err := p.Challenges(ctx, ord.ID)
	require.NoError(t, err)
	for _, ch := range chs {
		if ch.Type == model.ChallengeDNSTXT {
			require.NoError(t, srv.Publish(ch))
		}
	}
	_, err = anyca.Verify(ctx, p, ord.ID, model.ChallengeDNSTXT)
	require.NoError(t, err)
	var vf *anyca.ValidationFailedError
	_, err = anyca.WaitValidated(ctx, p, ord.ID, anyca.WaitOptions{Min: 10 * time.Millisecond, Max: 100 * time.Millisecond})
	require.ErrorAs(t, err, &vf)
}
