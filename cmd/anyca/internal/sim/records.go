package sim

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/anyca/anyca/model"
	"github.com/miekg/dns"
)

// Publishing into the simulator's world: a challenge's record or file, right or with one
// of the wrong values the demo and anyca sim publish --wrong show.

// Wrong is a wrong value the simulator can publish instead of the right one, so that
// preflight has something real to report.
type Wrong string

// The wrong values anyca sim publish --wrong accepts.
const (
	WrongNone     Wrong = ""
	WrongCNAME    Wrong = "cname"    // the CNAME points at an old target
	WrongTXT      Wrong = "txt"      // the TXT value has two letters swapped
	WrongRedirect Wrong = "redirect" // the file URL redirects to https
	WrongCAA      Wrong = "caa"      // right records, and a CAA record allowing only another CA
)

// wrongKinds lists the kinds --wrong accepts, for help and errors.
var wrongKinds = []Wrong{WrongCNAME, WrongTXT, WrongRedirect, WrongCAA}

// ForbiddingIssuer is the only CA the CAA record of --wrong caa allows.
const ForbiddingIssuer = "letsencrypt.org"

// ParseWrong reads the value of --wrong (or the publish handler's ?wrong=): "" is
// WrongNone; anything else must be one of the kinds.
func ParseWrong(s string) (Wrong, error) {
	if s == "" {
		return WrongNone, nil
	}
	for _, k := range wrongKinds {
		if string(k) == s {
			return k, nil
		}
	}
	names := make([]string, len(wrongKinds))
	for i, k := range wrongKinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("--wrong %q: want one of %s", s, strings.Join(names, ", "))
}

// affects reports whether publishing ch with kind k publishes something wrong for ch.
func (k Wrong) affects(ch model.Challenge) bool {
	switch k {
	case WrongCNAME:
		return ch.Type == model.ChallengeDNSCNAME
	case WrongTXT:
		return ch.Type == model.ChallengeDNSTXT
	case WrongRedirect:
		return ch.Type == model.ChallengeHTTPFile
	case WrongCAA:
		return ch.Type != model.ChallengeEmail
	}
	return false
}

// errNotPublishable is returned for a challenge the simulator cannot publish (email).
var errNotPublishable = errors.New("not publishable")

// publish puts ch's record or file into the world, right or with the wrong value k, and
// returns what it published, one line per record, as a zone file or URL line.
func (w *World) publish(ch model.Challenge, k Wrong) ([]string, error) {
	if !k.affects(ch) {
		k = WrongNone
	}
	var out []string
	switch ch.Type {
	case model.ChallengeDNSTXT, model.ChallengeDNSCNAME:
		name := dns.CanonicalName(ch.RecordName)
		if _, ok := dns.IsDomainName(name); !ok || ch.RecordName == "" || w.zoneOf(name) == "" {
			return nil, fmt.Errorf("record name %q is not under a simulated zone", ch.RecordName)
		}
		var rr dns.RR
		hdr := dns.RR_Header{Name: name, Class: dns.ClassINET, Ttl: 300}
		if ch.Type == model.ChallengeDNSTXT {
			hdr.Rrtype = dns.TypeTXT
			value := ch.RecordValue
			if k == WrongTXT {
				value = typo(value)
			}
			rr = &dns.TXT{Hdr: hdr, Txt: []string{value}}
		} else {
			hdr.Rrtype = dns.TypeCNAME
			target := ch.RecordValue
			if k == WrongCNAME {
				target = oldTarget(target)
			}
			rr = &dns.CNAME{Hdr: hdr, Target: dns.Fqdn(target)}
		}
		w.mu.Lock()
		w.rrs[name] = append(keepOthers(w.rrs[name], rr), rr)
		w.mu.Unlock()
		out = append(out, rrLine(rr))
	case model.ChallengeHTTPFile, model.ChallengeHTTPSFile:
		scheme, host, path, ok := fileKey(ch.URL)
		if !ok {
			return nil, fmt.Errorf("file URL %q is not an http(s) URL with a host", ch.URL)
		}
		f := file{body: ch.Content}
		line := fmt.Sprintf("%s  (file, %d bytes)", ch.URL, len(ch.Content))
		if k == WrongRedirect {
			f = file{location: "https://" + host + path}
			line = fmt.Sprintf("%s  (redirects to %s)", ch.URL, f.location)
		}
		w.mu.Lock()
		w.files[scheme+"://"+host+path] = f
		w.mu.Unlock()
		out = append(out, line)
	default:
		return nil, errNotPublishable
	}
	domain := dns.CanonicalName(ch.Domain)
	w.mu.Lock()
	defer w.mu.Unlock()
	if k == WrongCAA {
		caa := &dns.CAA{Hdr: dns.RR_Header{Name: domain, Rrtype: dns.TypeCAA, Class: dns.ClassINET, Ttl: 300}, Tag: "issue", Value: ForbiddingIssuer}
		w.rrs[domain] = append(keepOthers(w.rrs[domain], caa), caa)
		out = append(out, rrLine(caa))
	} else {
		w.rrs[domain] = dropType(w.rrs[domain], dns.TypeCAA)
	}
	return out, nil
}

// keepOthers returns the records of rrs that a new record rr does not replace: a CNAME
// replaces everything at its name (and is replaced by anything), other types replace
// their own type.
func keepOthers(rrs []dns.RR, rr dns.RR) []dns.RR {
	t := rr.Header().Rrtype
	var out []dns.RR
	for _, old := range rrs {
		ot := old.Header().Rrtype
		if ot == t || t == dns.TypeCNAME || ot == dns.TypeCNAME {
			continue
		}
		out = append(out, old)
	}
	return out
}

// rrLine is a record as one zone-file line, fields separated by single spaces.
func rrLine(rr dns.RR) string {
	return strings.ReplaceAll(rr.String(), "\t", " ")
}

// dropType returns rrs without the records of type t.
func dropType(rrs []dns.RR, t uint16) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		if rr.Header().Rrtype != t {
			out = append(out, rr)
		}
	}
	return out
}

// typo swaps two different adjacent characters near the middle of s (or changes one).
func typo(s string) string {
	b := []byte(s)
	for i := len(b) / 2; i+1 < len(b); i++ {
		if b[i] != b[i+1] {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
	}
	if len(b) == 0 {
		return "x"
	}
	b[len(b)-1] ^= 1
	return string(b)
}

// oldTarget is a CNAME target left from an earlier validation: the first label replaced.
func oldTarget(target string) string {
	if i := strings.Index(target, "."); i > 0 {
		return "old" + target[i:]
	}
	return "old." + target
}

// fileKey splits an http or https file URL into the scheme, the lower-case host and the
// path the file host keys on.
func fileKey(raw string) (scheme, host, path string, ok bool) {
	scheme = "http"
	rest, found := strings.CutPrefix(raw, "http://")
	if !found {
		if rest, found = strings.CutPrefix(raw, "https://"); !found {
			return "", "", "", false
		}
		scheme = "https"
	}
	host, path, _ = strings.Cut(rest, "/")
	host = strings.ToLower(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "" || strings.ContainsAny(host, "?#@") {
		return "", "", "", false
	}
	return scheme, host, "/" + path, true
}
