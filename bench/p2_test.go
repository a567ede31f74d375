package bench

import (
	"context"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/retry"
)

// restLimitedIDs is how many ids the "REST with the default limit" case looks up: the
// full 1,000 would take (1000-50)/5 = 190 s at DigiCert's default 5/s after a burst of 50.
// run.sh extrapolates the 1,000-id time from this slice and the limiter settings.
const restLimitedIDs = 100

// BenchmarkP2Bulk looks up 1,000 DigiCert certificates by id: anyca.CertificatesByID
// (Reports GraphQL batches) vs one REST Order info call per id (8 in flight), without and
// with DigiCert's default client-side limit (5/s, burst 50). Each op of the limited cases
// builds a fresh provider (outside the timer), so every op starts with a full bucket as a
// process doing one bulk lookup would.
func BenchmarkP2Bulk(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, rc retry.Config, fresh bool, n int, lookup func(anyca.Provider, []string) (int, error)) {
		info := fake(b, "digicert-certs:1000")
		ids := info.IDs[:n]
		p := newProvider(b, "digicert", info, rc)
		start := requests(b, info)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if fresh {
				b.StopTimer()
				p = newProvider(b, "digicert", info, rc)
				b.StartTimer()
			}
			got, err := lookup(p, ids)
			if err != nil || got != n {
				b.Fatalf("got %d of %d: %v", got, n, err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(requests(b, info)-start)/float64(b.N), "requests/op")
		b.ReportMetric(float64(n), "ids/op")
	}
	batch := func(p anyca.Provider, ids []string) (int, error) {
		m, err := anyca.CertificatesByID(ctx, p, ids)
		return len(m), err
	}
	rest := func(p anyca.Provider, ids []string) (int, error) {
		m, err := anyca.LookupConcurrently(ctx, ids, anyca.DefaultBatchConcurrency, p.Certificate)
		return len(m), err
	}
	b.Run("batch/nolimit", func(b *testing.B) { run(b, noLimit, false, 1000, batch) })
	b.Run("rest/nolimit", func(b *testing.B) { run(b, noLimit, false, 1000, rest) })
	b.Run("batch/defaultlimit", func(b *testing.B) { run(b, retry.Config{}, true, 1000, batch) })
	b.Run("rest/defaultlimit-100ids", func(b *testing.B) { run(b, retry.Config{}, true, restLimitedIDs, rest) })
}
