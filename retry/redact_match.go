package retry

import (
	"strings"
	"unicode/utf8"
)

// This file finds a secret in text where some or all of its characters are escaped, as
// servers that echo a request do: JSON (\u0026 with either case of hex, \/ and the other
// one-character escapes), percent-encoding (%2F or %2f, + for a space), and HTML character
// references (&amp;, &#38;, &#x26;). The syntax characters of an escape may themselves be
// escaped (\u0026amp; is an HTML &amp; inside a JSON string), up to escapeDepth layers.

// escapeDepth is how many layers of escaping are undone: 2 covers an HTML entity inside a
// JSON string, or percent-encoding inside JSON, and their reverse.
const escapeDepth = 2

// maxUnitLen bounds the length of one escaped byte of a secret at escapeDepth, so that a
// caller that cuts text can leave room for a whole escaped secret: a depth-1 unit is at
// most 12 bytes (\uD83D\uDE00 carries 4), and every syntax byte of it may be one again.
const maxUnitLen = 12 * 12

// partialMin is the shortest leading part of a secret that is redacted when it ends the
// text (or stands just before a closing ellipsis): what is left of a secret that a caller
// cut before redacting. Shorter tails are too likely to be ordinary words.
const partialMin = 6

// escapeStarts are the bytes an escape sequence can begin with.
const escapeStarts = `\%&+`

// htmlNamed are the named character references a secret's characters may be written as.
var htmlNamed = map[string]byte{
	"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\'', "sol": '/', "plus": '+',
	"equals": '=', "percnt": '%', "num": '#', "colon": ':', "semi": ';', "quest": '?',
	"excl": '!', "dollar": '$', "lowbar": '_', "period": '.', "comma": ',', "bsol": '\\',
	"commat": '@', "hyphen": '-', "dash": '-', "ast": '*', "lpar": '(', "rpar": ')',
	"lsqb": '[', "rsqb": ']', "lcub": '{', "rcub": '}', "verbar": '|', "tilde": '~',
	"grave": '`', "Hat": '^',
}

// byteStrings[b] is the one-byte string b, so that decoding allocates nothing.
var byteStrings = func() (t [256]string) {
	for i := range t {
		t[i] = string([]byte{byte(i)})
	}
	return t
}()

// matcher looks for one secret in one text.
type matcher struct {
	s   string // the text searched
	sec string // the secret, raw
}

