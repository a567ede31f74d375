package memca

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

func TestKeepIDsAndNoLeaves(t *testing.T) {
	nb := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	certs := []model.Certificate{
		{ID: "4100001", CommonName: "a.example.com", Status: model.StatusIssued, NotBefore: nb, NotAfter: nb.AddDate(1, 0, 0),
			SerialNumber: "0a0b", FingerprintSHA1: "ab12"},
		{ID: "4100002", CommonName: "a.example.com", Status: model.StatusPending, ReplacesID: "4100001"},
		{CommonName: "b.example.com", Status: model.StatusPending},
	}
	chs := map[string][]model.Challenge{"4100002": {{Domain: "a.example.com", Type: model.ChallengeDNSTXT}}}

	s := NewServer("kept", certs, nil, chs, KeepIDs(), NoLeaves())
	defer s.Close()
	p, err := New(context.Background(), anyca.Config{APIKey: s.APIKey, BaseURL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := p.Certificate(ctx, "4100001")
	if err != nil || c.SerialNumber != "0a0b" || c.FingerprintSHA1 != "ab12" {
		t.Fatalf("Certificate(4100001) = %+v, %v; want the seeded id, serial and fingerprint", c, err)
	}
	if c, err := p.Certificate(ctx, "4100002"); err != nil || c.ReplacesID != "4100001" {
		t.Fatalf("Certificate(4100002) = %+v, %v; want ReplacesID kept", c, err)
	}
	if got, err := p.Challenges(ctx, "4100002"); err != nil || len(got) != 1 {
		t.Fatalf("Challenges(4100002) = %+v, %v; want the challenge keyed by the kept id", got, err)
	}
	if _, err := p.Certificate(ctx, "mem-0003"); err != nil {
		t.Fatalf("a certificate without an id gets mem-0003: %v", err)
	}
	if _, err := p.(anyca.Downloader).Download(ctx, "4100001"); !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("Download with NoLeaves = %v, want ErrUnavailable", err)
	}

	d := NewServer("default", certs, nil, chs)
	defer d.Close()
	if got := d.Certificates(); got[0].ID != "mem-0001" || got[1].ReplacesID != "mem-0001" || got[0].FingerprintSHA1 == "ab12" {
		t.Fatalf("without options ids are assigned and remapped and the leaf's fingerprint reported: %+v", got[:2])
	}
}
