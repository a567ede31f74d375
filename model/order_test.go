package model_test

import (
	"testing"
	"time"

	"github.com/anyca/anyca/model"
)

func TestLifetimeRenewalWindow(t *testing.T) {
	nb := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, days := range []int{6, 90, 397} {
		c := &model.Certificate{NotBefore: nb, NotAfter: nb.AddDate(0, 0, days)}
		w, ok := model.LifetimeRenewalWindow(c)
		if !ok {
			t.Fatalf("%d days: no window", days)
		}
		if want := c.NotAfter.Add(-time.Duration(days) * 24 * time.Hour / 3); !w.Start.Equal(want) || !w.End.Equal(c.NotAfter) || w.FromCA {
			t.Errorf("%d days: window %v..%v FromCA=%v, want %v..%v from the lifetime", days, w.Start, w.End, w.FromCA, want, c.NotAfter)
		}
		if w.Open(w.Start.Add(-time.Second)) || !w.Open(w.Start) || !w.Open(c.NotAfter.Add(time.Hour)) {
			t.Errorf("%d days: Open wrong around the start", days)
		}
	}
	for _, c := range []*model.Certificate{nil, {}, {NotBefore: nb}, {NotBefore: nb, NotAfter: nb}} {
		if _, ok := model.LifetimeRenewalWindow(c); ok {
			t.Errorf("%+v: a window without a lifetime", c)
		}
	}
}

func TestRevocationReasonCodes(t *testing.T) {
	want := map[model.RevocationReason]int{"": 0, model.ReasonUnspecified: 0, model.ReasonKeyCompromise: 1,
		model.ReasonAffiliationChanged: 3, model.ReasonSuperseded: 4, model.ReasonCessationOfOperation: 5}
	for r, code := range want {
		if got, ok := r.Code(); !ok || got != code {
			t.Errorf("%q.Code() = %d, %v; want %d", r, got, ok, code)
		}
	}
	if _, ok := model.RevocationReason("privilege_withdrawn").Code(); ok {
		t.Error("an unknown reason has a code")
	}
	if len(model.RevocationReasons()) != 5 {
		t.Error("RevocationReasons does not list the five reasons")
	}
}
