package fakeca

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/miekg/dns"
)

// zone is a tiny authoritative DNS server on loopback for the Lookup tests: a CNAME
// answers any query type at its name, as a real server does.
type zone struct {
	mu  sync.Mutex
	rrs []dns.RR
}

func (z *zone) add(t *testing.T, rr string) {
	r, err := dns.NewRR(rr)
	if err != nil {
		t.Fatal(err)
	}
	z.mu.Lock()
	z.rrs = append(z.rrs, r)
	z.mu.Unlock()
}

func (z *zone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	z.mu.Lock()
	for _, rr := range z.rrs {
		h := rr.Header()
		if strings.EqualFold(h.Name, q.Name) && (h.Rrtype == q.Qtype || h.Rrtype == dns.TypeCNAME) {
			m.Answer = append(m.Answer, rr)
		}
	}
	z.mu.Unlock()
	if len(m.Answer) == 0 {
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

func startZone(t *testing.T, z *zone) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: z, NotifyStartedFunc: func() { close(ready) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-ready
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// TestLookupDNS: a TXT challenge is published only when a record holds the exact
// value, a CNAME only when its target matches (case and trailing dot aside).
func TestLookupDNS(t *testing.T) {
	z := &zone{}
	l := &Lookup{DNS: startZone(t, z), Timeout: time.Second}
	txt := model.Challenge{Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.a.example.com", RecordValue: "tok3n"}
	cname := model.Challenge{Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.com", RecordValue: "T.dcv.example.net"}
	if l.Published(txt) || l.Published(cname) {
		t.Fatal("published before any record exists")
	}
	z.add(t, `_dnsauth.a.example.com. 60 IN TXT "tokn3"`)
	z.add(t, `_x.b.example.com. 60 IN CNAME old.dcv.example.net.`)
	if l.Published(txt) {
		t.Error("a TXT typo counts as published")
	}
	if l.Published(cname) {
		t.Error("a CNAME to the old target counts as published")
	}
	z.add(t, `_dnsauth.a.example.com. 60 IN TXT "tok3n"`)
	if !l.Published(txt) {
		t.Error("the right TXT among several is not seen")
	}
	z2 := &zone{}
	z2.add(t, `_x.b.example.com. 60 IN CNAME t.DCV.example.net`)
	l2 := &Lookup{DNS: startZone(t, z2), Timeout: time.Second}
	if !l2.Published(cname) {
		t.Error("the right CNAME target is not seen")
	}
	if (&Lookup{}).Published(txt) {
		t.Error("a Lookup without a DNS server sees a TXT record")
	}
}

// TestLookupFile: a file challenge is published only by a 200 with exactly the body,
// asked with the URL's host; a redirect, a trailing newline or a 404 is not.
func TestLookupFile(t *testing.T) {
	var mu sync.Mutex
	body, status := "", http.StatusNotFound
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Host != "a.example.com" || r.URL.Path != "/.well-known/pki-validation/f.txt" {
			http.NotFound(w, r)
			return
		}
		if status == http.StatusMovedPermanently {
			w.Header().Set("Location", "https://a.example.com"+r.URL.Path)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	set := func(b string, st int) { mu.Lock(); body, status = b, st; mu.Unlock() }
	l := &Lookup{Files: srv.Listener.Addr().String(), Timeout: time.Second}
	ch := model.Challenge{Type: model.ChallengeHTTPFile, URL: "http://a.example.com/.well-known/pki-validation/f.txt", Content: "abc\ndef"}
	cases := []struct {
		body   string
		status int
		want   bool
	}{
		{"", http.StatusNotFound, false},
		{"abc\ndef\n", http.StatusOK, false},
		{"abc\ndef", http.StatusMovedPermanently, false},
		{"abc\ndef", http.StatusOK, true},
	}
	for _, c := range cases {
		set(c.body, c.status)
		if got := l.Published(ch); got != c.want {
			t.Errorf("body %q status %d: published %v, want %v", c.body, c.status, got, c.want)
		}
	}
	if l.Published(model.Challenge{Type: model.ChallengeEmail, Emails: []string{"admin@a.example.com"}}) {
		t.Error("an email challenge counts as published")
	}
}

// TestLookupHTTPSFile: an https-file challenge is published only over TLS with a
// certificate valid for the URL's host under RootCAs.
func TestLookupHTTPSFile(t *testing.T) {
	cert, err := TestPKI().ServerCertificate(LeafSpec{Seed: "lookup-test", Names: []string{"a.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("body"))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
	srv.StartTLS()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	ch := model.Challenge{Type: model.ChallengeHTTPSFile, URL: "https://a.example.com/.well-known/pki-validation/f.txt", Content: "body"}
	if !(&Lookup{FilesTLS: addr, RootCAs: TestPKI().RootPool(), Timeout: time.Second}).Published(ch) {
		t.Error("the https file is not seen")
	}
	if (&Lookup{FilesTLS: addr, Timeout: time.Second}).Published(ch) {
		t.Error("a certificate from an untrusted root is accepted")
	}
	other := ch
	other.URL = "https://b.example.com/.well-known/pki-validation/f.txt"
	if (&Lookup{FilesTLS: addr, RootCAs: TestPKI().RootPool(), Timeout: time.Second}).Published(other) {
		t.Error("a certificate for another name is accepted")
	}
	plain := ch
	plain.Type = model.ChallengeHTTPFile
	if (&Lookup{Files: addr, FilesTLS: addr, RootCAs: TestPKI().RootPool(), Timeout: time.Second}).Published(plain) {
		t.Error("an http-file challenge with an https URL counts as published")
	}
}
