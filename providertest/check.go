package providertest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/anyca/anyca/model"
)

// The checks below return an error describing what is wrong, so that the suite can run
// them from any goroutine and they can be unit-tested on bad inputs.

// canonCert returns c with empty slices set to nil: the contract does not distinguish
// an empty list from a missing one.
func canonCert(c model.Certificate) model.Certificate {
	if len(c.DNSNames) == 0 {
		c.DNSNames = nil
	}
	return c
}

// canonDomain is canonCert for a DomainValidation, challenges included.
func canonDomain(d model.DomainValidation) model.DomainValidation {
	if len(d.Levels) == 0 {
		d.Levels = nil
	} else {
		d.Levels = append([]model.LevelValidation(nil), d.Levels...)
	}
	d.Challenges = canonChallenges(d.Challenges)
	return d
}

// canonChallenges copies chs with empty slices set to nil, sorted by domain, type and
// then the other identifying fields (the contract fixes no order).
func canonChallenges(chs []model.Challenge) []model.Challenge {
	if len(chs) == 0 {
		return nil
	}
	out := make([]model.Challenge, len(chs))
	for i, ch := range chs {
		if len(ch.Emails) == 0 {
			ch.Emails = nil
		}
		out[i] = ch
	}
	sort.SliceStable(out, func(i, j int) bool { return challengeKey(out[i]) < challengeKey(out[j]) })
	return out
}

func challengeKey(ch model.Challenge) string {
	return strings.Join([]string{ch.Domain, string(ch.Type), ch.RecordName, ch.URL, ch.RecordValue, ch.Token}, "\x00")
}

// diffFields lists the top-level fields in which two structs of the same type differ.
func diffFields(got, want any) string {
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	if gv.Type() != wv.Type() || gv.Kind() != reflect.Struct {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	var parts []string
	for i := 0; i < gv.NumField(); i++ {
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			parts = append(parts, fmt.Sprintf("%s: got %#v, want %#v", gv.Type().Field(i).Name, g, w))
		}
	}
	return strings.Join(parts, "; ")
}

// checkExactlyOnce checks that got holds every item of want exactly once, equal to it
// (after canon), and nothing else. Items are matched by key.
func checkExactlyOnce[T any](what string, got, want []T, key func(T) string, canon func(T) T) error {
	var problems []string
	wantBy := make(map[string]T, len(want))
	for _, w := range want {
		wantBy[key(w)] = canon(w)
	}
	seen := map[string]int{}
	for _, g := range got {
		k := key(g)
		seen[k]++
		if seen[k] == 2 {
			problems = append(problems, fmt.Sprintf("%s %q listed more than once", what, k))
		}
		if seen[k] > 1 {
			continue
		}
		w, ok := wantBy[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("unexpected %s %q", what, k))
			continue
		}
		if g = canon(g); !reflect.DeepEqual(g, w) {
			problems = append(problems, fmt.Sprintf("%s %q differs: %s", what, k, diffFields(g, w)))
		}
	}
	var missing []string
	for k := range wantBy {
		if seen[k] == 0 {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	for _, k := range missing {
		problems = append(problems, fmt.Sprintf("%s %q missing", what, k))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problem(s):\n\t%s", len(problems), strings.Join(problems, "\n\t"))
	}
	return nil
}

func certID(c model.Certificate) string          { return c.ID }
func domainName(d model.DomainValidation) string { return d.Domain }

// checkCertificates checks a certificate listing against want.
func checkCertificates(got, want []model.Certificate) error {
	return checkExactlyOnce("certificate", got, want, certID, canonCert)
}

// checkDomains checks a domain listing against want: every wanted domain listed exactly
// once and nothing else. A listed value must equal its want, except that a listed value
// without challenges is compared with its want with Challenges cleared (the DomainLister
// contract lets a listing leave challenges out, as CAs do not list DCV tokens). Listed
// challenges, when there are any, must equal want's; every other field is always
// compared.
func checkDomains(got, want []model.DomainValidation) error {
	bare := map[string]bool{} // domains whose first listed value has no challenges
	first := map[string]bool{}
	for _, g := range got {
		k := domainName(g)
		if !first[k] {
			first[k] = true
			bare[k] = len(g.Challenges) == 0
		}
	}
	adjusted := make([]model.DomainValidation, len(want))
	for i, w := range want {
		if bare[domainName(w)] {
			w.Challenges = nil
		}
		adjusted[i] = w
	}
	return checkExactlyOnce("domain", got, adjusted, domainName, canonDomain)
}

// checkOne checks one value, the what named key, against want (both after canon).
func checkOne[T any](what, key string, got *T, want T, canon func(T) T) error {
	if got == nil {
		return fmt.Errorf("%s %q: got nil", what, key)
	}
	if g, w := canon(*got), canon(want); !reflect.DeepEqual(g, w) {
		return fmt.Errorf("%s %q differs: %s", what, key, diffFields(g, w))
	}
	return nil
}

// checkCertificate checks one certificate against want.
func checkCertificate(got *model.Certificate, want model.Certificate) error {
	return checkOne("certificate", want.ID, got, want, canonCert)
}

// checkDomain checks one domain validation against want.
func checkDomain(got *model.DomainValidation, want model.DomainValidation) error {
	return checkOne("domain", want.Domain, got, want, canonDomain)
}

// checkChallenges checks a challenge list against want, in any order.
func checkChallenges(got, want []model.Challenge) error {
	g, w := canonChallenges(got), canonChallenges(want)
	if reflect.DeepEqual(g, w) {
		return nil
	}
	if len(g) != len(w) {
		return fmt.Errorf("got %d challenges, want %d:\n\tgot  %+v\n\twant %+v", len(g), len(w), g, w)
	}
	var parts []string
	for i := range g {
		if !reflect.DeepEqual(g[i], w[i]) {
			parts = append(parts, fmt.Sprintf("challenge %d (%s %s): %s", i, w[i].Domain, w[i].Type, diffFields(g[i], w[i])))
		}
	}
	return errors.New(strings.Join(parts, "\n\t"))
}

// checkChallengeWellFormed checks that ch carries what its type needs, on a normalized
// domain, with a type the harness declared.
func checkChallengeWellFormed(ch model.Challenge, types []model.ChallengeType) error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if n, err := model.NormalizeDomain(ch.Domain); err != nil || n != ch.Domain {
		bad("domain %q is not normalized (want %q, %v)", ch.Domain, n, err)
	}
	declared := false
	for _, t := range types {
		declared = declared || t == ch.Type
	}
	if !declared {
		bad("type %q is not among the declared ChallengeTypes %v", ch.Type, types)
	}
	base := strings.TrimPrefix(ch.Domain, "*.")
	switch ch.Type {
	case model.ChallengeDNSTXT, model.ChallengeDNSCNAME, model.ChallengeDNSAccount, model.ChallengeDNSPersist:
		if ch.RecordName == "" || ch.RecordValue == "" {
			bad("DNS challenge without RecordName or RecordValue")
		}
		if name := strings.TrimSuffix(strings.ToLower(ch.RecordName), "."); name != base && !strings.HasSuffix(name, "."+base) {
			bad("RecordName %q is not at or under %q", ch.RecordName, base)
		}
	case model.ChallengeHTTPFile, model.ChallengeHTTPSFile, model.ChallengeTLSALPN:
		scheme := "http://"
		if ch.Type != model.ChallengeHTTPFile {
			scheme = "https://"
		}
		if !strings.HasPrefix(ch.URL, scheme) {
			bad("URL %q does not start with %s", ch.URL, scheme)
		}
		if !strings.Contains(strings.ToLower(ch.URL), base) {
			bad("URL %q does not contain the domain %q", ch.URL, base)
		}
		if ch.Content == "" {
			bad("file or tls-alpn challenge without Content")
		}
	case model.ChallengeEmail:
		if len(ch.Emails) == 0 {
			bad("email challenge without Emails")
		}
		for _, e := range ch.Emails {
			if !strings.Contains(e, "@") {
				bad("email %q is not an address", e)
			}
		}
	default:
		bad("unknown challenge type %q", ch.Type)
	}
	if len(problems) > 0 {
		return fmt.Errorf("challenge %s %s: %s", ch.Domain, ch.Type, strings.Join(problems, "; "))
	}
	return nil
}

