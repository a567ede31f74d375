package preflight

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// zoneServer is a miekg/dns server on 127.0.0.1 (UDP and TCP on one port) serving zones
// the test writes. As an authoritative server it sets AA, refers delegated names to
// their child zone with NS and glue, answers NXDOMAIN and NODATA with the zone's SOA, and
// truncates UDP answers to the client's EDNS0 size. As a resolver (recursive) it answers
// from the same records without AA, standing in for a caching resolver.
type zoneServer struct {
	t         *testing.T
	addr      string
	recursive bool

	mu       sync.Mutex
	zones    []string            // FQDNs this server is authoritative for
	records  map[string][]dns.RR // lower-case FQDN -> records
	servfail map[string]bool     // names answered with SERVFAIL
	slow     map[string]time.Duration
	dropTCP  bool // close TCP connections without answering
	queries  []string
	stop     chan struct{}
}

func newZoneServer(t *testing.T, zones ...string) *zoneServer {
	t.Helper()
	s := &zoneServer{t: t, records: map[string][]dns.RR{}, servfail: map[string]bool{}, slow: map[string]time.Duration{}, stop: make(chan struct{})}
	for _, z := range zones {
		s.zones = append(s.zones, dns.CanonicalName(z))
	}
	var pc net.PacketConn
	var ln net.Listener
	for attempt := 0; ; attempt++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if attempt > 20 {
			t.Fatalf("no free port for UDP and TCP: %v", err)
		}
	}
	s.addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: s}
	tcp := &dns.Server{Listener: ln, Handler: s}
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
	}
	t.Cleanup(func() {
		close(s.stop)
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return s
}

func newResolver(t *testing.T) *zoneServer {
	s := newZoneServer(t, ".")
	s.recursive = true
	return s
}

// add parses records in zone-file syntax ("name TTL IN TYPE data"); names are absolute.
func (s *zoneServer) add(lines ...string) *zoneServer {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range lines {
		rr, err := dns.NewRR(line)
		if err != nil {
			s.t.Fatalf("bad record %q: %v", line, err)
		}
		k := dns.CanonicalName(rr.Header().Name)
		s.records[k] = append(s.records[k], rr)
	}
	return s
}

func (s *zoneServer) port() string {
	_, p, _ := net.SplitHostPort(s.addr)
	return p
}

func (s *zoneServer) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *zoneServer) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	if len(r.Question) != 1 {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := dns.CanonicalName(q.Name)
	_, isTCP := w.LocalAddr().(*net.TCPAddr)
	s.mu.Lock()
	s.queries = append(s.queries, name+" "+dns.TypeToString[q.Qtype])
	delay, servfail, dropTCP := s.slow[name], s.servfail[name], s.dropTCP
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-s.stop:
			return
		}
	}
	if isTCP && dropTCP {
		_ = w.Close()
		return
	}
	m := new(dns.Msg)
	m.SetReply(r)
	if servfail {
		m.Rcode = dns.RcodeServerFailure
		_ = w.WriteMsg(m)
		return
	}
	s.answer(m, name, q.Qtype)
	if !isTCP {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		if m.Len() > size {
			m.Answer, m.Ns, m.Extra = nil, nil, nil
			m.Truncated = true
		}
	}
	_ = w.WriteMsg(m)
}

func (s *zoneServer) answer(m *dns.Msg, name string, qtype uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	zone := ""
	for _, z := range s.zones {
		if dns.IsSubDomain(z, name) && len(z) > len(zone) {
			zone = z
		}
	}
	if zone == "" {
		m.Rcode = dns.RcodeRefused
		return
	}
	m.RecursionAvailable = s.recursive
	if !s.recursive {
		// A delegation below the zone: refer, with glue.
		for cut := name; cut != zone && dns.IsSubDomain(zone, cut); cut = parentName(cut) {
			if ns := s.typed(cut, dns.TypeNS); len(ns) > 0 {
				m.Ns = append(m.Ns, ns...)
				for _, rr := range ns {
					m.Extra = append(m.Extra, s.typed(dns.CanonicalName(rr.(*dns.NS).Ns), dns.TypeA)...)
				}
				return
			}
		}
		m.Authoritative = true
	}
	cur := name
	for range 10 {
		recs := s.typed(cur, qtype)
		m.Answer = append(m.Answer, recs...)
		cn := s.typed(cur, dns.TypeCNAME)
		if qtype == dns.TypeCNAME || len(cn) == 0 {
			break
		}
		m.Answer = append(m.Answer, cn...)
		if len(recs) > 0 {
			break // a broken zone with a CNAME beside other data: serve both
		}
		cur = dns.CanonicalName(cn[0].(*dns.CNAME).Target)
		if !dns.IsSubDomain(zone, cur) {
			return
		}
	}
	if len(m.Answer) > 0 {
		return
	}
	if !s.exists(cur) {
		m.Rcode = dns.RcodeNameError
	}
	m.Ns = append(m.Ns, s.typed(zone, dns.TypeSOA)...)
}

func (s *zoneServer) typed(name string, qtype uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range s.records[name] {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	return out
}

// exists is true when name has records or names below it do (an empty non-terminal).
func (s *zoneServer) exists(name string) bool {
	if name == "." {
		return true
	}
	for k := range s.records {
		if k == name || strings.HasSuffix(k, "."+name) {
			return true
		}
	}
	return false
}

// setSlow delays answers for name by d.
func (s *zoneServer) setSlow(name string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slow[dns.CanonicalName(name)] = d
}

// setServFail answers queries for name with SERVFAIL.
func (s *zoneServer) setServFail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servfail[dns.CanonicalName(name)] = true
}

// setDropTCP closes TCP connections without an answer.
func (s *zoneServer) setDropTCP() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropTCP = true
}
