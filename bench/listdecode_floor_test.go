package bench

import (
	"context"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// TestListDecodeFloorMatchesAnyca checks that the floor of BenchmarkListDecode does the
// work anyca does: for the same 1,000-item page it yields the same items, in the same
// order, with the same identifying, status and date fields. A floor that skipped part of
// the mapping would make the throughput ratio flatter anyca's cost.
func TestListDecodeFloorMatchesAnyca(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three seeded fakes")
	}
	ctx := context.Background()
	certs := func(t *testing.T, vendor, spec string, floor func(*floorLister) ([]*model.Certificate, error)) {
		info := fake(t, spec)
		p := newProvider(t, vendor, info, noLimit)
		var got []*model.Certificate
		for c, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: listPage}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c)
		}
		want, err := floor(&floorLister{info: info, hc: floorClient()})
		if err != nil || len(want) != listPage || len(got) != listPage {
			t.Fatalf("anyca %d items, floor %d items, %v", len(got), len(want), err)
		}
		for i := range want {
			a, f := got[i], want[i]
			if a.ID != f.ID || a.CommonName != f.CommonName || a.Status != f.Status || a.VendorStatus != f.VendorStatus ||
				a.SerialNumber != f.SerialNumber || a.FingerprintSHA1 != f.FingerprintSHA1 || a.ReplacesID != f.ReplacesID ||
				!a.CreatedAt.Equal(f.CreatedAt) || !a.NotBefore.Equal(f.NotBefore) || !a.NotAfter.Equal(f.NotAfter) ||
				!equalStrings(a.DNSNames, f.DNSNames) {
				t.Fatalf("item %d:\nanyca %+v\nfloor %+v", i, *a, *f)
			}
		}
	}
	t.Run("digicert-orders", func(t *testing.T) {
		certs(t, "digicert", "digicert-certs:1000", func(f *floorLister) ([]*model.Certificate, error) { return f.digicertOrders(ctx) })
	})
	t.Run("zerossl-certificates", func(t *testing.T) {
		certs(t, "zerossl", "zerossl-page:1000", func(f *floorLister) ([]*model.Certificate, error) { return f.zerosslCertificates(ctx) })
	})
	t.Run("digicert-domains", func(t *testing.T) {
		info := fake(t, "digicert-domains:1000")
		p := newProvider(t, "digicert", info, noLimit)
		var got []*model.DomainValidation
		for d, err := range anyca.Domains(ctx, p, model.DomainQuery{PageSize: listPage}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, d)
		}
		want, err := (&floorLister{info: info, hc: floorClient()}).digicertDomains(ctx)
		if err != nil || len(want) != listPage || len(got) != listPage {
			t.Fatalf("anyca %d items, floor %d items, %v", len(got), len(want), err)
		}
		for i := range want {
			a, f := got[i], want[i]
			same := a.ID == f.ID && a.Domain == f.Domain && a.Status == f.Status && a.Method == f.Method &&
				a.ValidatedAt.Equal(f.ValidatedAt) && len(a.Levels) == len(f.Levels)
			for j := 0; same && j < len(a.Levels); j++ {
				la, lf := a.Levels[j], f.Levels[j]
				same = la.Level == lf.Level && la.Status == lf.Status && la.ValidUntil.Equal(lf.ValidUntil)
			}
			if !same {
				t.Fatalf("item %d:\nanyca %+v\nfloor %+v", i, *a, *f)
			}
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestP1FloorMatchesAnyca checks that P1's floors return the certificate anyca's
// Certificate returns for the same id, so the lookup ratio compares the same work.
func TestP1FloorMatchesAnyca(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two seeded fakes")
	}
	ctx := context.Background()
	for _, v := range []struct {
		vendor, spec string
		floor        func(info fakeInfo, id string) (*model.Certificate, error)
	}{
		{"digicert", "digicert-certs:1000", func(info fakeInfo, id string) (*model.Certificate, error) {
			return floorLookupDigiCert(ctx, floorClient(), info, map[string]string{"X-DC-DEVKEY": info.Key}, id)
		}},
		{"zerossl", "zerossl-certs:1", func(info fakeInfo, id string) (*model.Certificate, error) {
			return floorLookupZeroSSL(ctx, floorClient(), info, id)
		}},
	} {
		t.Run(v.vendor, func(t *testing.T) {
			info := fake(t, v.spec)
			id := info.IDs[0]
			a, err := newProvider(t, v.vendor, info, noLimit).Certificate(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			f, err := v.floor(info, id)
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != f.ID || a.CommonName != f.CommonName || a.Status != f.Status || a.VendorStatus != f.VendorStatus ||
				a.Level != f.Level || a.Product != f.Product ||
				a.SerialNumber != f.SerialNumber || a.FingerprintSHA1 != f.FingerprintSHA1 || a.ReplacesID != f.ReplacesID ||
				!a.CreatedAt.Equal(f.CreatedAt) || !a.NotBefore.Equal(f.NotBefore) || !a.NotAfter.Equal(f.NotAfter) ||
				!equalStrings(a.DNSNames, f.DNSNames) {
				t.Fatalf("\nanyca %+v\nfloor %+v", *a, *f)
			}
		})
	}
}
