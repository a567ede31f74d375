package secretstest

import (
	"testing"

	"github.com/anyca/anyca/internal/testsupport/fuzzseed"
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

// Answer is the Decoder of one answer type: decode (the adapter's own decode path for the
// operation that reads the answer) fills a new T from the body; check, when not nil, then
// maps it the way the client does, checks what it mapped, and returns the mapping's error.
// A decode error is returned as it is.
func Answer[T any](decode func(body []byte, v any) error, check func(t *testing.T, body []byte, v *T) error) Decoder {
	return func(t *testing.T, body []byte) error {
		v := new(T)
		if err := decode(body, v); err != nil {
			return err
		}
		if check == nil {
			return nil
		}
		return check(t, body, v)
	}
}

// Items maps every item of a decoded list with mapItem, as a listing does, and checks
// each result with check and each mapping error with fuzzseed.CheckModelError, so that
// one bad item does not hide the others. It returns the first mapping error.
func Items[W, M any](t *testing.T, items []W, mapItem func(*W) (M, error), check func(*testing.T, M)) error {
	t.Helper()
	var first error
	for i := range items {
		m, err := mapItem(&items[i])
		if err != nil {
			fuzzseed.CheckModelError(t, err)
			if first == nil {
				first = err
			}
			continue
		}
		check(t, m)
	}
	return first
}

// Fuzz is a fuzz target's body: every input runs through each named decoder with
// DecodeSafely (no panic; an error is a *model.Error with a kind from model.Kinds),
// whatever the decoders before it made of the input. The corpus is the caller's to seed
// (fuzzseed.AddFiles). A name with no decoder fails f at once.
func Fuzz(f *testing.F, decoders map[string]Decoder, names ...string) {
	f.Helper()
	if len(names) == 0 {
		f.Fatal("secretstest.Fuzz: no decoder named")
	}
	for _, n := range names {
		if decoders[n] == nil {
			f.Fatalf("secretstest.Fuzz: no decoder %q", n)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, n := range names {
			DecodeSafely(t, n, decoders[n], body)
		}
	})
}