// redactSecret returns s with every raw, escaped or cut-off-at-the-end form of sec
// replaced by Redacted.
func redactSecret(s, sec string) string {
	if sec == "" || s == "" {
		return s
	}
	var starts [256]bool
	starts[sec[0]] = true
	for i := 0; i < len(escapeStarts); i++ {
		starts[escapeStarts[i]] = true
	}
	m := matcher{s: s, sec: sec}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !starts[s[i]] {
			i++
			continue
		}
		end, ok := m.match(i, 0)
		if !ok || end == i {
			i++
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(Redacted)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// match reports whether the secret, from its byte k on, is written at p, and where it
// ends. Failing that, the secret's first partialMin bytes or more followed by the end of
// the text (see cutEnd) also match: a secret cut short.
func (m *matcher) match(p, k int) (int, bool) {
	if k == len(m.sec) {
		return p, true
	}
	end, found := 0, false
	m.units(p, escapeDepth, func(dec string, next int) bool {
		if !strings.HasPrefix(m.sec[k:], dec) {
			return true
		}
		if e, ok := m.match(next, k+len(dec)); ok {
			end, found = e, true
			return false
		}
		return true
	})
	if !found && k >= partialMin {
		return m.cutEnd(p)
	}
	return end, found
}

// cutEnd reports whether the text ends at p, or has only an ellipsis left, or the start
// of an escape that a cut left unfinished (shorter than maxUnitLen, no space), and
// returns where the part to redact ends: before the ellipsis.
func (m *matcher) cutEnd(p int) (int, bool) {
	rest := m.s[p:]
	if r, ok := strings.CutSuffix(rest, "…"); ok {
		rest = r
	} else {
		rest = strings.TrimSuffix(rest, "...")
	}
	if rest == "" || len(rest) < maxUnitLen && strings.IndexByte(escapeStarts, rest[0]) >= 0 && !strings.ContainsAny(rest, " \t\n") {
		return p + len(rest), true
	}
	return 0, false
}

// units calls yield with each way to read the bytes at p, undoing up to depth layers of
// escaping: the decoded bytes and where the reading ends. It returns false when yield
// asked to stop.
func (m *matcher) units(p, depth int, yield func(dec string, next int) bool) bool {
	if p >= len(m.s) {
		return true
	}
	if !yield(m.s[p:p+1], p+1) {
		return false
	}
	// Every escaped form, however nested, starts with the introducer of its outer layer.
	if depth == 0 || strings.IndexByte(escapeStarts, m.s[p]) < 0 {
		return true
	}
	d := depth - 1
	return m.char(p, d, func(c byte, q int) bool {
		switch c {
		case '\\':
			return m.jsonEscape(q, d, yield)
		case '%':
			return m.hex(q, d, 2, 0, func(v rune, end int) bool { return yield(byteStrings[byte(v)], end) })
		case '+':
			return yield(" ", q)
		case '&':
			return m.htmlReference(q, d, yield)
		}
		return true
	})
}

// char calls yield with each ASCII byte the text at p reads as, through up to depth
// layers of escaping.
func (m *matcher) char(p, depth int, yield func(c byte, next int) bool) bool {
	return m.units(p, depth, func(dec string, next int) bool {
		if len(dec) != 1 || dec[0] >= utf8.RuneSelf {
			return true
		}
		return yield(dec[0], next)
	})
}

// jsonEscape reads what follows a backslash: \uXXXX (a surrogate pair as two), or a
// one-character escape of a printable character.
func (m *matcher) jsonEscape(p, depth int, yield func(string, int) bool) bool {
	return m.char(p, depth, func(c byte, q int) bool {
		switch c {
		case '/', '\\', '"', '\'':
			return yield(byteStrings[c], q)
		case 'u', 'U':
			return m.hex(q, depth, 4, 0, func(v rune, end int) bool {
				if v < 0xD800 || v > 0xDFFF {
					return yield(string(v), end)
				}
				if v > 0xDBFF {
					return true // a low surrogate alone
				}
				return m.lowSurrogate(end, depth, v, yield)
			})
		}
		return true
	})
}

// lowSurrogate reads the \uDC00-\uDFFF half that completes the high surrogate hi.
func (m *matcher) lowSurrogate(p, depth int, hi rune, yield func(string, int) bool) bool {
	return m.char(p, depth, func(c byte, q int) bool {
		if c != '\\' {
			return true
		}
		return m.char(q, depth, func(u byte, r int) bool {
			if u != 'u' && u != 'U' {
				return true
			}
			return m.hex(r, depth, 4, 0, func(lo rune, end int) bool {
				if lo < 0xDC00 || lo > 0xDFFF {
					return true
				}
				return yield(string(0x10000+(hi-0xD800)<<10+(lo-0xDC00)), end)
			})
		})
	})
}

// hex reads exactly n hexadecimal digits (either case) onto v.
func (m *matcher) hex(p, depth, n int, v rune, yield func(v rune, next int) bool) bool {
	if n == 0 {
		return yield(v, p)
	}
	return m.char(p, depth, func(c byte, q int) bool {
		d, ok := digitValue(c, 16)
		if !ok {
			return true
		}
		return m.hex(q, depth, n-1, v<<4|d, yield)
	})
}

// htmlReference reads what follows an ampersand: #NN;, #xHH; or a name and a semicolon.
func (m *matcher) htmlReference(p, depth int, yield func(string, int) bool) bool {
	if !m.htmlName(p, depth, "", yield) {
		return false
	}
	return m.char(p, depth, func(c byte, q int) bool {
		if c != '#' {
			return true
		}
		emit := func(v rune, end int) bool {
			if !utf8.ValidRune(v) || v == 0 {
				return true
			}
			return yield(string(v), end)
		}
		if !m.char(q, depth, func(x byte, r int) bool {
			if x != 'x' && x != 'X' {
				return true
			}
			return m.number(r, depth, 16, 0, 0, emit)
		}) {
			return false
		}
		return m.number(q, depth, 10, 0, 0, emit)
	})
}

// number reads digits in base up to a semicolon, the whole at most 8 digits long.
func (m *matcher) number(p, depth, base, n int, v rune, yield func(v rune, next int) bool) bool {
	return m.char(p, depth, func(c byte, q int) bool {
		if c == ';' {
			if n == 0 {
				return true
			}
			return yield(v, q)
		}
		d, ok := digitValue(c, base)
		if !ok || n == 8 {
			return true
		}
		return m.number(q, depth, base, n+1, v*rune(base)+d, yield)
	})
}

// htmlName reads a character reference name and its semicolon.
func (m *matcher) htmlName(p, depth int, name string, yield func(string, int) bool) bool {
	return m.char(p, depth, func(c byte, q int) bool {
		switch {
		case c == ';':
			if b, ok := htmlNamed[name]; ok {
				return yield(byteStrings[b], q)
			}
			return true
		case len(name) < 6 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'):
			return m.htmlName(q, depth, name+string(rune(c)), yield)
		}
		return true
	})
}

// digitValue returns the value of c as a digit in base 10 or 16.
func digitValue(c byte, base int) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case base == 16 && c >= 'a' && c <= 'f':
		return rune(c-'a') + 10, true
	case base == 16 && c >= 'A' && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}
