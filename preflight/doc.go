// Package preflight checks from the outside, before the CA is asked, that a DCV challenge
// is published right and that no CAA record forbids the CA.
//
// Check looks at what the CA will look at:
//
//   - dns-txt and dns-cname: the record is read from the zone's authoritative nameservers,
//     found by walking NS records from a configured resolver and following referrals, so a
//     caching resolver's stale answer cannot make a check pass or fail. TXT values are
//     compared exactly (the strings of one record joined); CNAME targets without regard to
//     case or a trailing dot, following chains. NXDOMAIN, SERVFAIL, timeouts and truncated
//     answers (retried over TCP) each have their own Reason.
//   - http-file and https-file: the exact URL is fetched with no redirect followed, under
//     connect and read timeouts and a body cap, and the body compared byte for byte; a
//     difference that is only a trailing newline, a byte-order mark or whitespace is named
//     as such.
//   - email: reported as not checkable.
//   - CAA (when Options.CAAIdentities is set): the CAA set that applies to the domain is
//     found by climbing from the name to its parents as RFC 8659 says, and the CA's issuer
//     identities must be allowed by its issue (or, for a wildcard, issuewild) properties.
//
// The package knows no CA: identities come from Options (anyca.CAAIdentities gives a
// provider's). Servers, ports, dialers and timeouts are options, so tests and simulators
// point Check at their own loopback servers.
package preflight
