package model

import "testing"

func TestNormalizeReportedDomain(t *testing.T) {
	cases := map[string]string{
		"":               "",
		"  ":             "",
		".":              "",
		"Example.COM.":   "example.com",
		"a .":            "a",
		"x..":            "x",
		"Bücher.de":      "xn--bcher-kva.de",
		"bad name.com":   "bad name.com",
		"*.Wild.Example": "*.wild.example",
	}
	for in, want := range cases {
		got := NormalizeReportedDomain(in)
		if got != want {
			t.Errorf("NormalizeReportedDomain(%q) = %q, want %q", in, got, want)
		}
		if again := NormalizeReportedDomain(got); again != got {
			t.Errorf("not stable: %q -> %q -> %q", in, got, again)
		}
	}
}
