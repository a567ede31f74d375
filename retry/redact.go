package retry

import (
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/anyca/anyca/secret"
)

// Redacted replaces every secret in errors and log lines.
const Redacted = "[REDACTED]"

// minSecretLen is the shortest secret a redactor looks for: a shorter one would match
// inside ordinary words and mangle every message (New rejects such keys anyway).
const minSecretLen = 8

// redactor removes known secret values, and the values of named query parameters, from
// text. It finds each secret raw, in its escaped forms (JSON, percent-encoding, HTML
// character references, and those nested), and cut off at the end of the text. It is
// immutable after construction and safe for concurrent use.
type redactor struct {
	secrets []string       // raw values, longest first
	params  *regexp.Regexp // name=value for secret query parameters, nil if none
}

func newRedactor(secrets []string, params []string) *redactor {
	r := &redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < minSecretLen || seen[s] {
			continue
		}
		seen[s] = true
		r.secrets = append(r.secrets, s)
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	if len(params) > 0 {
		quoted := make([]string, len(params))
		for i, p := range params {
			quoted[i] = regexp.QuoteMeta(p)
		}
		r.params = regexp.MustCompile(`(?i)((?:` + strings.Join(quoted, "|") + `)=)[^&\s"'#]*`)
	}
	return r
}

// maxLen returns how long the longest secret can be in its most escaped form: a cut
// that leaves this much room after a position leaves every secret starting there whole.
func (r *redactor) maxLen() int {
	if len(r.secrets) == 0 {
		return 0
	}
	return len(r.secrets[0]) * maxUnitLen
}

// String returns s with every secret replaced by Redacted, and key material (PEM
// private keys, base64 DER, JSON Web Key private members) replaced as
// secret.ScrubKeyMaterial does.
func (r *redactor) String(s string) string {
	s = secret.ScrubKeyMaterial(s)
	for _, v := range r.secrets {
		s = redactSecret(s, v)
	}
	if r.params != nil {
		s = r.params.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}

// RedactKey returns s with key replaced by Redacted wherever it appears raw, escaped
// (JSON, percent-encoding, HTML character references, or those nested) or cut short at
// the end of s. A key shorter than 8 bytes is not looked for. It is the redaction every
// Client applies, for callers (such as a CLI) that hold a key and print text.
func RedactKey(s, key string) string {
	return newRedactor([]string{strings.TrimSpace(key)}, nil).String(s)
}

// URL returns u as a string with secret query values replaced.
func (r *redactor) URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return r.String(u.Redacted())
}

// Error returns err with its text redacted. A *url.Error keeps its type (so callers can
// still test Timeout() and errors.Is on the cause) with its URL redacted; anything else
// becomes an error whose text is redacted and which unwraps to the context errors and
// sentinels callers test for, never to a value holding the secret.
func (r *redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	// Only a *url.Error at the top keeps its type: rebuilding one found deeper would drop
	// the text of the errors wrapping it.
	if ue, ok := err.(*url.Error); ok {
		inner := ue.Err
		if inner != nil && r.String(inner.Error()) != inner.Error() {
			inner = &redactedError{msg: r.String(inner.Error()), cause: safeCause(inner)}
		}
		return &url.Error{Op: ue.Op, URL: r.String(ue.URL), Err: inner}
	}
	msg := err.Error()
	if red := r.String(msg); red != msg {
		return &redactedError{msg: red, cause: safeCause(err)}
	}
	return err
}

// redactedError carries a redacted message and, for errors.Is, a cause free of secrets.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// safeCause returns the well-known sentinels err wraps, if any: these carry no data.
func safeCause(err error) error {
	var found []error
	for _, s := range sentinels {
		if errors.Is(err, s) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return nil
	case 1:
		return found[0]
	}
	return errors.Join(found...)
}
