package digicert_test

import (
	"context"
	"testing"

	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/internal/lookup"
	"github.com/anyca/anyca/model"
)

func benchSetup(b *testing.B) (*digicerttest.Server, *digicert.Client, []string) {
	s := digicerttest.NewServer()
	b.Cleanup(s.Close)
	ids := make([]string, 0, 1000)
	for i := 0; i < 1000; i++ {
		ids = append(ids, s.AddCertificate(model.Certificate{CommonName: "bench.example.com", Level: model.LevelOV}).ID)
	}
	c, err := digicert.New(digicert.Config{APIKey: s.APIKey, BaseURL: s.URL, Retry: fastRetry})
	if err != nil {
		b.Fatal(err)
	}
	return s, c, ids
}

// BenchmarkCertificatesByID1000 looks up 1,000 orders through the Reports API.
func BenchmarkCertificatesByID1000(b *testing.B) {
	s, c, ids := benchSetup(b)
	start := s.Requests()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := c.CertificatesByID(context.Background(), ids)
		if err != nil || len(got) != 1000 {
			b.Fatalf("got %d, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(s.Requests()-start)/float64(b.N), "requests/op")
}

// BenchmarkCertificatesByID1000REST is the same lookup with one Order info call per id.
func BenchmarkCertificatesByID1000REST(b *testing.B) {
	s, c, ids := benchSetup(b)
	start := s.Requests()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := lookup.Concurrently(context.Background(), ids, 8, c.Certificate)
		if err != nil || len(got) != 1000 {
			b.Fatalf("got %d, %v", len(got), err)
		}
	}
	b.ReportMetric(float64(s.Requests()-start)/float64(b.N), "requests/op")
}

func TestThousandByIDInAtMostTenRequests(t *testing.T) {
	s := digicerttest.NewServer()
	defer s.Close()
	ids := make([]string, 0, 1000)
	for i := 0; i < 1000; i++ {
		ids = append(ids, s.AddCertificate(model.Certificate{CommonName: "many.example.com"}).ID)
	}
	c := client(t, s, "")
	got, err := c.CertificatesByID(context.Background(), ids)
	if err != nil || len(got) != 1000 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	if n := s.Requests(); n > 10 {
		t.Fatalf("%d requests for 1,000 ids; want <= 10", n)
	}
}
