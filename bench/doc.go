// Package bench measures what anyca costs its users compared with hand-written net/http +
// encoding/json calls (the floor) and with github.com/caddyserver/zerossl, against the
// project's fakes on loopback. It is a separate module so that the library's dependencies
// stay as they are. Run everything with `bash bench/run.sh` from the repository root.
//
// The fakes for P1-P3 run in a child process (this test binary re-executed, see
// fakeproc_test.go), so that B/op, allocs/op and the peak heap figures are the client's
// alone; P4 runs the DigiCert fake in-process behind a rate-limiting middleware.
package bench
