// Package secretstest checks that an API key appears nowhere in an error, in anything it
// wraps, or in log output: the tests of every adapter's failure paths share it.
package secretstest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// Forms returns secret as it may appear in text: raw, query-escaped and path-escaped
// (the distinct ones).
func Forms(secret string) []string {
	var out []string
	for _, v := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		dup := false
		for _, o := range out {
			dup = dup || o == v
		}
		if v != "" && !dup {
			out = append(out, v)
		}
	}
	return out
}

// Chain returns err and every error it wraps, depth first, following both Unwrap() error
// and Unwrap() []error. Each error appears once.
func Chain(err error) []error {
	var out []error
	seen := map[any]bool{}
	var walk func(error, int)
	walk = func(e error, depth int) {
		if e == nil || depth > 64 {
			return
		}
		if key := comparableKey(e); key != nil {
			if seen[key] {
				return
			}
			seen[key] = true
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, c := range u.Unwrap() {
				walk(c, depth+1)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap(), depth+1)
		}
	}
	walk(err, 0)
	return out
}

// comparableKey returns e as a map key when its dynamic type is comparable.
func comparableKey(e error) (key any) {
	defer func() {
		if recover() != nil {
			key = nil
		}
	}()
	m := map[any]bool{e: true} // panics for an uncomparable dynamic type
	_ = m
	return e
}

// Renderings returns every way the tests print err: Error(), %v, %+v, %#v, %s and %q of
// err and of each error in its chain, each labelled.
func Renderings(err error) map[string]string {
	out := map[string]string{}
	for i, e := range Chain(err) {
		if e == nil {
			continue
		}
		p := fmt.Sprintf("chain[%d] %T ", i, e)
		out[p+"Error()"] = e.Error()
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out[p+verb] = fmt.Sprintf(verb, e)
		}
	}
	return out
}

// Find returns a description of the first place a form of secret occurs in err's
// renderings or in logs, or "" when it occurs nowhere.
func Find(err error, logs, secret string) string {
	forms := Forms(secret)
	for label, text := range Renderings(err) {
		for _, f := range forms {
			if strings.Contains(text, f) {
				return fmt.Sprintf("%s contains the secret (as %q): %s", label, f, text)
			}
		}
	}
	for _, f := range forms {
		if i := strings.Index(logs, f); i >= 0 {
			start, end := max(0, i-200), min(len(logs), i+len(f)+200)
			return fmt.Sprintf("log output contains the secret (as %q): …%s…", f, logs[start:end])
		}
	}
	return ""
}

// AssertNoSecret fails t when secret (raw, query- or path-escaped) appears in err's text,
// in %v, %+v, %#v, %s or %q of err or of any error it wraps (Unwrap() error and Unwrap()
// []error, recursively), or in logs.
func AssertNoSecret(t testing.TB, err error, logs, secret string) {
	t.Helper()
	if secret == "" {
		t.Fatal("secretstest: empty secret")
	}
	if where := Find(err, logs, secret); where != "" {
		t.Errorf("secret leaked: %s", where)
	}
}
