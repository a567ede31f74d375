package preflight

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/stretchr/testify/assert"

	"github.com/anyca/anyca/model"
)

// rawUDP answers every datagram with reply(query).
func rawUDP(t *testing.T, reply func(q []byte) []byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(reply(append([]byte(nil), buf[:n]...)), addr)
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String()
}

func TestHostileNameservers(t *testing.T) {
	answerWith := func(edit func(q, m *dns.Msg)) func([]byte) []byte {
		return func(b []byte) []byte {
			q := new(dns.Msg)
			if q.Unpack(b) != nil {
				return nil
			}
			m := new(dns.Msg)
			m.SetReply(q)
			m.Authoritative = true
			edit(q, m)
			out, _ := m.Pack()
			return out
		}
	}
	rr := func(s string) dns.RR { r, _ := dns.NewRR(s); return r }
	for name, reply := range map[string]func([]byte) []byte{
		"garbage":        func([]byte) []byte { return []byte("HTTP/1.1 502 Bad Gateway\r\n\r\n<html>") },
		"empty datagram": func([]byte) []byte { return []byte{} },
		"header only": func(b []byte) []byte {
			if len(b) < 12 {
				return nil
			}
			h := append([]byte(nil), b[:12]...)
			h[2] |= 0x80
			return h
		},
		"other question": answerWith(func(_, m *dns.Msg) { m.Question[0].Name = "other.test." }),
		"wrong types": answerWith(func(q, m *dns.Msg) {
			m.Answer = []dns.RR{rr(q.Question[0].Name + " 300 IN A 192.0.2.1"), rr(q.Question[0].Name + " 300 IN MX 10 mail.test.")}
		}),
		"records of other names": answerWith(func(_, m *dns.Msg) {
			m.Answer = []dns.RR{rr(`elsewhere.test. 300 IN TXT "tok"`), rr(`elsewhere.test. 300 IN CAA 0 issue "x"`)}
		}),
		"referral to itself": answerWith(func(q, m *dns.Msg) {
			m.Authoritative = false
			m.Ns = []dns.RR{rr(q.Question[0].Name + " 300 IN NS ns.loop.test.")}
		}),
		"odd rcode": answerWith(func(_, m *dns.Msg) { m.Rcode = dns.RcodeNotImplemented }),
	} {
		t.Run(name, func(t *testing.T) {
			addr := rawUDP(t, reply)
			opt := Options{Nameservers: []string{addr}, NameserverAddrs: map[string][]string{"ns.loop.test": {addr}},
				DNSTimeout: 300 * time.Millisecond, CAAIdentities: []string{"ca.test"}}
			for _, ch := range []model.Challenge{txtChallenge("_dnsauth.example.test", "tok"), cnameChallenge("_dnsauth.example.test", "t.ca.test")} {
				res := Check(context.Background(), ch, opt)
				assert.NotEqual(t, StatusOK, res.Status, "%s: %s", ch.Type, res.Message)
				assert.NotEmpty(t, res.Message)
				assertPrintable(t, res.Message)
			}
		})
	}
}
