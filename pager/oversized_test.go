package pager_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/testsupport/harnesses"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/pager"
	"github.com/anyca/anyca/providertest"
)

// heapPeak samples the heap every millisecond until stop is called, which returns the
// highest HeapAlloc seen.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-time.After(time.Millisecond):
			case <-done:
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-exited
		return peak.Load()
	}
}

// TestOversizedPageIsAnErrorWithBoundedMemory: for every adapter (harnesses.All), a page
// of 600,000 entries when 1,000 were asked for is pagination_stalled, found while the
// page's items are counted and before any is decoded or mapped, so the heap grows by far
// less than 64 MiB. The fake builds the page (its real answer with the items replaced,
// providertest.FaultBlankEntries); the conformance suite's Paging/OversizedPage checks
// the error for a page one item over, and this test the memory, outside the suite's
// parallel subtests where a heap figure means nothing.
func TestOversizedPageIsAnErrorWithBoundedMemory(t *testing.T) {
	const asked, sent = 1000, 600_000
	for _, h := range harnesses.All() {
		t.Run(h.Name, func(t *testing.T) {
			f := h.Start(t, providertest.DefaultScenario())
			cfg := f.Config
			cfg.Retry.MaxAttempts = 1
			p, err := anyca.New(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			f.FailNext(1, providertest.Fault{Kind: providertest.FaultBlankEntries, Size: sent})
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			stop := heapPeak()
			n := 0
			for _, e := range p.Certificates(context.Background(), model.CertificateQuery{PageSize: asked}) {
				if err = e; err != nil {
					break
				}
				n++
			}
			peak := stop()
			var me *model.Error
			if n != 0 || !errors.As(err, &me) || !errors.Is(err, model.ErrUnavailable) || me.Code != pager.CodeStalled {
				t.Fatalf("a page of %d items when %d were asked for: %d yielded, error %v; want nothing and ErrUnavailable %s",
					sent, asked, n, err, pager.CodeStalled)
			}
			growth := int64(peak) - int64(before.HeapAlloc)
			t.Logf("%s: a page of %d items (%d asked for), fake and client in one process: peak heap growth %.1f MiB",
				h.Name, sent, asked, float64(growth)/(1<<20))
			if growth > 64<<20 {
				t.Fatalf("heap grew by %d MiB reading one oversized page, want under 64", growth>>20)
			}
		})
	}
}
