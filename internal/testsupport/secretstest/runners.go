package secretstest

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Hostile is one adapter's own hostile corpus, for RunHostile.
type Hostile struct {
	// LeastVariants is the fewest wrong-type variants testdata/*.json must yield, so
	// that lost fixtures are noticed.
	LeastVariants int
	// Repair, when not nil, fixes a fixture that is not JSON (a vendor's own example
	// can be broken) before its variants are made.
	Repair func([]byte) []byte
	// Shapes are the vendor's own hostile bodies, run besides the common Shapes.
	Shapes []string
}

// RunHostile runs an adapter's decoders through RunWrongTypes (on the package's
// testdata/*.json) and RunShapes, as the subtests WrongTypes and Shapes.
func RunHostile(t *testing.T, decoders map[string]Decoder, h Hostile) {
	t.Helper()
	if len(decoders) == 0 {
		t.Fatal("secretstest.RunHostile: no decoders")
	}
	t.Run("WrongTypes", func(t *testing.T) { RunWrongTypes(t, "testdata", decoders, h.LeastVariants, h.Repair) })
	t.Run("Shapes", func(t *testing.T) { RunShapes(t, decoders, h.Shapes...) })
}

// RunWrongTypes decodes every WrongTypes variant of each realistic payload (every *.json
// file of dir) with every decoder, so that no decoder meets only the answers it expects,
// and fails t on a panic, on an error that is no *model.Error of a model kind, or when
// fewer than least variants were made. repair, when not nil, is given a payload that is
// not JSON (a vendor's own example can be broken) to fix.
func RunWrongTypes(t *testing.T, dir string, decoders map[string]Decoder, least int, repair func([]byte) []byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no payloads in %s (%v)", dir, err)
	}
	total, decoded, rejected := 0, 0, 0
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		variants, err := WrongTypes(body)
		if err != nil && repair != nil {
			variants, err = WrongTypes(repair(body))
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		total += len(variants)
		for _, v := range variants {
			for name, dec := range decoders {
				decoded++
				if DecodeSafely(t, name, dec, v.Body) != nil {
					rejected++
				}
			}
		}
	}
	if total < least {
		t.Fatalf("only %d variants", total)
	}
	t.Logf("%d wrong-type variants of %d payloads through %d decoders: %d accepted, %d rejected with *model.Error, no panic",
		total, len(files), len(decoders), decoded-rejected, rejected)
}

// Shapes are bodies every decoder must survive, whatever the vendor: deep nesting of
// arrays and objects, null, an empty object, an invalid UTF-8 key, huge numbers.
func Shapes() []string {
	deep := strings.Repeat("[", 100000)
	return []string{deep, deep + strings.Repeat("]", 100000), strings.Repeat(`{"a":`, 100000),
		`null`, `{}`, "{\"\xff\":1,\"id\":\"1\"}", `{"id":1e999,"page":-1e400,"total_count":1e999}`,
		`{"id":1,"id":{"x":1},"id":"3"}`}
}

// RunShapes runs every decoder on Shapes and on the vendor's own extra bodies.
func RunShapes(t *testing.T, decoders map[string]Decoder, extra ...string) {
	t.Helper()
	for _, body := range append(Shapes(), extra...) {
		for name, dec := range decoders {
			DecodeSafely(t, name, dec, []byte(body))
		}
	}
}

// HugeBodyCap is the body cap of RunHugeBody: 8 MiB rather than the 32 MiB default keeps
// the test fast under -race (with the default cap the heap grew by 73 MiB).
const HugeBodyCap = 8 << 20

// RunHugeBody serves, for each prefix, a 1 GiB answer starting with it, without building
// it, to call on the client build makes with key and body cap HugeBodyCap, and fails t
// unless the client stops at the cap with retry.ErrBodyTooLarge in a *model.Error that
// does not show the key, the heap grows by less than 100 MB and the server sent at most
// 512 MiB.
func RunHugeBody[C any](t *testing.T, key string, prefixes []string, build func(t *testing.T, key string, env Env) C,
	call func(context.Context, C) error) {
	t.Helper()
	if len(prefixes) == 0 {
		t.Fatal("secretstest.RunHugeBody: no prefix")
	}
	for _, prefix := range prefixes {
		var sent atomic.Int64
		srv := httptest.NewServer(Stream(1<<30, prefix, &sent))
		c := build(t, key, Env{BaseURL: srv.URL, MaxBodyBytes: HugeBodyCap, Ctx: context.Background()})
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := call(context.Background(), c)
		runtime.ReadMemStats(&after)
		srv.Close()
		if !errors.Is(err, retry.ErrBodyTooLarge) {
			t.Fatalf("prefix %q: err = %v, want ErrBodyTooLarge", prefix, err)
		}
		var me *model.Error
		if !errors.As(err, &me) {
			t.Fatalf("prefix %q: err %T is not a *model.Error", prefix, err)
		}
		AssertNoSecret(t, err, "", key)
		heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("1 GiB body (prefix %q): stopped after the server sent %d MiB; heap growth %d MiB, total allocated %d MiB; error: %v",
			prefix, sent.Load()>>20, heap>>20, alloc>>20, err)
		if heap > 100<<20 || alloc > 256<<20 {
			t.Fatalf("heap grew by %d bytes (total allocated %d) for a capped body", heap, alloc)
		}
		if sent.Load() > 512<<20 {
			t.Fatalf("the server sent %d bytes before the client stopped reading", sent.Load())
		}
	}
}
