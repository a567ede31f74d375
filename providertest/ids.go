package providertest

import (
	"errors"
	"net/url"
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
// request. Where ids are URLs (Capabilities.URLIDs), the URL rule of model.CheckURLID is
// asserted instead: an id not on the CA's origin is ErrNotFound with no request sent.
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
	rule := "ids are opaque"
	unknown, notTheCAs, never := opaqueIDCases(known)
	if s.h.Capabilities.URLIDs {
		rule = "ids are the CA's URLs"
		unknown, notTheCAs, never = urlIDCases(t, known)
	}
	for op, call := range calls {
		for _, id := range unknown {
			before := f.Requests()
			err := call(id)
			if !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInvalidArgument) {
				t.Errorf("%s(%q): %s: want the CA's ErrNotFound for an id it does not know, got %v", op, id, rule, err)
			}
			if f.Requests() == before {
				t.Errorf("%s(%q): no request reached the CA: an id of another shape must still be looked up", op, id)
			}
		}
		for _, id := range notTheCAs {
			before := f.Requests()
			err := call(id)
			if !errors.Is(err, model.ErrNotFound) || errors.Is(err, model.ErrInvalidArgument) {
				t.Errorf("%s(%q): an id that is not a URL of the CA names none of its objects: want ErrNotFound, got %v", op, id, err)
			}
			if n := f.Requests() - before; n != 0 {
				t.Errorf("%s(%q): %d requests sent for an id that is not a URL of the CA", op, id, n)
			}
		}
		for _, id := range never {
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

// opaqueIDCases are the ids OpaqueIDs calls with, for opaque ids (model.CheckID):
// unknown ids of other shapes the CA must be asked about, and ids that can never be one.
func opaqueIDCases(known string) (unknown, notTheCAs, never []string) {
	unknown = []string{"OID-223344", "oid 22?33#44%2F55"}
	never = []string{"../" + known, known + "/status", "..", known[:1] + "\n" + known[1:], known[:1] + "\x1b" + known[1:], "a\x00b",
		strings.Repeat("9", model.MaxIDLength+44)}
	return unknown, nil, never
}

// urlIDCases are the ids OpaqueIDs calls with when ids are URLs (Capabilities.URLIDs,
// model.CheckURLID), from known, the URL of a certificate: URLs on the CA's origin it
// does not know, ids that are not URLs of the CA, and ids that can never be URL ids.
func urlIDCases(t *testing.T, known string) (unknown, notTheCAs, never []string) {
	u, err := url.Parse(known)
	if err != nil || u.Host == "" {
		t.Fatalf("Capabilities.URLIDs: the certificate id %q is not an absolute URL", known)
	}
	other := *u
	other.Host = "ca.invalid"
	unknown = []string{known + "0", known + "/status"}
	notTheCAs = []string{"OID-223344", "oid 22?33#44%2F55", other.String(), u.Path}
	never = []string{"../" + known, known + "/../status", "..", known[:1] + "\n" + known[1:], known[:1] + "\x1b" + known[1:], "a\x00b",
		known + "?" + strings.Repeat("9", model.MaxURLIDLength)}
	return unknown, notTheCAs, never
}
