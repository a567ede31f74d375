package wire

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// PKIValidationPath is where CAs read a file challenge (CA/Browser Forum BR 3.2.2.4.18);
// ACMEChallengePath is ACME's http-01 path (RFC 8555 8.3).
const (
	PKIValidationPath = "/.well-known/pki-validation/"
	ACMEChallengePath = "/.well-known/acme-challenge/"
)

// ErrFileURL is in the chain of every FileURL error.
var ErrFileURL = errors.New("not a file challenge URL of its domain")

// FileURL checks a file challenge URL a CA sent for domain and returns it as given
// (trimmed): the scheme must be scheme ("http" or "https"), the host the domain itself
// (compared as normalized names, no wildcard), the port absent or the scheme's own,
// no user info, query or fragment, and the path one file directly under one of
// prefixes (PKIValidationPath when none are given), with no ".." and no escaped
// separator. Anything else is an error wrapping ErrFileURL that says what, so that a CA
// cannot make preflight or an operator fetch another host, port, path or query.
func FileURL(domain, raw, scheme string, prefixes ...string) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(prefixes) == 0 {
		prefixes = []string{PKIValidationPath}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: it does not parse", ErrFileURL)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	want := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	defPort := map[string]string{"http": "80", "https": "443"}[scheme]
	switch {
	case u.Scheme != scheme:
		return "", fmt.Errorf("%w: the scheme is not %s", ErrFileURL, scheme)
	case u.User != nil:
		return "", fmt.Errorf("%w: it carries user info", ErrFileURL)
	case want == "" || strings.HasPrefix(want, "*.") || host != want:
		return "", fmt.Errorf("%w: its host is not the domain %s", ErrFileURL, want)
	case u.Port() != "" && u.Port() != defPort:
		return "", fmt.Errorf("%w: it names port %s", ErrFileURL, u.Port())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return "", fmt.Errorf("%w: it has a query or fragment", ErrFileURL)
	}
	p := u.EscapedPath()
	for _, prefix := range prefixes {
		file, ok := strings.CutPrefix(p, prefix)
		if ok && file != "" && !strings.Contains(file, "/") && !strings.Contains(file, "..") && !strings.Contains(strings.ToLower(file), "%2f") && !strings.Contains(strings.ToLower(file), "%5c") {
			return raw, nil
		}
	}
	return "", fmt.Errorf("%w: the path is not one file under %s", ErrFileURL, strings.Join(prefixes, " or "))
}
