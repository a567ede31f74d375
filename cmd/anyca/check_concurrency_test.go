package main

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// TestCheckChallengesConcurrently: --check looks at the challenges at once, within its
// bound. The nameserver (a real miekg/dns server on loopback) holds every query until
// four are in flight; checked one after another, each query would wait for the others
// and time out, so only concurrent checks all pass.
func TestCheckChallengesConcurrently(t *testing.T) {
	const n = 4
	var mu sync.Mutex
	waiting := 0
	release := make(chan struct{})
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		mu.Lock()
		waiting++
		if waiting == n {
			close(release)
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		rr, _ := dns.NewRR(q.Question[0].Name + ` 300 IN TXT "tok"`)
		m.Answer = []dns.RR{rr}
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: h}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })

	var chs []model.Challenge
	for _, d := range []string{"a.example.test", "b.example.test", "c.example.test", "d.example.test"} {
		chs = append(chs, model.Challenge{Domain: d, Type: model.ChallengeDNSTXT, RecordName: "_dnsauth." + d, RecordValue: "tok"})
	}
	opt := preflight.Options{Nameservers: []string{pc.LocalAddr().String()}, DNSTimeout: 2 * time.Second}
	for i, r := range checkChallenges(context.Background(), chs, opt) {
		if r.Status != preflight.StatusOK {
			t.Errorf("challenge %d (%s): %s %s: %s", i, chs[i].Domain, r.Status, r.Reason, r.Message)
		}
	}
}
