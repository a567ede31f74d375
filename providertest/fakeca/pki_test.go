package fakeca

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"testing"
	"time"
)

func TestPKIIssuesVerifiableLeaves(t *testing.T) {
	p := TestPKI()
	if TestPKI() != p {
		t.Fatal("the PKI is generated more than once")
	}
	nb := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	leaf, err := p.Issue(LeafSpec{Serial: "0A:1B:2C", Names: []string{"a.example.com", "b.example.com"}, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Serial != "0a1b2c" || leaf.Cert.Subject.CommonName != "a.example.com" || !leaf.Cert.NotBefore.Equal(nb) {
		t.Errorf("serial %s, CN %s, not before %v", leaf.Serial, leaf.Cert.Subject.CommonName, leaf.Cert.NotBefore)
	}
	sum := sha1.Sum(leaf.Cert.Raw)
	if leaf.SHA1 != hex.EncodeToString(sum[:]) {
		t.Error("SHA1 is not the DER's")
	}
	inter := x509.NewCertPool()
	inter.AddCert(p.Intermediate)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: p.RootPool(), Intermediates: inter, DNSName: "b.example.com",
		CurrentTime: nb.Add(time.Hour)}); err != nil {
		t.Errorf("leaf does not verify: %v", err)
	}
	derived, err := p.Issue(LeafSpec{Seed: "order-1", Names: []string{"c.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := p.Issue(LeafSpec{Seed: "order-1", Names: []string{"c.example.com"}})
	if derived.Serial != again.Serial || derived.Serial == "" {
		t.Error("a derived serial is not stable per seed")
	}
	if _, err := p.Issue(LeafSpec{Serial: "not-hex"}); err == nil {
		t.Error("a serial that is not hex was accepted")
	}
}
