package chain_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/chain"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

func issue(t testing.TB, serial string, names ...string) *fakeca.Leaf {
	t.Helper()
	l, err := fakeca.TestPKI().Issue(fakeca.LeafSpec{Serial: serial, Seed: t.Name(), Names: names,
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseNormalizes(t *testing.T) {
	leaf := issue(t, "", "a.example.com")
	inter := fakeca.TestPKI().IntermediatePEM()
	want, err := chain.Parse(leaf.PEM, inter)
	if err != nil {
		t.Fatal(err)
	}
	if want.Leaf.Subject.CommonName != "a.example.com" || len(want.Intermediates) != 1 {
		t.Fatalf("leaf %q, %d intermediates", want.Leaf.Subject.CommonName, len(want.Intermediates))
	}
	crlf := bytes.ReplaceAll(append(append([]byte("\n\n"), leaf.PEM...), inter...), []byte("\n"), []byte("\r\n"))
	got, err := chain.Parse(crlf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.PEM, want.PEM) {
		t.Error("CRLF and one text for both parts: not normalized to the same PEM")
	}
	if bytes.Contains(got.PEM, []byte("\r")) {
		t.Error("CR kept")
	}
}

func TestParseRefusesWhatIsNotCertificates(t *testing.T) {
	leaf := issue(t, "", "a.example.com")
	key := []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	for name, parts := range map[string][][]byte{
		"empty":            {nil},
		"only whitespace":  {[]byte(" \n\t ")},
		"html":             {[]byte("<html><body>Service unavailable</body></html>")},
		"json":             {[]byte(`{"certificate.crt": null}`)},
		"text before":      {append([]byte("here it is:\n"), leaf.PEM...)},
		"text after":       {append(append([]byte(nil), leaf.PEM...), []byte("trailing garbage")...)},
		"a key":            {leaf.PEM, key},
		"bad DER":          {[]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")},
		"truncated":        {leaf.PEM[:len(leaf.PEM)/2]},
		"control bytes":    {[]byte("\x00\x01\x02")},
		"second part junk": {leaf.PEM, []byte("junk")},
	} {
		if _, err := chain.Parse(parts...); !errors.Is(err, chain.ErrNotPEM) {
			t.Errorf("%s: got %v, want ErrNotPEM", name, err)
		}
	}
}

func TestMatch(t *testing.T) {
	leaf := issue(t, "00ab12", "a.example.com", "www.a.example.com")
	b, err := chain.Parse(leaf.PEM)
	if err != nil {
		t.Fatal(err)
	}
	ok := []model.Certificate{
		{SerialNumber: "AB:12", FingerprintSHA1: strings.ToUpper(leaf.SHA1), DNSNames: []string{"a.example.com"}},
		{SerialNumber: "0000ab12"},
		{FingerprintSHA1: leaf.SHA1},
		{},
	}
	for i, c := range ok {
		if err := chain.Match(b, &c); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
	bad := map[string]model.Certificate{
		"serial":      {SerialNumber: "ab13"},
		"not hex":     {SerialNumber: "zz"},
		"fingerprint": {FingerprintSHA1: strings.Repeat("0", 40)},
		"names":       {SerialNumber: "ab12", DNSNames: []string{"a.example.com", "b.example.com"}},
	}
	for name, c := range bad {
		err := chain.Match(b, &c)
		if !errors.Is(err, chain.ErrLeafMismatch) || !strings.Contains(err.Error(), map[string]string{"serial": "serial",
			"not hex": "serial", "fingerprint": "SHA-1", "names": "b.example.com"}[name]) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	leaf := issue(f, "", "f.example.com")
	f.Add(leaf.PEM)
	f.Add(fakeca.TestPKI().IntermediatePEM())
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----"))
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := chain.Parse(data)
		if err != nil {
			if !errors.Is(err, chain.ErrNotPEM) {
				t.Fatalf("error %v does not wrap ErrNotPEM", err)
			}
			return
		}
		if b.Leaf == nil || len(b.PEM) == 0 {
			t.Fatal("no leaf or PEM without an error")
		}
		again, err := chain.Parse(b.PEM)
		if err != nil || !bytes.Equal(again.PEM, b.PEM) {
			t.Fatalf("normalized PEM does not parse to itself: %v", err)
		}
		_ = chain.Match(b, &model.Certificate{SerialNumber: "01", FingerprintSHA1: "00", DNSNames: []string{"x"}})
	})
}

// TestMatchComparesValidity: a lookup without serial or fingerprint (ZeroSSL sends the
// fingerprint only when it has one) still refuses a leaf of the same names whose
// validity is not the certificate's, and accepts one within DateSlack.
func TestMatchComparesValidity(t *testing.T) {
	old, err := fakeca.TestPKI().Issue(fakeca.LeafSpec{Seed: "old", Names: []string{"a.example.com"},
		NotBefore: time.Date(2020, 12, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := chain.Parse(old.PEM, fakeca.TestPKI().IntermediatePEM())
	if err != nil {
		t.Fatal(err)
	}
	want := &model.Certificate{DNSNames: []string{"a.example.com"},
		NotBefore: time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)}
	if err := chain.Match(b, want); !errors.Is(err, chain.ErrLeafMismatch) || !strings.Contains(err.Error(), "2021-03-01") {
		t.Errorf("a leaf that expired in 2021 for one the CA says expires in 2030: %v", err)
	}
	want = &model.Certificate{DNSNames: []string{"a.example.com"}, NotAfter: time.Date(2021, 3, 1, 23, 0, 0, 0, time.UTC)}
	if err := chain.Match(b, want); err != nil {
		t.Errorf("dates within a day (a CA's rounded date): %v", err)
	}
}

// TestChainLinksAndLength: each certificate must be signed by the next, and a download
// holds at most MaxCertificates.
func TestChainLinksAndLength(t *testing.T) {
	leaf := issue(t, "", "a.example.com")
	other := issue(t, "0a0b", "b.example.com")
	inter := fakeca.TestPKI().IntermediatePEM()
	good, err := chain.Parse(leaf.PEM, inter, fakeca.TestPKI().RootPEM())
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Links(good); err != nil {
		t.Errorf("leaf, intermediate, root: %v", err)
	}
	bad, err := chain.Parse(leaf.PEM, other.PEM, inter)
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Links(bad); !errors.Is(err, chain.ErrBrokenChain) || !strings.Contains(err.Error(), "certificate 1 is not signed by certificate 2") {
		t.Errorf("a leaf followed by another leaf: %v", err)
	}
	long := [][]byte{leaf.PEM}
	for range chain.MaxCertificates {
		long = append(long, inter)
	}
	if _, err := chain.Parse(long...); !errors.Is(err, chain.ErrNotPEM) || !strings.Contains(err.Error(), "more than") {
		t.Errorf("%d certificates: %v", len(long), err)
	}
}

// BenchmarkParse reads a leaf and its intermediate from one text, as a download
// arrives: the cost every adapter's Download pays for a bundle.
func BenchmarkParse(b *testing.B) {
	leaf := issue(b, "", "a.example.com")
	body := append(append([]byte(nil), leaf.PEM...), fakeca.TestPKI().IntermediatePEM()...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chain.Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
