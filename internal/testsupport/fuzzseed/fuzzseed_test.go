package fuzzseed_test

import (
	"errors"
	"testing"

	"github.com/anyca/anyca/internal/testsupport/fuzzseed"
	"github.com/anyca/anyca/model"
)

func TestIsKind(t *testing.T) {
	for _, k := range model.Kinds() {
		if !fuzzseed.IsKind(k) {
			t.Errorf("%v is a kind", k)
		}
	}
	if fuzzseed.IsKind(errors.New("other")) || fuzzseed.IsKind(nil) {
		t.Error("an error that is no kind was taken for one")
	}
}

func TestCheckModelErrorAccepts(t *testing.T) {
	fuzzseed.CheckModelError(t, &model.Error{Kind: model.ErrNotFound})
	fuzzseed.CheckNormalized(t, "name", "example.com", "", "not a name!")
}
