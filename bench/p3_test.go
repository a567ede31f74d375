package bench

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/model"
)

// heapSampler reads the bytes of heap objects (live and not yet swept; what HeapAlloc
// reports, without ReadMemStats' stop-the-world) every millisecond and keeps the peak.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak atomic.Uint64
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.done.Add(1)
	go func() {
		defer h.done.Done()
		s := []metrics.Sample{{Name: heapMetric}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.done.Wait()
	if v := heapNow(); v > h.peak.Load() {
		h.peak.Store(v)
	}
	return h.peak.Load()
}

// BenchmarkP3List walks every item of the DigiCert domain list and the ZeroSSL
// certificate list through anyca's iterators, at 10,000 and 100,000 items, 1,000 per page
// (both APIs' maximum). The fakes are seeded once, in a child process, so the heap
// measured here is the client's: peak-heap-MB is the highest growth of heap objects above
// the baseline taken after runtime.GC() just before each walk.
func BenchmarkP3List(b *testing.B) {
	ctx := context.Background()
	for _, vendor := range []string{"digicert", "zerossl"} {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%d", vendor, n), func(b *testing.B) {
				spec := fmt.Sprintf("zerossl-list:%d", n)
				if vendor == "digicert" {
					spec = fmt.Sprintf("digicert-domains:%d", n)
				}
				info := fake(b, spec)
				p := newProvider(b, vendor, info, noLimit)
				walk := func() int {
					got := 0
					if vendor == "digicert" {
						// List domains pages only; DomainsFiltered with Details, which reads
						// Domain info per domain, is BenchmarkP3DomainsDetails.
						for d, err := range anyca.Domains(ctx, p, model.DomainQuery{PageSize: 1000}) {
							if err != nil || d == nil {
								b.Fatal(err)
							}
							got++
						}
						return got
					}
					for c, err := range p.Certificates(ctx, model.CertificateQuery{PageSize: 1000}) {
						if err != nil || c == nil {
							b.Fatal(err)
						}
						got++
					}
					return got
				}
				var peak uint64
				start := requests(b, info)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					runtime.GC()
					base := heapNow()
					h := startHeapSampler()
					b.StartTimer()
					got := walk()
					b.StopTimer()
					if top := h.Stop(); top > base && top-base > peak {
						peak = top - base
					}
					if got != n {
						b.Fatalf("listed %d of %d", got, n)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(n), "items/op")
				b.ReportMetric(float64(requests(b, info)-start)/float64(b.N), "requests/op")
			})
		}
	}
}

// BenchmarkP3DomainsDetails walks 1,000 DigiCert domains through DomainsFiltered with
// Details, which reads Domain info for every listed domain (one request each) so that each
// value equals DomainValidation's: its requests/op show the N+1 cost that 100,000 domains
// would pay.
func BenchmarkP3DomainsDetails(b *testing.B) {
	ctx := context.Background()
	const n = 1000
	info := fake(b, fmt.Sprintf("digicert-domains:%d", n))
	p := newProvider(b, "digicert", info, noLimit)
	start := requests(b, info)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got := 0
		for d, err := range p.(*digicert.Client).DomainsFiltered(ctx, digicert.DomainFilter{PageSize: 1000, Details: true}) {
			if err != nil || d == nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("listed %d of %d", got, n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n), "items/op")
	b.ReportMetric(float64(requests(b, info)-start)/float64(b.N), "requests/op")
}
