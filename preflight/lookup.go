package preflight

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Bounds that keep one Check finite whatever the DNS serves.
const (
	maxReferrals = 12 // referrals followed from the starting zone down
	maxChain     = 8  // CNAMEs followed in one chain
)

// lookup asks the authoritative nameservers of names, for one Check. It remembers the
// nameservers found per zone and the notes to report.
type lookup struct {
	opt       Options
	resolvers []string
	zones     map[string][]string // zone (FQDN) -> nameserver addresses; nil: no NS set there
	notes     []string
	queries   int
}

func newLookup(opt Options) (*lookup, error) {
	l := &lookup{opt: opt, zones: map[string][]string{}}
	if len(opt.Nameservers) > 0 {
		return l, nil
	}
	rs := opt.Resolvers
	if len(rs) == 0 {
		cfg, err := dns.ClientConfigFromFile(ResolvConf)
		if err != nil {
			return nil, &queryError{reason: ReasonInvalid, msg: "no Options.Resolvers and no usable " + ResolvConf, err: err}
		}
		for _, s := range cfg.Servers {
			rs = append(rs, net.JoinHostPort(s, cfg.Port))
		}
	}
	for _, s := range rs {
		l.resolvers = append(l.resolvers, withPort(s, "53"))
	}
	if len(l.resolvers) == 0 {
		return nil, &queryError{reason: ReasonInvalid, msg: "no resolver to find nameservers with"}
	}
	return l, nil
}

func (l *lookup) note(s string) {
	if !slices.Contains(l.notes, s) {
		l.notes = append(l.notes, s)
	}
}

// askResolvers sends a recursive query to the resolvers in turn and returns the first
// NOERROR or NXDOMAIN answer.
func (l *lookup) askResolvers(ctx context.Context, name string, qtype uint16) (*dns.Msg, error) {
	var last error
	for _, s := range l.resolvers {
		resp, err := l.exchange(ctx, s, name, qtype, true)
		if err == nil && resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			err = rcodeError(s, resp)
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		last = err
	}
	return nil, last
}

// startZone finds the deepest zone enclosing name whose NS set the resolvers know, and
// the addresses of its nameservers.
func (l *lookup) startZone(ctx context.Context, name string) (string, []string, error) {
	cand := dns.Fqdn(name)
	for {
		if addrs, ok := l.zones[cand]; ok {
			if addrs != nil {
				return cand, addrs, nil
			}
		} else {
			resp, err := l.askResolvers(ctx, cand, dns.TypeNS)
			if err != nil {
				return "", nil, err
			}
			var nsNames []string
			for _, rr := range resp.Answer {
				if ns, ok := rr.(*dns.NS); ok && equalName(ns.Hdr.Name, cand) {
					nsNames = append(nsNames, ns.Ns)
				}
			}
			var addrs []string
			if len(nsNames) > 0 {
				if addrs, err = l.nameserverAddrs(ctx, nsNames, resp.Extra); err != nil {
					return "", nil, err
				}
			}
			l.zones[cand] = addrs
			if addrs != nil {
				return cand, addrs, nil
			}
		}
		if cand == "." {
			return "", nil, &queryError{reason: ReasonLame, msg: fmt.Sprintf("the resolvers know no nameservers for any zone above %s", trimDot(name))}
		}
		cand = parentName(cand)
	}
}

// nameserverAddrs turns nameserver names into addresses: NameserverAddrs first, then
// glue from extra, then the resolvers' A and AAAA answers. IPv4 addresses come first.
func (l *lookup) nameserverAddrs(ctx context.Context, names []string, extra []dns.RR) ([]string, error) {
	names = slices.Clone(names)
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	port := l.opt.nameserverPort()
	var v4, v6 []string
	var lastErr error
	var refused []string // non-public addresses DNS gave, not asked
	// add keeps a nameserver address DNS gave (glue or a resolver's answer), unless it
	// is not public and the caller did not choose to reach such addresses.
	add := func(list *[]string, n string, ip net.IP) {
		if why := nonPublic(ip); why != "" && !l.opt.nameserversMayBeNonPublic() {
			refused = append(refused, trimDot(n)+" at "+ip.String()+" ("+why+")")
			return
		}
		*list = append(*list, net.JoinHostPort(ip.String(), port))
	}
	for _, n := range names {
		if over, ok := l.opt.NameserverAddrs[trimDot(strings.ToLower(n))]; ok {
			v4 = append(v4, over...)
			continue
		}
		glued := false
		for _, rr := range extra {
			switch a := rr.(type) {
			case *dns.A:
				if equalName(a.Hdr.Name, n) {
					add(&v4, n, a.A)
					glued = true
				}
			case *dns.AAAA:
				if equalName(a.Hdr.Name, n) {
					add(&v6, n, a.AAAA)
					glued = true
				}
			}
		}
		if glued || len(l.resolvers) == 0 {
			continue
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			resp, err := l.askResolvers(ctx, n, qt)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				lastErr = err
				continue
			}
			for _, rr := range resp.Answer {
				switch a := rr.(type) {
				case *dns.A:
					add(&v4, n, a.A)
				case *dns.AAAA:
					add(&v6, n, a.AAAA)
				}
			}
		}
	}
	out := slices.Compact(append(v4, v6...))
	for _, r := range refused {
		l.note("nameserver " + r + " not asked: not a public address (Options.AllowNonPublic)")
	}
	if len(out) == 0 {
		if len(refused) > 0 {
			return nil, &queryError{reason: ReasonNonPublic, msg: "the nameservers' addresses are not public, refused: " + strings.Join(refused, ", ")}
		}
		if lastErr != nil {
			return nil, lastErr
		}
		return nil, &queryError{reason: ReasonLame, msg: "no address for nameservers " + strings.Join(trimDots(names), ", ")}
	}
	return out, nil
}

