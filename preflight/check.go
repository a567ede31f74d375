package preflight

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/anyca/anyca/model"
)

// dnsChallenge is a DNS challenge with its name checked.
type dnsChallenge struct {
	typ  model.ChallengeType
	name string // lower case, no trailing dot
	want string
}

// fileChallenge is a file challenge with its URL checked.
type fileChallenge struct {
	typ  model.ChallengeType
	url  string
	want string
}

// Check looks from the outside at what the CA will look at for ch, and, when
// opt.CAAIdentities is set, at the CAA records of ch.Domain. It never panics and never
// returns without a Status: a challenge it cannot check gives StatusError with
// ReasonInvalid, and a ctx that ends gives StatusError with ReasonCanceled and Err
// unwrapping to ctx's error. The whole Check ends within opt.Timeout (30 s by default;
// then ReasonTimeout) and sends at most opt.MaxQueries DNS queries (100 by default); it
// reaches no non-public address that DNS or the URL names unless the caller chose where
// to dial (Options.AllowNonPublic). Check makes no request but DNS queries (to opt's resolvers
// and the authoritative nameservers they lead to) and one GET of a file challenge's URL.
func Check(ctx context.Context, ch model.Challenge, opt Options) (res Result) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, opt.timeout())
	defer cancel()
	deadline, _ := ctx.Deadline()
	pdl, parentBound := parent.Deadline()
	ours := !parentBound || pdl.After(deadline) // the deadline is Options.Timeout's, not the caller's
	defer func() {
		// The check's own deadline, not the caller's context, cut it short (seen as the
		// context ending, or as a query's I/O timing out at that deadline).
		if (res.Reason == ReasonCanceled || res.Reason == ReasonTimeout) && ours && parent.Err() == nil && !time.Now().Before(deadline) {
			res.Reason = ReasonTimeout
			res.Message = fmt.Sprintf("the check took longer than its deadline of %s (Options.Timeout): %s", opt.timeout(), res.Message)
		}
	}()
	var l *lookup // shared by the challenge and the CAA lookups: zones found once
	newLookupOnce := func() (*lookup, error) {
		if l != nil {
			return l, nil
		}
		var err error
		l, err = newLookup(opt)
		return l, err
	}
	res = checkChallenge(ctx, ch, opt, newLookupOnce)
	res.ChallengeStatus = res.Status
	if len(opt.CAAIdentities) == 0 || res.Reason == ReasonInvalid || res.Reason == ReasonCanceled {
		return res
	}
	domain, err := model.NormalizeDomain(ch.Domain)
	if err != nil {
		res.CAA = &CAAResult{Status: StatusError, Err: err, Identities: opt.CAAIdentities,
			Message: "CAA not checked: " + clean(err.Error())}
		return res
	}
	wildcard := strings.HasPrefix(domain, "*.")
	domain = strings.TrimPrefix(domain, "*.")
	cl, err := newLookupOnce()
	if err != nil {
		res.CAA = &CAAResult{Status: StatusError, Err: err, Identities: opt.CAAIdentities, Message: "CAA not checked: " + clean(err.Error())}
	} else {
		res.CAA = checkCAA(ctx, cl, domain, wildcard, opt.CAAIdentities)
	}
	switch {
	case ctx.Err() != nil:
		res.Status, res.Reason, res.Err = StatusError, ReasonCanceled, ctx.Err()
		res.Message = "check cut short: " + ctx.Err().Error()
	case res.CAA.Status == StatusBlockedByCAA:
		res.Status, res.Reason = StatusBlockedByCAA, ReasonCAAForbids
		res.Message = res.CAA.Message + " (challenge: " + string(res.ChallengeStatus) + ")"
	case res.CAA.Status == StatusError && (res.Status == StatusOK || res.Status == StatusNotCheckable):
		res.Status, res.Reason, res.Err = StatusError, ReasonCAAError, res.CAA.Err
		res.Message = res.CAA.Message
	}
	return res
}

// checkChallenge checks ch alone.
func checkChallenge(ctx context.Context, ch model.Challenge, opt Options, newLookup func() (*lookup, error)) Result {
	res := Result{Type: ch.Type}
	if err := ctx.Err(); err != nil {
		res.Status, res.Reason, res.Err = StatusError, ReasonCanceled, err
		res.Message = "check not started: " + err.Error()
		return res
	}
	if (ch.Type == model.ChallengeDNSAccount || ch.Type == model.ChallengeDNSPersist) && ch.RecordName != "" && ch.RecordValue != "" {
		ch.Type = model.ChallengeDNSTXT // a TXT record named and valued by the CA: checked as one
	}
	switch ch.Type {
	case model.ChallengeDNSTXT, model.ChallengeDNSCNAME:
		name, err := recordName(ch.RecordName)
		if err != nil {
			return invalid(res, clean(err.Error()))
		}
		res.Name, res.Wanted = name, ch.RecordValue
		if ch.RecordValue == "" {
			return invalid(res, "the challenge has no record value to look for at "+name)
		}
		l, err := newLookup()
		if err != nil {
			return dnsFailure(res, "DNS lookup not possible", err)
		}
		dc := dnsChallenge{typ: ch.Type, name: name, want: ch.RecordValue}
		var out Result
		if ch.Type == model.ChallengeDNSTXT {
			out = checkTXT(ctx, l, dc)
		} else {
			out = checkCNAME(ctx, l, dc)
		}
		out.Notes = slices.Clone(l.notes)
		out.Type = res.Type
		return out
	case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
		res.Name, res.Wanted = ch.URL, ch.Content
		u, err := url.Parse(ch.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || strings.ContainsFunc(ch.URL, notGraphic) {
			return invalid(res, "the challenge URL "+show(ch.URL)+" is not an absolute http(s) URL")
		}
		if ch.Type == model.ChallengeHTTPFile && u.Scheme != "http" || ch.Type == model.ChallengeHTTPSFile && u.Scheme != "https" {
			return invalid(res, fmt.Sprintf("a %s challenge with URL %s: scheme and type disagree", ch.Type, show(ch.URL)))
		}
		return checkFile(ctx, fileChallenge{typ: ch.Type, url: ch.URL, want: ch.Content}, opt)
	case model.ChallengeEmail:
		res.Status = StatusNotCheckable
		res.Found = ch.Emails
		res.Message = "email validation cannot be checked from outside: the CA writes to " + showAll(ch.Emails)
		if len(ch.Emails) == 0 {
			res.Message = "email validation cannot be checked from outside"
		}
		return res
	case model.ChallengeTLSALPN, model.ChallengeDNSAccount, model.ChallengeDNSPersist:
		res.Status = StatusNotCheckable
		res.Message = fmt.Sprintf("a %s challenge is not checked by preflight: the CA looks itself when asked (anyca verify ID --method %s)", ch.Type, ch.Type)
		return res
	}
	return invalid(res, "unknown challenge type "+show(string(ch.Type)))
}

// notGraphic is true for runes that must not reach a Message raw: controls, format
// characters (bidi overrides) and spaces other than U+0020.
func notGraphic(r rune) bool { return r != ' ' && !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r) }