// checkKind checks that err is of kind and, when it is a model kind, that it is a
// *model.Error naming provider.
func checkKind(err, kind error, provider string) error {
	if err == nil {
		return fmt.Errorf("got no error, want %v", kind)
	}
	if !errors.Is(err, kind) {
		return fmt.Errorf("got error %q (kind %v), want kind %v", err.Error(), model.KindOf(err), kind)
	}
	var me *model.Error
	if !errors.As(err, &me) {
		if slices.Contains(model.Kinds(), kind) {
			return fmt.Errorf("error %q (%T) is not a *model.Error", err.Error(), err)
		}
		return nil
	}
	if me.Provider != provider {
		return fmt.Errorf("error %q names provider %q, want %q", err.Error(), me.Provider, provider)
	}
	return nil
}

// checkNoSecret checks that secret appears in no printed form of err.
func checkNoSecret(err error, secret string) error {
	if err == nil || secret == "" {
		return nil
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if strings.Contains(fmt.Sprintf(verb, err), secret) {
			return fmt.Errorf("the API key appears in the error printed with %s", verb)
		}
	}
	var me *model.Error
	if errors.As(err, &me) {
		for _, s := range []string{me.Message, me.Code, me.Op} {
			if strings.Contains(s, secret) {
				return errors.New("the API key appears in a field of the *model.Error")
			}
		}
	}
	return nil
}

// unknownID derives, from the ids of want, an id of the same shape (same length,
// digits for digits, letters for letters) that is none of them.
func unknownID(ids []string) string {
	taken := make(map[string]bool, len(ids))
	for _, id := range ids {
		taken[id] = true
	}
	tmpl := "1000001"
	if len(ids) > 0 && ids[0] != "" {
		tmpl = ids[0]
	}
	for shift := 1; shift < 10*26; shift++ {
		b := []byte(tmpl)
		for i, c := range b {
			switch {
			case c >= '0' && c <= '9':
				d := (int(c-'0') + shift) % 10
				if i == 0 && d == 0 {
					d = 9 // no leading zero: a number must stay the same number of digits
				}
				b[i] = byte('0' + d)
			case c >= 'a' && c <= 'z':
				b[i] = byte('a' + (int(c-'a')+shift)%26)
			case c >= 'A' && c <= 'Z':
				b[i] = byte('A' + (int(c-'A')+shift)%26)
			}
		}
		if s := string(b); !taken[s] {
			return s
		}
	}
	return tmpl + "0"
}

// searchText picks a substring of some but not all of names, at least 4 characters
// long when it can (some CAs ignore shorter searches), preferring first labels.
func searchText(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	count := func(s string) int {
		n := 0
		for _, name := range sorted {
			if strings.Contains(name, s) {
				n++
			}
		}
		return n
	}
	for _, name := range sorted {
		label, _, _ := strings.Cut(strings.TrimPrefix(name, "*."), ".")
		if len(label) >= 4 {
			if n := count(label); n >= 1 && n < len(sorted) {
				return label
			}
		}
	}
	if len(sorted) == 0 {
		return "example"
	}
	return sorted[0]
}