// authoritative asks name's authoritative nameservers for qtype, following referrals
// down from the starting zone, and returns their authoritative NOERROR or NXDOMAIN
// answer and the server that gave it.
func (l *lookup) authoritative(ctx context.Context, name string, qtype uint16) (*dns.Msg, string, error) {
	zone, servers := ".", l.opt.Nameservers
	if len(servers) == 0 {
		var err error
		if zone, servers, err = l.startZone(ctx, name); err != nil {
			return nil, "", err
		}
	}
	for range maxReferrals {
		resp, server, err := l.askServers(ctx, servers, name, qtype)
		if err != nil {
			return nil, "", err
		}
		if resp.Authoritative {
			return resp, server, nil
		}
		child, nsNames := referral(resp, name, zone)
		if child == "" {
			return nil, "", &queryError{reason: ReasonLame, server: server, msg: fmt.Sprintf("nameserver of %s neither answered for %s with authority nor referred it", trimDot(zone), trimDot(name))}
		}
		if servers, err = l.nameserverAddrs(ctx, nsNames, resp.Extra); err != nil {
			return nil, "", err
		}
		l.zones[child], zone = servers, child
	}
	return nil, "", &queryError{reason: ReasonLame, msg: fmt.Sprintf("more than %d referrals for %s", maxReferrals, trimDot(name))}
}

// askServers asks the servers in turn and returns the first NOERROR or NXDOMAIN answer.
// When all fail, the last failure is returned.
func (l *lookup) askServers(ctx context.Context, servers []string, name string, qtype uint16) (*dns.Msg, string, error) {
	var last error
	for _, s := range servers {
		resp, err := l.exchange(ctx, s, name, qtype, false)
		if err == nil && resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
			err = rcodeError(s, resp)
		}
		if err == nil {
			return resp, s, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		last = err
	}
	if last == nil {
		last = &queryError{reason: ReasonLame, msg: "no nameserver to ask for " + trimDot(name)}
	}
	return nil, "", last
}

// referral returns the child zone and its nameserver names when resp refers name to a
// zone below zone, or "" when it is no referral.
func referral(resp *dns.Msg, name, zone string) (string, []string) {
	if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) > 0 {
		return "", nil
	}
	var child string
	var names []string
	for _, rr := range resp.Ns {
		ns, ok := rr.(*dns.NS)
		if !ok {
			continue
		}
		owner := dns.CanonicalName(ns.Hdr.Name)
		if !dns.IsSubDomain(owner, dns.CanonicalName(name)) || !dns.IsSubDomain(dns.CanonicalName(zone), owner) || equalName(owner, zone) {
			continue
		}
		if child != "" && owner != child {
			continue
		}
		child = owner
		names = append(names, ns.Ns)
	}
	return child, names
}

// rrset is what the authoritative servers publish for a name and type, after CNAMEs.
type rrset struct {
	final    string   // the name the records belong to (name, or the end of the chain)
	chain    []string // CNAME targets followed, in order (FQDN)
	records  []dns.RR // the records of the type at final
	nxdomain bool     // final does not exist
	conflict bool     // a CNAME and records of the type share a name
	server   string   // the server that gave the last answer
}

// resolve reads the qtype records of name from the authoritative servers, following
// CNAMEs inside answers and, when a target lies elsewhere, by asking the target's own
// servers.
func (l *lookup) resolve(ctx context.Context, name string, qtype uint16) (*rrset, error) {
	out := &rrset{final: dns.Fqdn(name)}
	seen := map[string]bool{dns.CanonicalName(name): true}
	for {
		resp, server, err := l.authoritative(ctx, out.final, qtype)
		if err != nil {
			return nil, err
		}
		out.server = server
		followed := false
		for {
			var cname string
			out.records = out.records[:0]
			for _, rr := range resp.Answer {
				if !equalName(rr.Header().Name, out.final) {
					continue
				}
				if _, opaque := rr.(*dns.RFC3597); rr.Header().Rrtype == qtype && !opaque {
					// Known types unpack to their own Go type, which the checks rely on.
					out.records = append(out.records, rr)
				} else if c, ok := rr.(*dns.CNAME); ok && cname == "" {
					cname = c.Target
				}
			}
			if len(out.records) > 0 || cname == "" {
				out.conflict = len(out.records) > 0 && cname != ""
				break
			}
			key := dns.CanonicalName(cname)
			if seen[key] || len(out.chain) >= maxChain {
				return nil, &queryError{reason: ReasonCNAMELoop, server: server, msg: "CNAME chain " + chainText(name, append(out.chain, cname)) + " loops or is too long"}
			}
			seen[key] = true
			out.chain = append(out.chain, cname)
			out.final = dns.Fqdn(cname)
			followed = true
		}
		if len(out.records) > 0 || !followed {
			out.nxdomain = len(out.records) == 0 && resp.Rcode == dns.RcodeNameError
			return out, nil
		}
		// The chain leaves what this server answers for: ask the target's own servers.
	}
}

func equalName(a, b string) bool { return strings.EqualFold(dns.Fqdn(a), dns.Fqdn(b)) }

func parentName(name string) string {
	i, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[i:]
}

func trimDot(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}

func trimDots(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = trimDot(n)
	}
	return out
}

// chainText is "a -> b -> c" for a name and its CNAME targets.
func chainText(name string, chain []string) string {
	parts := append([]string{trimDot(name)}, trimDots(chain)...)
	return strings.Join(parts, " -> ")
}
