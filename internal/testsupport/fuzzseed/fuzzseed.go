// Package fuzzseed is what the adapters' fuzz targets share: seeding a target from the
// adapter's testdata/ files, and the properties every decoder must keep (an error is a
// *model.Error with a kind from model.Kinds, a mapped domain name is already
// normalized). The targets themselves, over each adapter's own decoders, stay in the
// adapters.
package fuzzseed

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anyca/anyca/model"
)

// AddFiles adds every regular file of dir to f's corpus, then each of extra.
func AddFiles(f *testing.F, dir string, extra ...string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// CheckModelError fails t unless err is a *model.Error whose kind is one of
// model.Kinds, and prints it once (printing must not panic either).
func CheckModelError(t testing.TB, err error) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || me.Kind == nil {
		t.Fatalf("error is not a *model.Error with a kind: %T %v", err, err)
	}
	if !IsKind(me.Kind) {
		t.Fatalf("error kind %v is not one of model.Kinds: %v", me.Kind, err)
	}
	_ = me.Error()
}

// IsKind reports whether k is one of model.Kinds.
func IsKind(k error) bool { return slices.Contains(model.Kinds(), k) }

// CheckNormalized fails t when one of names is a valid domain name but not in normal
// form (what names the field, for the message).
func CheckNormalized(t testing.TB, what string, names ...string) {
	t.Helper()
	for _, n := range names {
		if n == "" {
			continue
		}
		if norm, err := model.NormalizeDomain(n); err == nil && norm != n {
			t.Fatalf("%s %q is not normalized (want %q)", what, n, norm)
		}
	}
}
