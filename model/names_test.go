package model_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anyca/anyca/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeDomain(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	// 4 labels of 63 + 3 dots = 255; trim to build names at the 253 boundary.
	name253 := label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61) // 63*3+61+3 = 253
	require.Len(t, name253, 253)

	tests := []struct {
		name, in, want string // want "" means an error is expected
	}{
		{"plain", "example.com", "example.com"},
		{"upper case", "WWW.Example.COM", "www.example.com"},
		{"trailing dot", "example.com.", "example.com"},
		{"surrounding space", "  example.com \t\n", "example.com"},
		{"space and trailing dot", " example.com. ", "example.com"},
		{"ideographic full stop as separator", "example\u3002com", "example.com"},
		{"ideographic full stop as trailing dot", "example.com\u3002", "example.com"},
		{"IDN to punycode", "Bücher.example", "xn--bcher-kva.example"},
		{"IDN already punycode", "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"punycode upper case", "XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example"},
		{"IDN with trailing dot", "é.com.", "xn--9ca.com"},
		{"IDN japanese", "日本.jp", "xn--wgv71a.jp"},
		{"fullwidth letters mapped", "ｅｘａｍｐｌｅ.com", "example.com"},
		{"ligature mapped", "\ufb00.com", "ff.com"},
		{"wildcard", "*.example.com", "*.example.com"},
		{"wildcard upper case IDN", "*.BÜCHER.example", "*.xn--bcher-kva.example"},
		{"underscore label", "_acme-challenge.Example.com", "_acme-challenge.example.com"},
		{"underscore inside label", "a_b.example.com", "a_b.example.com"},
		{"inner hyphen", "my-host.example.com", "my-host.example.com"},
		{"digits", "123.example.com", "123.example.com"},
		{"ip-like", "1.2.3.4", "1.2.3.4"},
		{"single label", "localhost", "localhost"},
		{"label of 63", label63 + ".com", label63 + ".com"},
		{"name of 253", name253, name253},

		{"empty", "", ""},
		{"only space", "   ", ""},
		{"only dot", ".", ""},
		{"two dots", "..", ""},
		{"wildcard alone", "*", ""},
		{"wildcard dot", "*.", ""},
		{"double wildcard", "*.*.example.com", ""},
		{"inner wildcard", "www.*.example.com", ""},
		{"partial wildcard", "w*.example.com", ""},
		{"leading dot", ".example.com", ""},
		{"empty inner label", "a..example.com", ""},
		{"two trailing dots", "example.com..", ""},
		{"label of 64", strings.Repeat("a", 64) + ".com", ""},
		{"name of 254", "c" + name253, ""},
		{"wildcard pushing name over 253", "*." + strings.Repeat("b", 61) + "." + label63 + "." + label63 + "." + label63, ""},
		{"leading hyphen", "-a.example.com", ""},
		{"trailing hyphen", "a-.example.com", ""},
		{"hyphen label", "-.example.com", ""},
		{"inner space", "exa mple.com", ""},
		{"tab inside", "exa\tmple.com", ""},
		{"slash", "example.com/path", ""},
		{"colon port", "example.com:443", ""},
		{"at sign", "user@example.com", ""},
		{"bang", "ex!ample.com", ""},
		{"scheme", "https://example.com", ""},
		{"invalid punycode", "xn--zz.com", ""},
		{"zero width space label", "\u200b.com", ""},
		{"invalid utf-8", "ex\xffample.com", ""},
		{"control char", "exa\x00mple.com", ""},
		{"emoji junk", "☃\u0301\u200d.com\x7f", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := model.NormalizeDomain(tt.in)
			if tt.want == "" {
				require.Error(t, err, "got %q", got)
				assert.ErrorIs(t, err, model.ErrInvalidArgument)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := model.NormalizeDomain(got)
			require.NoError(t, err, "normalizing the output again")
			assert.Equal(t, got, again, "idempotent")
		})
	}
}

