// Package reliability holds cross-adapter reliability tests and nothing else: every
// adapter (digicert, zerossl) is driven through the public anyca API against its
// in-memory fake, with faults injected by the fake (429 with Retry-After, 5xx with JSON
// or HTML bodies, connection resets, truncated bodies, slow answers), from many
// goroutines at once, and with contexts cancelled while a call waits on the network, the
// rate limiter or a Retry-After. The tests also check that no goroutine outlives a
// broken-off iteration or a cancelled call. docs/reliability.md in the repository
// records the scenarios, the figures they produce and how to run them.
package reliability
