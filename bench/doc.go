// Package bench measures what anyca costs its users compared with hand-written net/http +
// encoding/json calls (the floor) and with github.com/caddyserver/zerossl, against the
// project's fakes on loopback. It is a separate module, outside the repository's go.work,
// so that the library's dependencies stay as they are: run it with GOWORK=off, or
// everything at once with `bash bench/run.sh` from the repository root.
//
// P1 looks one certificate up; P2 looks 1,000 DigiCert certificates up by id; P3 walks
// listings of 10,000 and 100,000 items and measures the peak heap; ListDecode reads one
// 1,000-item page per op and reports items per second of client CPU against a floor that
// maps the same page into the same model values (TestListDecodeFloorMatchesAnyca checks
// that it does); P4 runs a client against a rate-limited fake; P5 issues one certificate
// per op on Pebble (acme/acmetest) through anyca, through the same flow as raw
// mholt/acmez calls plus the CSR check, mapping, record and chain reading anyca's
// guarantees cost it (the floor; TestP5FloorMatchesAnyca checks that it returns what
// anyca returns) and through go-acme/lego v5, and reports requests per issuance (counted
// by the server) and client CPU.
//
// The fakes for P1-P3, ListDecode and P5 (Pebble) run in a child process (this test binary
// re-executed, see fakeproc_test.go), so that B/op, allocs/op, client CPU and the peak
// heap figures are the client's alone; P4 runs the DigiCert fake in-process behind a
// rate-limiting middleware.
package bench
