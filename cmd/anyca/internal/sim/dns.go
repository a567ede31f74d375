package sim

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// The simulator's authoritative DNS server: every simulated zone, with its SOA and NS at
// the apex, and the records published into the world.

// listenDNS serves the world on UDP and TCP on one loopback port: at, or a free one when
// at ends in ":0".
func (w *World) listenDNS(ctx context.Context, at string) ([]*dns.Server, string, error) {
	var lc net.ListenConfig
	var last error
	attempts := 5
	if !strings.HasSuffix(at, ":0") {
		attempts = 1 // a fixed port: no other to try
	}
	for attempt := 0; attempt < attempts; attempt++ {
		pc, err := lc.ListenPacket(ctx, "udp", at)
		if err != nil {
			return nil, "", err
		}
		addr := pc.LocalAddr().String()
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err != nil { // the port is taken on TCP: try another
			pc.Close()
			last = err
			continue
		}
		udp, tcp := &dns.Server{PacketConn: pc, Handler: w}, &dns.Server{Listener: ln, Handler: w}
		for _, s := range []*dns.Server{udp, tcp} {
			ready := make(chan struct{})
			s.NotifyStartedFunc = func() { close(ready) }
			go func() { _ = s.ActivateAndServe() }()
			<-ready
		}
		return []*dns.Server{udp, tcp}, addr, nil
	}
	return nil, "", last
}

// ServeDNS answers one query authoritatively. Inside a simulated zone: the published
// records (a CNAME answers every type at its name), NODATA or NXDOMAIN with the zone's
// SOA. Above the zones (org., test., the root): empty NODATA, so that a CAA climb ends
// cleanly. Anywhere else: NXDOMAIN. UDP answers are truncated to the client's size.
func (w *World) ServeDNS(rw dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		m.Rcode = dns.RcodeFormatError
		_ = rw.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := dns.CanonicalName(q.Name)
	zone := w.zoneOf(name)
	switch {
	case zone != "":
		w.answer(m, q, name, zone)
	case w.aboveZones(name):
	default:
		m.Rcode = dns.RcodeNameError
	}
	if _, udp := rw.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = rw.WriteMsg(m)
}

// answer fills m for a name inside zone.
func (w *World) answer(m *dns.Msg, q dns.Question, name, zone string) {
	rrs := w.recordsAt(name, zone)
	exists := len(rrs) > 0
	for _, rr := range rrs {
		t := rr.Header().Rrtype
		if t == q.Qtype || q.Qtype == dns.TypeANY || t == dns.TypeCNAME {
			c := dns.Copy(rr)
			c.Header().Name = q.Name // the client's spelling of the name
			m.Answer = append(m.Answer, c)
		}
	}
	if len(m.Answer) > 0 {
		return
	}
	if !exists {
		w.mu.Lock()
		for owner := range w.rrs {
			if strings.HasSuffix(owner, "."+name) && len(w.rrs[owner]) > 0 {
				exists = true // an empty non-terminal
				break
			}
		}
		w.mu.Unlock()
	}
	if !exists {
		m.Rcode = dns.RcodeNameError
	}
	m.Ns = append(m.Ns, soa(zone))
}

// recordsAt returns the records at name: the published ones, and at the apex the SOA
// and NS (and the nameserver's address at ns.<zone>), and 127.0.0.1 for a host the file
// host serves files for.
func (w *World) recordsAt(name, zone string) []dns.RR {
	var out []dns.RR
	switch name {
	case zone:
		out = append(out, soa(zone), &dns.NS{Hdr: dns.RR_Header{Name: zone, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 3600}, Ns: "ns." + zone})
	case "ns." + zone:
		out = append(out, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600}, A: net.IPv4(127, 0, 0, 1)})
	}
	w.mu.Lock()
	out = append(out, w.rrs[name]...)
	if w.servesFilesLocked(name) && !hasType(out, dns.TypeA) && !hasType(out, dns.TypeCNAME) {
		// A host with published files points at the file host: a CA that resolves the
		// name before fetching (Pebble's http-01) dials loopback, on the file host's port.
		out = append(out, &dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 300}, A: net.IPv4(127, 0, 0, 1)})
	}
	w.mu.Unlock()
	return out
}

// servesFilesLocked reports whether the file host serves a file for host name (a
// canonical FQDN); w.mu is held.
func (w *World) servesFilesLocked(name string) bool {
	host := strings.TrimSuffix(name, ".")
	for key := range w.files {
		if strings.HasPrefix(key, "http://"+host+"/") || strings.HasPrefix(key, "https://"+host+"/") {
			return true
		}
	}
	return false
}

// hasType reports whether rrs hold a record of type t.
func hasType(rrs []dns.RR, t uint16) bool {
	for _, rr := range rrs {
		if rr.Header().Rrtype == t {
			return true
		}
	}
	return false
}

// aboveZones reports whether name is the root or a parent of a simulated zone.
func (w *World) aboveZones(name string) bool {
	for _, z := range w.zones {
		if name == "." || strings.HasSuffix(z, "."+name) {
			return true
		}
	}
	return false
}

// soa is the simulated zone's SOA record.
func soa(zone string) dns.RR {
	rr, err := dns.NewRR(fmt.Sprintf("%s 300 IN SOA ns.%s hostmaster.%s 1 7200 900 1209600 300", zone, zone, zone))
	if err != nil {
		panic("sim: SOA of " + zone + ": " + err.Error()) // zones are fixed, valid names
	}
	return rr
}