func TestNormalizeDomainErrorNamesInput(t *testing.T) {
	_, err := model.NormalizeDomain("bad name.example.com")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"bad name.example.com"`)
	assert.Contains(t, err.Error(), "invalid argument")
}

func TestMustNormalizeDomain(t *testing.T) {
	assert.Equal(t, "example.com", model.MustNormalizeDomain("Example.COM."))
	assert.Panics(t, func() { model.MustNormalizeDomain("bad..name") })
}

func TestNormalizeDomains(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, []string{}},
		{"empty entries dropped", []string{"", "  ", "\t", ".", " . "}, []string{}},
		{"order kept", []string{"b.com", "a.com", "c.com"}, []string{"b.com", "a.com", "c.com"}},
		{"duplicates after normalization dropped, first position kept",
			[]string{"Example.com", "www.example.com", "example.com.", " EXAMPLE.COM ", "www.example.com"},
			[]string{"example.com", "www.example.com"}},
		{"IDN and its punycode are one name", []string{"bücher.example", "xn--bcher-kva.example"}, []string{"xn--bcher-kva.example"}},
		{"wildcard distinct from base", []string{"*.example.com", "example.com"}, []string{"*.example.com", "example.com"}},
		{"invalid kept lower-cased and trimmed", []string{" Bad Name.COM. ", "bad name.com"}, []string{"bad name.com"}},
		{"space before the trailing dot", []string{"0 .", "a b .", "x.."}, []string{"0", "a b", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := model.NormalizeDomains(tt.in)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("stable", func(t *testing.T) {
		in := []string{"0 .", "A b .", "x..", " .", "*.Ex ample.com.", "Ü.de", "bad_label-.com", "ok.com"}
		for _, n := range model.NormalizeDomains(in) {
			assert.Equal(t, n, strings.TrimSpace(n), "%q has surrounding space", n)
			if again, err := model.NormalizeDomain(n); err == nil {
				assert.Equal(t, n, again, "a kept name that is valid is already normalized")
			}
		}
	})
	t.Run("input not modified", func(t *testing.T) {
		in := []string{"B.com", "A.com"}
		model.NormalizeDomains(in)
		assert.Equal(t, []string{"B.com", "A.com"}, in)
	})
}

func TestSplitList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{",,,", nil},
		{"a.com", []string{"a.com"}},
		{"a.com, b.com", []string{"a.com", "b.com"}},
		{" a.com ,b.com,, ,c.com, ", []string{"a.com", "b.com", "c.com"}},
		{"a.com,a.com", []string{"a.com", "a.com"}}, // no dedupe: that is NormalizeDomains' job
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, model.SplitList(tt.in), "SplitList(%q)", tt.in)
	}
}

func FuzzNormalizeDomain(f *testing.F) {
	for _, s := range []string{
		"example.com", "Example.COM.", "*.example.com", "_acme-challenge.example.com",
		"Bücher.example", "xn--bcher-kva.example", "日本.jp", "example\u3002com\u3002", "a..b",
		"-a.com", "a-.com", "exa mple.com", "", ".", "*.", "*", "\u200b.com", "ex\xffample.com",
		strings.Repeat("a", 64) + ".com", strings.Repeat("a.", 130), "xn--zz.com", "ab--cd.com",
		"\ufb00.com", "ｅｘａｍｐｌｅ.com", "*.*.x", "1.2.3.4", "[::1]", "a\u0301.com", "ß.de", "ς.gr",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := model.NormalizeDomain(in)
		if err != nil {
			if !errors.Is(err, model.ErrInvalidArgument) {
				t.Fatalf("NormalizeDomain(%q) error %v does not wrap ErrInvalidArgument", in, err)
			}
			if out != "" {
				t.Fatalf("NormalizeDomain(%q) returned %q with an error", in, out)
			}
			return
		}
		if out == "" || len(out) > 253 || !utf8.ValidString(out) {
			t.Fatalf("NormalizeDomain(%q) = %q: empty, too long or invalid UTF-8", in, out)
		}
		for i := 0; i < len(out); i++ {
			c := out[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '*') {
				t.Fatalf("NormalizeDomain(%q) = %q: byte %q outside lower-case ASCII host characters", in, out, c)
			}
		}
		if strings.HasSuffix(out, ".") || strings.Contains(out, "..") {
			t.Fatalf("NormalizeDomain(%q) = %q: trailing dot or empty label", in, out)
		}
		again, err := model.NormalizeDomain(out)
		if err != nil {
			t.Fatalf("NormalizeDomain(%q) = %q, which does not normalize again: %v", in, out, err)
		}
		if again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}
