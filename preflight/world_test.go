package preflight

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

// world is a small DNS on loopback: a caching resolver that knows the NS set of
// example.test (and may hold stale records), the authoritative server of test. and
// example.test, which delegates child.example.test to its own authoritative server.
type world struct {
	resolver, parent, child *zoneServer
}

const soaParent = "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 300"

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{resolver: newResolver(t), parent: newZoneServer(t, "test.", "example.test."), child: newZoneServer(t, "child.example.test.")}
	w.resolver.add(
		"test. 300 IN NS ns1.example.test.",
		"example.test. 300 IN NS ns1.example.test.",
		"ns1.example.test. 300 IN A 127.0.0.1",
	)
	w.parent.add(
		"test. 300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 300",
		"test. 300 IN NS ns1.example.test.",
		soaParent,
		"example.test. 300 IN NS ns1.example.test.",
		"ns1.example.test. 300 IN A 127.0.0.1",
		"child.example.test. 300 IN NS ns.child.example.test.",
		"ns.child.example.test. 300 IN A 127.0.0.1",
	)
	w.child.add(
		"child.example.test. 300 IN SOA ns.child.example.test. hostmaster.child.example.test. 1 7200 900 1209600 300",
		"child.example.test. 300 IN NS ns.child.example.test.",
		"ns.child.example.test. 300 IN A 127.0.0.1",
	)
	return w
}

// opts points Check at the world: the resolver, and each nameserver name at its port.
func (w *world) opts() Options {
	return Options{
		Resolvers: []string{w.resolver.addr},
		NameserverAddrs: map[string][]string{
			"ns1.example.test":      {w.parent.addr},
			"ns.child.example.test": {w.child.addr},
		},
		DNSTimeout: 2 * time.Second,
	}
}

// count is how many queries for name and type a server got.
func count(s *zoneServer, name string, qtype uint16) int {
	n := 0
	for _, q := range s.asked() {
		if q == dns.CanonicalName(name)+" "+dns.TypeToString[qtype] {
			n++
		}
	}
	return n
}
