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

	"github.com/anyca/anyca/internal/fuzzseed"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// Decoder decodes body as one of an adapter's answers, through the adapter's own decode
// and map functions; a rejection must be a *model.Error with a kind.
type Decoder func(t *testing.T, body []byte) error

// DecodeSafely runs dec on body and fails t on a panic or on an error that is not a
// *model.Error with a kind. It returns dec's error.
func DecodeSafely(t *testing.T, name string, dec Decoder, body []byte) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s decoder panicked on %.200q: %v", name, body, r)
		}
	}()
	if err = dec(t, body); err != nil {
		fuzzseed.CheckModelError(t, err)
	}
	return err
}

// RunWrongTypes decodes every WrongTypes variant of each fixture (a file of dir, mapped
// to the name of its decoder) and fails t on a panic, on an error that is no
// *model.Error, or when fewer than least variants were made. repair, when not nil, is
// given a fixture that is not JSON (a vendor's own example can be broken) to fix.
func RunWrongTypes(t *testing.T, dir string, fixtures map[string]string, decoders map[string]Decoder, least int, repair func([]byte) []byte) {
	t.Helper()
	total, rejected := 0, 0
	for file, name := range fixtures {
		body, err := os.ReadFile(filepath.Join(dir, file))
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
		for _, v := range variants {
			total++
			if DecodeSafely(t, name, decoders[name], v.Body) != nil {
				rejected++
			}
		}
	}
	if total < least {
		t.Fatalf("only %d variants", total)
	}
	t.Logf("%d wrong-type variants decoded: %d accepted, %d rejected with *model.Error, no panic", total, total-rejected, rejected)
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

// RunHugeBody serves a 1 GiB answer starting with prefix, without building it, to call
// (which builds a client on baseURL with body cap HugeBodyCap and makes one request) and
// fails t unless the client stops at the cap with retry.ErrBodyTooLarge in a
// *model.Error, the heap grows by less than 100 MB and the server sent at most 512 MiB.
func RunHugeBody(t *testing.T, prefix string, call func(ctx context.Context, baseURL string) error) {
	t.Helper()
	var sent atomic.Int64
	srv := httptest.NewServer(Stream(1<<30, prefix, &sent))
	defer srv.Close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := call(context.Background(), srv.URL)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, retry.ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("err %T is not a *model.Error", err)
	}
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

// Bind turns decoders that take a client into Decoders on c, for the runners above.
func Bind[C any](decoders map[string]func(t *testing.T, c C, body []byte) error, c C) map[string]Decoder {
	out := make(map[string]Decoder, len(decoders))
	for name, dec := range decoders {
		out[name] = func(t *testing.T, body []byte) error { return dec(t, c, body) }
	}
	return out
}
