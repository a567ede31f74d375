package zerossl_test

import (
	"fmt"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// BenchmarkCertificates lists 1000 certificates (10 pages of 100) from the fake.
func BenchmarkCertificates(b *testing.B) {
	s := zerossltest.NewServer()
	defer s.Close()
	for i := 0; i < 1000; i++ {
		s.AddCertificate(model.Certificate{CommonName: fmt.Sprintf("h%04d.example.com", i), Status: model.StatusIssued})
	}
	c := newClient(b, s.URL, s.APIKey)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n := listAll(b, c); n != 1000 {
			b.Fatal(n)
		}
	}
}
