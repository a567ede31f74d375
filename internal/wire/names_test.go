package wire

import (
	"reflect"
	"strings"
	"testing"

	"github.com/anyca/anyca/model"
)

// names covers the fast path's edges and names only the full normalization handles.
var names = []string{
	"", " ", ".", "..", "a", "a.", "a..b", "-a.com", "a-.com", "example.com", "www.example.com", "*.example.com",
	"*.", "*", "**.a.com", "a.*.com", "Example.COM", " example.com", "example.com ", "example.com.", "xn--bcher-kva.example",
	"xn--zz.example", "xn--.com", "bücher.example", "a_b.com", "1.2.3.4", strings.Repeat("a", 64) + ".com",
	strings.Repeat("abcdefghi.", 26) + "com", "ex\tample.com", "ex\x00ample.com", "ЕXAMPLE.com", "example.com\u3002",
}

func TestReportedDomainIsNormalizeReportedDomain(t *testing.T) {
	for _, n := range names {
		for _, name := range []string{n, "*." + n} {
			if got, want := ReportedDomain(name), model.NormalizeReportedDomain(name); got != want {
				t.Errorf("ReportedDomain(%q) = %q, model says %q", name, got, want)
			}
		}
	}
}

func FuzzReportedDomain(f *testing.F) {
	for _, n := range names {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if got, want := ReportedDomain(name), model.NormalizeReportedDomain(name); got != want {
			t.Fatalf("ReportedDomain(%q) = %q, model says %q", name, got, want)
		}
	})
}

func TestReportedDomainsIsNormalizeDomains(t *testing.T) {
	long := make([]string, 0, 40)
	for i := 0; i < 40; i++ {
		long = append(long, names[i%len(names)])
	}
	for _, list := range [][]string{nil, names, long, {"a.com", "A.com", "a.com.", "b.com", "a.com"}} {
		got, want := ReportedDomains(list), model.NormalizeDomains(list)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ReportedDomains(%q) = %q, model says %q", list, got, want)
		}
	}
}
