package preflight_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"

	"github.com/miekg/dns"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
)

// A file challenge checked before asking the CA: the site answers with the right token
// plus a trailing newline, which the verdict names.
func ExampleCheck() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "d41d8cd98f\ncomodoca.com\n5e7a\n")
	}))
	defer site.Close()

	ch := model.Challenge{
		Domain:  "shop.example.com",
		Type:    model.ChallengeHTTPFile,
		URL:     site.URL + "/.well-known/pki-validation/D41D8CD98F.txt",
		Content: "d41d8cd98f\ncomodoca.com\n5e7a",
	}
	// The site is on 127.0.0.1: a check reaches such an address only when allowed.
	res := preflight.Check(context.Background(), ch, preflight.Options{AllowNonPublic: true})
	fmt.Println(res.Status, res.Reason)
	// Output:
	// mismatch trailing_newline
}

// A CNAME challenge checked against an authoritative nameserver, here one on loopback
// (a simulator does the same through Options.Nameservers). The record still points at
// an old target, and the message names it.
func ExampleCheck_cname() {
	zone := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Authoritative = true
		rr, _ := dns.NewRR("_dnsauth.shop.example.com. 300 IN CNAME old-token.dcv.digicert.com.")
		m.Answer = append(m.Answer, rr)
		_ = w.WriteMsg(m)
	})
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: zone, NotifyStartedFunc: func() { close(started) }}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	defer func() { _ = srv.Shutdown() }()

	ch := model.Challenge{
		Domain:      "shop.example.com",
		Type:        model.ChallengeDNSCNAME,
		RecordName:  "_dnsauth.shop.example.com",
		RecordValue: "new-token.dcv.digicert.com",
	}
	res := preflight.Check(context.Background(), ch, preflight.Options{Nameservers: []string{pc.LocalAddr().String()}})
	fmt.Println(res.Status)
	fmt.Println(res.Message)
	// Output:
	// mismatch
	// CNAME at _dnsauth.shop.example.com points to "old-token.dcv.digicert.com", not the expected "new-token.dcv.digicert.com": change the target
}
