package fakeca

import (
	"testing"

	"github.com/anyca/anyca/model"
)

func TestPublication(t *testing.T) {
	var p Publication
	ch := &model.Challenge{Domain: "a.example.com", Type: model.ChallengeDNSTXT}
	if p.Published("a.example.com", ch) {
		t.Fatal("nothing published yet")
	}
	p.Publish(" A.Example.COM. ")
	if !p.Published("a.example.com", ch) {
		t.Fatal("Publish takes the name in any case, with a trailing dot")
	}
	if p.Published("a.example.com", nil) {
		t.Fatal("a missing challenge is never published")
	}
	asked := 0
	p.SetHook(func(c model.Challenge) bool { asked++; return c.Domain == "b.example.com" })
	if !p.Published("b.example.com", &model.Challenge{Domain: "b.example.com"}) || p.Published("c.example.com", &model.Challenge{Domain: "c.example.com"}) {
		t.Fatal("the hook decides for names not marked")
	}
	if asked != 2 {
		t.Fatalf("hook asked %d times, want 2", asked)
	}
	if got := NormName(" Bad..Name "); got != "bad..name" {
		t.Fatalf("NormName of an invalid name = %q, want it lower-cased and trimmed", got)
	}
}
