package secretstest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/anyca/anyca/model"
)

func TestAnswerDecodesThenChecks(t *testing.T) {
	decode := func(body []byte, v any) error {
		if err := json.Unmarshal(body, v); err != nil {
			return &model.Error{Kind: model.ErrUnavailable, Message: "malformed"}
		}
		return nil
	}
	var seen []int
	dec := Answer(decode, func(t *testing.T, _ []byte, v *[]int) error {
		seen = *v
		return nil
	})
	if err := dec(t, []byte(`[1,2]`)); err != nil || len(seen) != 2 {
		t.Fatalf("err %v, checked %v", err, seen)
	}
	seen = nil
	if err := dec(t, []byte(`{`)); model.KindOf(err) != model.ErrUnavailable || seen != nil {
		t.Fatalf("a decode error: err %v, and check ran on %v", err, seen)
	}
	if err := Answer[[]int](decode, nil)(t, []byte(`[3]`)); err != nil {
		t.Fatalf("no check: %v", err)
	}
}

func TestItemsChecksEveryItemAndReturnsTheFirstError(t *testing.T) {
	bad := &model.Error{Kind: model.ErrInvalidArgument, Message: "first"}
	worse := &model.Error{Kind: model.ErrInvalidArgument, Message: "second"}
	var checked []string
	err := Items(t, []string{"a", "bad", "b", "worse", "c"}, func(s *string) (string, error) {
		switch *s {
		case "bad":
			return "", bad
		case "worse":
			return "", worse
		}
		return *s + "!", nil
	}, func(_ *testing.T, m string) { checked = append(checked, m) })
	if !errors.Is(err, bad) {
		t.Fatalf("err = %v, want the first mapping error", err)
	}
	if len(checked) != 3 || checked[0] != "a!" || checked[2] != "c!" {
		t.Fatalf("checked %q, want every item that mapped", checked)
	}
}
