package retry

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonEscapeAll writes every character of s as \uXXXX, with hex digits in upper or
// lower case.
func jsonEscapeAll(s string, upper bool) string {
	var b strings.Builder
	format := `\u%04x`
	if upper {
		format = `\u%04X`
	}
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := surrogates(r)
			fmt.Fprintf(&b, format+format, r1, r2)
			continue
		}
		fmt.Fprintf(&b, format, r)
	}
	return b.String()
}

func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + r>>10, 0xDC00 + r&0x3FF
}

// percentAll percent-encodes every byte of s with the given hex case.
func percentAll(s string, upper bool) string {
	var b strings.Builder
	format := "%%%02x"
	if upper {
		format = "%%%02X"
	}
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, format, s[i])
	}
	return b.String()
}

// mapSpecial rewrites each byte of s found in repl, leaving the others raw.
func mapSpecial(s string, repl map[byte]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if r, ok := repl[s[i]]; ok {
			b.WriteString(r)
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// numericRefs writes every character of s as an HTML numeric character reference.
func numericRefs(s string, hex bool) string {
	var b strings.Builder
	for _, r := range s {
		if hex {
			fmt.Fprintf(&b, "&#x%X;", r)
		} else {
			fmt.Fprintf(&b, "&#%d;", r)
		}
	}
	return b.String()
}

// escapedForms returns the spellings of key that servers echo it in, by name.
func escapedForms(key string) map[string]string {
	goJSON, _ := json.Marshal(key) // Go escapes & < > as \u0026 etc.
	return map[string]string{
		"raw":                         key,
		"json go":                     strings.Trim(string(goJSON), `"`),
		"json every char lower hex":   jsonEscapeAll(key, false),
		"json every char upper hex":   jsonEscapeAll(key, true),
		"json php slash":              strings.ReplaceAll(key, "/", `\/`),
		"json specials":               mapSpecial(key, map[byte]string{'&': `\u0026`, '/': `\/`, '+': `\u002b`, '=': `\u003D`}),
		"html escape":                 html.EscapeString(key),
		"html decimal refs":           numericRefs(key, false),
		"html hex refs":               numericRefs(key, true),
		"html specials":               mapSpecial(key, map[byte]string{'&': "&#38;", '/': "&#x2f;", '+': "&plus;", '=': "&#X3D;"}),
		"percent query":               url.QueryEscape(key),
		"percent path":                url.PathEscape(key),
		"percent every byte upper":    percentAll(key, true),
		"percent every byte lower":    percentAll(key, false),
		"percent specials lower":      mapSpecial(key, map[byte]string{'/': "%2f", '+': "%2b", '=': "%3d", '&': "%26"}),
		"json of html":                mapSpecial(key, map[byte]string{'&': `\u0026amp;`}),
		"json of html numeric":        mapSpecial(key, map[byte]string{'&': `\u0026#38;`, '/': `\u0026#x2F;`}),
		"html of json":                mapSpecial(key, map[byte]string{'&': `&#92;u0026`, '/': `&#x5c;/`}),
		"json of percent":             mapSpecial(key, map[byte]string{'/': `\u00252F`, '+': `\u00252b`}),
		"percent of json":             mapSpecial(key, map[byte]string{'&': `%5Cu0026`, '/': `%5c%2F`}),
		"html of percent":             mapSpecial(key, map[byte]string{'/': `&#37;2F`, '&': `&percnt;26`}),
		"percent of html":             mapSpecial(key, map[byte]string{'&': `%26amp%3B`}),
		"percent inside json escapes": mapSpecial(key, map[byte]string{'&': `\u%30%30%32%36`}),
	}
}

func TestRedactEscapedForms(t *testing.T) {
	r := newRedactor([]string{testKey}, nil)
	for name, form := range escapedForms(testKey) {
		for _, text := range []string{
			form,
			"key " + form + " echoed",
			`{"error":{"message":"invalid key ` + form + `"}}`,
			form + form,
		} {
			got := r.String(text)
			assert.NotContains(t, got, form, "%s: %q", name, got)
			assertNoKey(t, name, got)
			assert.Contains(t, got, Redacted, name)
		}
		assert.Equal(t, "key "+Redacted+" echoed", r.String("key "+form+" echoed"), name)
	}
}

func TestRedactNonASCIIKey(t *testing.T) {
	key := "clé-secrète-\U0001F511-0123456789"
	r := newRedactor([]string{key}, nil)
	goJSON, _ := json.Marshal(key)
	for name, form := range map[string]string{
		"raw": key, "json every char": jsonEscapeAll(key, false), "percent": url.QueryEscape(key),
		"html refs": numericRefs(key, true), "go json": string(goJSON),
	} {
		got := r.String("x " + form + " y")
		assert.NotContains(t, got, "secr", name)
		assert.Contains(t, got, Redacted, name)
	}
}

func TestRedactPlusForSpace(t *testing.T) {
	// Keys cannot hold spaces (New rejects them), but any secret the redactor holds can.
	r := newRedactor([]string{"pass phrase with spaces"}, nil)
	assert.Equal(t, "p="+Redacted+"&x=1", r.String("p=pass+phrase+with+spaces&x=1"))
	assert.Equal(t, "p="+Redacted, r.String("p=pass%20phrase%20with%20spaces"))
}

func TestRedactLeavesOtherTextAlone(t *testing.T) {
	r := newRedactor([]string{testKey}, nil)
	for _, s := range []string{
		"",
		"plain text",
		"100% sure & certain; a+b=c \\ \\u0026 &amp; %2F &#38; &#x26; &bogus; %zz \\uZZZZ &#;",
		`{"message": "sk_live/K3y+Secret=ValXue is not the key"}`,
		"a key-like prefix sk_li in the middle of text",
		strings.Repeat("&", 1000) + strings.Repeat("%", 1000) + strings.Repeat(`\`, 1000),
	} {
		assert.Equal(t, s, r.String(s))
	}
	// A near miss, one character changed in an escaped form, is not the key.
	near := strings.Replace(url.QueryEscape(testKey), "Val", "Vol", 1)
	assert.Equal(t, "x "+near+" y", r.String("x "+near+" y"))
	// Keys too short to look for are not looked for: they would mangle every word.
	short := newRedactor([]string{"e", "ab", "access"}, nil)
	assert.Equal(t, "invalid_access_key", short.String("invalid_access_key"))
}

func TestRedactKeyCutShort(t *testing.T) {
	r := newRedactor([]string{testKey}, nil)
	for name, form := range escapedForms(testKey) {
		for n := 1; n < len(form); n++ {
			for _, tail := range []string{"", "…", "..."} {
				text := "message: " + form[:n] + tail
				got := r.String(text)
				// Whatever is left of the key is at most partialMin-1 of its bytes.
				assert.False(t, showsKeyPrefix(got, partialMin), "%s cut at %d: %q", name, n, got)
				assert.True(t, strings.HasPrefix(got, "message: "), "%s: the text before the key stays: %q", name, got)
			}
		}
	}
}

// keyPrefixForms[k] holds the escaped forms of testKey's first k bytes.
var keyPrefixForms = func() [][]string {
	out := make([][]string, len(testKey)+1)
	for k := 1; k <= len(testKey); k++ {
		for _, f := range escapedForms(testKey[:k]) {
			out[k] = append(out[k], f)
		}
	}
	return out
}()

// showsKeyPrefix reports whether s holds the first k bytes of testKey, raw or in any of
// the escaped forms.
func showsKeyPrefix(s string, k int) bool {
	for _, f := range keyPrefixForms[k] {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

func TestSnippetStraddlingEscapedKey(t *testing.T) {
	c := newTestClient(t, "https://ca.example.com", nil)
	for name, form := range escapedForms(testKey) {
		for shift := 0; shift <= len(form)+1; shift++ {
			body := strings.Repeat("x", max(0, snippetBytes-shift)) + form + strings.Repeat("y", 300)
			got := c.Snippet([]byte(body))
			assert.NotContains(t, got, "K3y", "%s shift %d", name, shift)
			assert.False(t, showsKeyPrefix(got, 2), "%s shift %d: %q", name, shift, got[max(0, len(got)-40):])
			assert.LessOrEqual(t, len(got), snippetBytes+len("…"))
			assert.True(t, utf8.ValidString(got))
		}
	}
}

// A vendor decoder that cuts its message before the client redacts it (as an adapter
// may, to keep errors short) still cannot leave the start of the key.
func TestStatusErrorRedactsMessagesCutBeforeRedaction(t *testing.T) {
	for name, form := range escapedForms(testKey) {
		srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "%s", "the key "+form+" is not valid here")
		})
		for cut := len("the key "); cut < len("the key ")+len(form); cut++ {
			c := newTestClient(t, srv.URL, func(o *Options) {
				o.Config.MaxAttempts = 1
				o.DecodeError = func(status int, body []byte) (string, string, error) {
					return "bad_key", string(body[:cut]) + "…", nil
				}
			})
			_, err := c.Do(context.Background(), &Request{Op: "Get", Path: "x"})
			require.Error(t, err)
			assert.False(t, showsKeyPrefix(err.Error(), partialMin), "%s cut %d: %v", name, cut, err)
		}
	}
}

// BenchmarkRedact measures one redaction of a short error message and of a 64 KiB HTML
// error page full of character references (the most an error body is read).
func BenchmarkRedact(b *testing.B) {
	r := newRedactor([]string{testKey}, []string{"access_key"})
	page := strings.Repeat(`<p>Caf&eacute; &amp; bar &#38; 100% off, a+b=c \u0026 %2F</p>`+"\n", 64<<10/64)
	for name, text := range map[string]string{
		"message": `{"error":{"code":403,"type":"invalid_access_key","info":"check your key"}}`,
		"html64k": page,
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				_ = r.String(text)
			}
		})
	}
}
