package preflight

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// caaKnownTags are the CAA property tags RFC 8659 and RFC 8657 define; an unknown tag
// with the critical flag forbids issuance.
var caaKnownTags = map[string]bool{"issue": true, "issuewild": true, "iodef": true, "issuemail": true, "contactemail": true, "contactphone": true}

// checkCAA finds the CAA set that applies to domain and says whether it allows one of
// ids. It climbs as RFC 8659 section 3 says: the name itself, then each parent up to
// and including the top-level domain, stopping at the first name with CAA records. A
// CNAME at a name is followed as any DNS lookup does, and the target's own CAA set is
// used; climbing then continues from the parent of the name, not of the target. A
// wildcard domain is looked up from the name below its "*" label.
func checkCAA(ctx context.Context, l *lookup, domain string, wildcard bool, ids []string) *CAAResult {
	out := &CAAResult{Identities: ids}
	for x := dns.Fqdn(domain); x != "."; x = parentName(x) {
		set, err := l.resolve(ctx, x, dns.TypeCAA)
		if err != nil {
			out.Status, out.Err = StatusError, err
			out.Message = fmt.Sprintf("CAA lookup of %s failed, and a CA does not issue when it cannot read CAA: %s", trimDot(x), clean(err.Error()))
			return out
		}
		if len(set.records) == 0 {
			continue
		}
		out.Domain = trimDot(x)
		evaluateCAA(out, set.records, wildcard)
		return out
	}
	out.Status = StatusOK
	out.Message = fmt.Sprintf("no CAA records at %s or its parents: any CA may issue", domain)
	return out
}

// evaluateCAA fills out from the applicable CAA set.
func evaluateCAA(out *CAAResult, records []dns.RR, wildcard bool) {
	var issue, issuewild, critical []*dns.CAA
	for _, rr := range records {
		c := rr.(*dns.CAA)
		out.Records = append(out.Records, caaText(c))
		switch tag := strings.ToLower(c.Tag); {
		case tag == "issue":
			issue = append(issue, c)
		case tag == "issuewild":
			issuewild = append(issuewild, c)
		case c.Flag&128 != 0 && !caaKnownTags[tag]:
			critical = append(critical, c)
		}
	}
	if len(critical) > 0 {
		out.Status = StatusBlockedByCAA
		out.Message = fmt.Sprintf("CAA at %s has the critical property %s that CAs do not know, so none may issue: remove it or clear its critical flag", out.Domain, caaText(critical[0]))
		return
	}
	relevant, kind := issue, "issue"
	if wildcard && len(issuewild) > 0 {
		relevant, kind = issuewild, "issuewild"
	}
	if len(relevant) == 0 {
		out.Status = StatusOK
		out.Message = fmt.Sprintf("CAA at %s has no %s property, so it does not restrict which CA issues", out.Domain, kind)
		return
	}
	for _, c := range relevant {
		issuer := strings.ToLower(strings.TrimSpace(strings.SplitN(c.Value, ";", 2)[0]))
		for _, id := range out.Identities {
			if issuer != "" && issuer == strings.ToLower(strings.TrimSpace(id)) {
				out.Status, out.Allowed = StatusOK, id
				out.Message = fmt.Sprintf("CAA at %s allows %s (%s)", out.Domain, id, caaText(c))
				return
			}
		}
	}
	texts := make([]string, len(relevant))
	for i, c := range relevant {
		texts[i] = caaText(c)
	}
	out.Status = StatusBlockedByCAA
	want := "the CA"
	if len(out.Identities) > 0 {
		want = out.Identities[0]
	}
	out.Message = fmt.Sprintf("CAA at %s (%s) does not allow %s: add %d %s %q there",
		out.Domain, strings.Join(texts, ", "), strings.Join(out.Identities, " or "), 0, kind, want)
}

// caaText is a CAA record in presentation form without its owner, e.g.
// `0 issue "digicert.com"`, with any control character escaped.
func caaText(c *dns.CAA) string {
	tag := c.Tag
	if q := strconv.Quote(tag); q != `"`+tag+`"` {
		tag = q
	}
	return fmt.Sprintf("%d %s %s", c.Flag, tag, show(c.Value))
}
