package providertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
)

// testOpaqueIDs proves the kit's id rule (wire.CheckID) for every adapter, on the ids a
// caller passes in: ids are the CA's and opaque, so an id of any printable shape
// ("OID-223344", one with spaces, '?', '#' or '%') is looked up, escaped as one path
// segment, and an unknown one is ErrNotFound from the CA; only what can never be an id
// ('/', "..", a control character, over 256 bytes) is ErrInvalidArgument, before any
// request.
func (s *suite) testOpaqueIDs(t *testing.T) {
	f := s.startFake(t)
	p := singleShot(t, f)
	calls := map[string]func(id string) error{
		"Certificate": func(id string) error { _, err := p.Certificate(ctxFor(t), id); return err },
		"Challenges":  func(id string) error { _, err := p.Challenges(ctxFor(t), id); return err },
	}
	if s.h.Capabilities.Downloader {
		calls["Download"] = func(id string) error { _, err := anyca.Download(ctxFor(t), p, id); return err }
	}
	if s.h.Capabilities.Verifier {
		calls["Verify"] = func(id string) error { _, err := anyca.Verify(ctxFor(t), p, id, ""); return err }
	}
	if s.h.Capabilities.Revoker {
		calls["Revoke"] = func(id string) error { return anyca.Revoke(ctxFor(t), p, id, model.ReasonSuperseded) }
	}
	if s.h.Capabilities.Canceller {
		calls["Cancel"] = func(id string) error { return anyca.Cancel(ctxFor(t), p, id) }
	}
	known := f.Want.Certificates[0].ID
	for op, call := range calls {
		for _, id := range []string{"OID-223344", "oid 22?33#44%2F55"} {
			before := f.Requests()
			err := call(id)
			if !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInvalidArgument) {
				t.Errorf("%s(%q): ids are opaque: want the CA's ErrNotFound for an id it does not know, got %v", op, id, err)
			}
			if f.Requests() == before {
				t.Errorf("%s(%q): no request reached the CA: an id of another shape must still be looked up", op, id)
			}
		}
		for _, id := range []string{"../" + known, known + "/status", "..", known[:1] + "\n" + known[1:], known[:1] + "\x1b" + known[1:], "a\x00b", strings.Repeat("9", 300)} {
			before := f.Requests()
			err := call(id)
			if !errors.Is(err, model.ErrInvalidArgument) {
				t.Errorf("%s(%q): an id that can never be one must be ErrInvalidArgument, got %v", op, id, err)
			}
			if n := f.Requests() - before; n != 0 {
				t.Errorf("%s(%q): %d requests sent for an id that can never be one", op, id, n)
			}
		}
	}
}
