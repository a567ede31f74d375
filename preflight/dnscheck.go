package preflight

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// recordName checks and normalizes a challenge's DNS record name: lower case, no
// trailing dot. Underscore labels (_dnsauth) are allowed, as in DNS itself.
func recordName(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	printable := !strings.ContainsFunc(n, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`\"()`, r) })
	if _, ok := dns.IsDomainName(n); !ok || n == "" || n == "." || !printable {
		return "", fmt.Errorf("record name %s is not a DNS name", show(name))
	}
	return trimDot(n), nil
}

// dnsFailure is the Result for a lookup that could not complete.
func dnsFailure(res Result, what string, err error) Result {
	res.Reason, res.Err = reasonOf(err), err
	res.Status = StatusError
	res.Message = fmt.Sprintf("%s: %s", what, clean(err.Error()))
	return res
}

// checkTXT checks that the expected value is among the TXT records at the record name.
func checkTXT(ctx context.Context, l *lookup, ch dnsChallenge) Result {
	res := Result{Type: ch.typ, Name: ch.name, Wanted: ch.want}
	set, err := l.resolve(ctx, ch.name, dns.TypeTXT)
	if err != nil {
		return dnsFailure(res, "TXT lookup of "+ch.name+" failed", err)
	}
	if len(set.chain) > 0 {
		l.note("followed CNAME chain " + chainText(ch.name, set.chain))
	}
	l.note("answered by " + set.server)
	for _, rr := range set.records {
		res.Found = append(res.Found, txtValue(rr.(*dns.TXT).Txt))
	}
	at := ch.name
	if len(set.chain) > 0 {
		at = ch.name + " (via CNAME to " + trimDot(set.final) + ")"
	}
	switch {
	case set.conflict:
		res.Status, res.Reason = StatusMismatch, ReasonCNAMEConflict
		res.Message = fmt.Sprintf("%s has both a CNAME and TXT records; a CNAME must be alone at its name: remove one", trimDot(set.final))
	case slices.Contains(res.Found, ch.want):
		res.Status = StatusOK
		res.Message = fmt.Sprintf("TXT at %s has the expected value %s (%d TXT records there)", at, show(ch.want), len(res.Found))
	case len(res.Found) == 0 && set.nxdomain:
		res.Status, res.Reason = StatusMissing, ReasonNXDOMAIN
		res.Message = fmt.Sprintf("%s does not exist (NXDOMAIN from its nameserver): create a TXT record there with value %s", trimDot(set.final), show(ch.want))
	case len(res.Found) == 0:
		res.Status, res.Reason = StatusMissing, ReasonNoData
		res.Message = fmt.Sprintf("%s has no TXT record: create one with value %s", at, show(ch.want))
	default:
		res.Status, res.Reason = StatusMismatch, ReasonWrongValue
		for _, f := range res.Found {
			if r, why := near(f, ch.want); r != ReasonWrongValue {
				res.Reason = r
				res.Message = fmt.Sprintf("TXT at %s is %s, which %s from the expected %s", at, show(f), why, show(ch.want))
				return res
			}
		}
		res.Message = fmt.Sprintf("TXT at %s has %s but not the expected %s: correct the value", at, showAll(res.Found), show(ch.want))
	}
	return res
}

// checkCNAME checks that the record name is a CNAME to the expected target, following a
// chain of CNAMEs from the first target, and that no other record shares its name.
func checkCNAME(ctx context.Context, l *lookup, ch dnsChallenge) Result {
	want := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(ch.want), "."))
	res := Result{Type: ch.typ, Name: ch.name, Wanted: ch.want}
	set, err := l.resolve(ctx, ch.name, dns.TypeCNAME)
	if err != nil {
		return dnsFailure(res, "CNAME lookup of "+ch.name+" failed", err)
	}
	l.note("answered by " + set.server)
	if len(set.records) == 0 {
		res.Status, res.Reason = StatusMissing, ReasonNoData
		if set.nxdomain {
			res.Reason = ReasonNXDOMAIN
			res.Message = fmt.Sprintf("%s does not exist (NXDOMAIN from its nameserver): create a CNAME there to %s", ch.name, show(want))
		} else {
			res.Message = fmt.Sprintf("%s has no CNAME record: create one pointing to %s", ch.name, show(want))
		}
		return res
	}
	target := set.records[0].(*dns.CNAME).Target
	chain := []string{target}
	res.Found = []string{trimDot(target)}
	for !equalName(target, want) && len(chain) < maxChain {
		next, err := l.resolve(ctx, target, dns.TypeCNAME)
		if err != nil {
			l.note("could not follow the CNAME chain beyond " + trimDot(target) + ": " + clean(err.Error()))
			break
		}
		if len(next.records) == 0 {
			break // the chain ends here; its end is not the expected target
		}
		target = next.records[0].(*dns.CNAME).Target
		if slices.ContainsFunc(chain, func(c string) bool { return equalName(c, target) }) {
			break
		}
		chain = append(chain, target)
		res.Found = append(res.Found, trimDot(target))
	}
	if len(chain) > 1 {
		l.note("followed CNAME chain " + chainText(ch.name, chain))
	}
	if others := coexisting(ctx, l, ch.name); len(others) > 0 {
		res.Status, res.Reason = StatusMismatch, ReasonCNAMEConflict
		res.Message = fmt.Sprintf("CNAME at %s coexists with %s records at the same name; a CNAME must be alone: remove them", ch.name, strings.Join(others, " and "))
		return res
	}
	switch {
	case equalName(chain[0], want):
		res.Status = StatusOK
		res.Message = fmt.Sprintf("CNAME %s -> %s as expected", ch.name, show(res.Found[0]))
	case equalName(target, want):
		res.Status = StatusOK
		res.Message = fmt.Sprintf("CNAME %s reaches the expected %s through the chain %s", ch.name, show(want), show(chainText(ch.name, chain)))
	default:
		res.Status, res.Reason = StatusMismatch, ReasonWrongValue
		if len(chain) > 1 {
			res.Message = fmt.Sprintf("CNAME chain %s does not reach the expected %s: point %s at it", show(chainText(ch.name, chain)), show(want), ch.name)
		} else {
			res.Message = fmt.Sprintf("CNAME at %s points to %s, not the expected %s: change the target", ch.name, show(res.Found[0]), show(want))
		}
	}
	return res
}

// coexisting lists the types (of TXT and A) that a server publishes at name beside a
// CNAME. A correct server never does; some DNS hosting does, and CAs then fail.
func coexisting(ctx context.Context, l *lookup, name string) []string {
	var out []string
	for _, qt := range []uint16{dns.TypeTXT, dns.TypeA} {
		resp, _, err := l.authoritative(ctx, name, qt)
		if err != nil {
			continue
		}
		for _, rr := range resp.Answer {
			if rr.Header().Rrtype == qt && equalName(rr.Header().Name, name) {
				out = append(out, dns.TypeToString[qt])
				break
			}
		}
	}
	return out
}
