package fakeca

import (
	"io"
	"net/http"
	"testing"

	"github.com/anyca/anyca/model"
)

// hookedFake is the smallest fake: a Base and a Publication, configured by options.
type hookedFake struct {
	*Base
	Publication
	applied []string
}

func TestConfigureStartedWithHook(t *testing.T) {
	tag := func(name string) func(*hookedFake) {
		return func(f *hookedFake) { f.applied = append(f.applied, name) }
	}
	f := &hookedFake{Base: NewBase("/v1", nil, nil, http.NotFound)}
	opts := []func(*hookedFake){tag("first"), WithHook[*hookedFake](func(c model.Challenge) bool { return c.Domain == "a.example" }), tag("last")}
	if got := Configure(f, opts); got != f {
		t.Fatal("Configure must return the value it configured")
	}
	if len(f.applied) != 2 || f.applied[0] != "first" || f.applied[1] != "last" {
		t.Fatalf("options applied as %v, want [first last] in order", f.applied)
	}
	if !f.Published("a.example", &model.Challenge{Domain: "a.example"}) || f.Published("b.example", &model.Challenge{Domain: "b.example"}) {
		t.Fatal("WithHook must set the publication hook that decides unmarked names")
	}
	if f.URL != "" {
		t.Fatal("an unstarted fake has no URL")
	}
	f.Handle("GET /ping", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "pong") })
	if Started(f) != f {
		t.Fatal("Started must return the fake it started")
	}
	defer f.Close()
	resp, err := http.Get(f.URL + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "pong" {
		t.Fatalf("started fake answered %q, want pong from its route under the prefix", body)
	}
}
