package sim

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/preflight"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/providertest/fakeca/fakecatest"
	"github.com/miekg/dns"
)

// startWorld starts w's DNS server and file hosts and stops them when the test ends.
func startWorld(t *testing.T, w *World) *World {
	t.Helper()
	stop, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return w
}

func query(t *testing.T, addr, name string, qtype uint16, network string) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return resp
}

// TestSimWorldServesWhatWasPublished: the sim's DNS server answers authoritatively what
// was published (TXT, CNAME for any type, CAA), NXDOMAIN for what was not, the zone's SOA
// and NS, and an empty answer above the zones; the file host serves the exact body by
// Host header, or the redirect, and 404 otherwise.
func TestSimWorldServesWhatWasPublished(t *testing.T) {
	w := startWorld(t, newWorld([]string{"example.org", "shop.test"}))
	pub := func(ch model.Challenge, k Wrong) {
		t.Helper()
		if _, err := w.publish(ch, k); err != nil {
			t.Fatal(err)
		}
	}
	pub(model.Challenge{Domain: "a.example.org", Type: model.ChallengeDNSTXT, RecordName: "_dnsauth.a.example.org", RecordValue: "abcdef"}, WrongNone)
	pub(model.Challenge{Domain: "b.example.org", Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.org", RecordValue: "tok.dcv.example.net"}, WrongCNAME)
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPFile, URL: "http://shop.test/.well-known/pki-validation/f.txt", Content: "v1\nv2"}, WrongCAA)
	pub(model.Challenge{Domain: "www.shop.test", Type: model.ChallengeHTTPFile, URL: "http://www.shop.test/.well-known/pki-validation/g.txt", Content: "g"}, WrongRedirect)

	for _, network := range []string{"udp", "tcp"} {
		r := query(t, w.dnsAddr, "_DNSAUTH.a.example.org", dns.TypeTXT, network)
		if !r.Authoritative || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 || r.Answer[0].(*dns.TXT).Txt[0] != "abcdef" {
			t.Errorf("%s TXT: %v", network, r)
		}
	}
	if r := query(t, w.dnsAddr, "_x.b.example.org", dns.TypeA, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CNAME).Target != "old.dcv.example.net." {
		t.Errorf("a CNAME is not the answer to an A query at its name, or not the wrong target published: %v", r)
	}
	if r := query(t, w.dnsAddr, "shop.test", dns.TypeCAA, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CAA).Value != ForbiddingIssuer {
		t.Errorf("CAA: %v", r)
	}
	if r := query(t, w.dnsAddr, "nothing.example.org", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeNameError || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("unpublished name: %v", r)
	}
	if r := query(t, w.dnsAddr, "a.example.org", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("empty non-terminal above a published record: %v", r)
	}
	if r := query(t, w.dnsAddr, "example.org", dns.TypeNS, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.NS).Ns != "ns.example.org." {
		t.Errorf("apex NS: %v", r)
	}
	if r := query(t, w.dnsAddr, "org", dns.TypeCAA, "udp"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("above the zones: %v", r)
	}
	if r := query(t, w.dnsAddr, "example.com", dns.TypeTXT, "udp"); r.Rcode != dns.RcodeNameError {
		t.Errorf("outside the zones: %v", r)
	}
	// Publishing right again replaces the wrong target and removes the forbidding CAA.
	pub(model.Challenge{Domain: "b.example.org", Type: model.ChallengeDNSCNAME, RecordName: "_x.b.example.org", RecordValue: "tok.dcv.example.net"}, WrongNone)
	if r := query(t, w.dnsAddr, "_x.b.example.org", dns.TypeCNAME, "udp"); len(r.Answer) != 1 || r.Answer[0].(*dns.CNAME).Target != "tok.dcv.example.net." {
		t.Errorf("republished CNAME: %v", r)
	}
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPFile, URL: "http://shop.test/.well-known/pki-validation/f.txt", Content: "v1\nv2"}, WrongNone)
	if r := query(t, w.dnsAddr, "shop.test", dns.TypeCAA, "udp"); len(r.Answer) != 0 {
		t.Errorf("CAA left after a right publish: %v", r)
	}

	client := &http.Client{Transport: &http.Transport{DialContext: preflight.DialFiles(w.fileAddr, w.tlsAddr)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (int, string, string) {
		t.Helper()
		resp, body := fakecatest.Get(t, client, url)
		return resp.StatusCode, string(body), resp.Header.Get("Location")
	}
	if code, body, _ := get("http://SHOP.test/.well-known/pki-validation/f.txt"); code != 200 || body != "v1\nv2" {
		t.Errorf("file: %d %q", code, body)
	}
	if code, _, loc := get("http://www.shop.test/.well-known/pki-validation/g.txt"); code != 301 || loc != "https://www.shop.test/.well-known/pki-validation/g.txt" {
		t.Errorf("redirect: %d %q", code, loc)
	}
	if code, _, _ := get("http://www.shop.test/.well-known/pki-validation/f.txt"); code != 404 {
		t.Errorf("the Host header does not select the domain: %d", code)
	}
	// HTTPS: the same files by scheme, with a certificate for the name from the test PKI.
	pub(model.Challenge{Domain: "shop.test", Type: model.ChallengeHTTPSFile, URL: "https://shop.test/.well-known/pki-validation/f.txt", Content: "tls body"}, WrongNone)
	client.Transport = &http.Transport{DialContext: preflight.DialFiles(w.fileAddr, w.tlsAddr), TLSClientConfig: &tls.Config{RootCAs: fakeca.TestPKI().RootPool()}}
	if code, body, _ := get("https://shop.test/.well-known/pki-validation/f.txt"); code != 200 || body != "tls body" {
		t.Errorf("https file: %d %q", code, body)
	}
	if code, _, _ := get("https://www.shop.test/.well-known/pki-validation/g.txt"); code != 404 {
		t.Errorf("an http redirect is served over https: %d", code)
	}
	if _, err := client.Get("https://example.com/"); err == nil {
		t.Error("the https file host has a certificate for a name outside the zones")
	}
	if _, err := w.publish(model.Challenge{Type: model.ChallengeDNSTXT, RecordName: "_x.example.com", RecordValue: "v"}, WrongNone); err == nil {
		t.Error("a record outside the simulated zones was published")
	}
}

// TestDigiCertFileLookedAt: a DigiCert http-token order is approved only when the sim's
// file host serves fileauth.txt with exactly the random value at the order's own name
// (api-notes: http://<fqdn>/.well-known/pki-validation/fileauth.txt); a redirect does not.
// The DigiCert TXT record is on the domain itself, not under _dnsauth (api-notes).
func TestDigiCertFileLookedAt(t *testing.T) {
	ctx := context.Background()
	w := startWorld(t, newWorld([]string{"shop.test"}))
	srv := digicerttest.NewServer(digicerttest.WithPublished(w.published))
	defer srv.Close()
	order := srv.AddCertificate(model.Certificate{CommonName: "www.shop.test", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(order.ID, []model.Challenge{{Domain: "www.shop.test", Type: model.ChallengeHTTPFile, Token: "rv-file-1", Status: model.ValidationPending}})
	txtOrder := srv.AddCertificate(model.Certificate{CommonName: "shop.test", Status: model.StatusPending, Level: model.LevelOV})
	srv.SetChallenges(txtOrder.ID, []model.Challenge{{Domain: "shop.test", Type: model.ChallengeDNSTXT, Token: "rv-txt-1", Status: model.ValidationPending}})
	p, err := anyca.New(ctx, anyca.Config{Provider: "digicert", APIKey: srv.APIKey, BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	chs, err := p.Challenges(ctx, order.ID)
	if err != nil || len(chs) != 1 || chs[0].URL != "http://www.shop.test/.well-known/pki-validation/fileauth.txt" {
		t.Fatalf("challenges: %v %+v", err, chs)
	}
	status := func(id string, m model.ChallengeType) (model.ValidationStatus, string) {
		t.Helper()
		got, err := anyca.Verify(ctx, p, id, m)
		if err != nil || len(got) == 0 {
			t.Fatalf("verify: %v %+v", err, got)
		}
		return got[0].Status, got[0].Problem
	}
	if st, problem := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationFailed || !strings.Contains(problem, "file_random_value_not_found") {
		t.Errorf("unpublished file: %s %q", st, problem)
	}
	if _, err := w.publish(chs[0], WrongRedirect); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationFailed {
		t.Errorf("redirecting file: %s", st)
	}
	if _, err := w.publish(chs[0], WrongNone); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(order.ID, model.ChallengeHTTPFile); st != model.ValidationValid {
		t.Errorf("published file: %s", st)
	}

	txt, err := p.Challenges(ctx, txtOrder.ID)
	if err != nil || len(txt) != 1 || txt[0].RecordName != "shop.test" {
		t.Fatalf("TXT challenge: %v %+v", err, txt)
	}
	lines, err := w.publish(txt[0], WrongNone)
	if err != nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "shop.test. 300 IN TXT ") {
		t.Fatalf("published TXT: %v %q", err, lines)
	}
	if st, _ := status(txtOrder.ID, model.ChallengeDNSTXT); st != model.ValidationValid {
		t.Errorf("published TXT on the domain itself: %s", st)
	}
}

// TestSimDNSOddQueries: a query without exactly one question is FORMERR, a notify is
// FORMERR, and nothing panics.
func TestSimDNSOddQueries(t *testing.T) {
	w := startWorld(t, newWorld([]string{"example.org"}))
	c := &dns.Client{Timeout: 2 * time.Second}
	empty := new(dns.Msg)
	empty.Id = dns.Id()
	two := new(dns.Msg)
	two.SetQuestion("a.example.org.", dns.TypeTXT)
	two.Question = append(two.Question, dns.Question{Name: "b.example.org.", Qtype: dns.TypeTXT, Qclass: dns.ClassINET})
	notify := new(dns.Msg)
	notify.SetNotify("example.org.")
	for name, m := range map[string]*dns.Msg{"no question": empty, "two questions": two, "notify": notify} {
		resp, _, err := c.Exchange(m, w.dnsAddr)
		if err != nil || resp.Rcode != dns.RcodeFormatError {
			t.Errorf("%s: %v %v", name, resp, err)
		}
	}
	if r := query(t, w.dnsAddr, "example.org", dns.TypeSOA, "udp"); len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != dns.TypeSOA {
		t.Errorf("SOA after odd queries: %v", r)
	}
}
