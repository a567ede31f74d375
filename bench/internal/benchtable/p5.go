package main

import "fmt"

// P5 (issue 25): one issuance on Pebble per op, anyca against the floor (the same flow
// as raw acmez calls, plus the work anyca's guarantees cost it) and go-acme/lego v5.

// p5CPUBound is P5's client-CPU goal: anyca's at most this times the floor's.
const p5CPUBound = 1.15

// p5Goals judges issue 25's P5 goals: requests equal to the floor's (none more, so no
// extra nonce fetch), client CPU at most p5CPUBound x the floor's, and ahead of lego
// (fewer requests and less CPU).
func p5Goals() []goal {
	a, f, l := "P5Issue/anyca", "P5Issue/floor", "P5Issue/lego"
	ahead := func(what, unit string) ratioCheck {
		c := vs(what, a, l, unit, 1, true)
		c.strict = true
		return c
	}
	return []goal{
		judge("P5 requests: no more than the floor's per issuance (no extra nonce fetch)", vs("requests", a, f, "req/op", 1, true)),
		judge(fmt.Sprintf("P5 client CPU: at most %.2fx the floor's", p5CPUBound), vs("CPU", a, f, "cpu-ns/op", p5CPUBound, true)),
		judge("P5 ahead of lego v5 on client CPU and requests (ratio anyca/lego below 1)", ahead("CPU", "cpu-ns/op"), ahead("requests", "req/op")),
	}
}

// writeP5 renders BenchmarkP5Issue and its goals, if it ran.
func writeP5(w func(string, ...any)) {
	if !has("P5Issue/") {
		return
	}
	w("\n### P5: one ACME issuance on Pebble (issue 25)\n\n")
	w("%s", loadLine(loads, "P5Issue"))
	w("Pebble v2.10.3 (acme/acmetest) in the child process, always-valid, no VA sleep, no nonce rejection; each client registers its account before the timer; an op orders one name, answers dns-01, waits for the authorization (5 ms polls), finalizes a CSR made before the timer and downloads the chain. Requests are counted by the server; client CPU is the benchmark process's. The floor is the same flow as raw mholt/acmez v3 calls (its chain download also fetches the ARI renewal info, answered by its own transport) plus, written by hand, the work anyca's guarantees cost anyca: the CSR checked before newOrder (parse, signature, names), the order mapped into the model.Certificate Order returns, a record of each order kept, the chain read into the model.Bundle Download returns; TestP5FloorMatchesAnyca checks that it returns what anyca returns and refuses, before any request, the CSRs anyca refuses.\n\n")
	w("| client | time/op | client CPU/op | requests/op | B/op | allocs/op | CPU vs floor | requests vs floor |\n|---|---|---|---|---|---|---|---|\n")
	for impl, name := range ran("P5Issue/", "floor", "anyca", "lego") {
		r := pairedRatios(name, "P5Issue/floor", "cpu-ns/op", "req/op")
		w("| %s | %s%s | %s%s | %.1f | %s | %s | %.2fx | %.2fx |\n", impl, dur(median(name, "ns/op")), spread(name, "ns/op"),
			dur(median(name, "cpu-ns/op")), spread(name, "cpu-ns/op"), median(name, "req/op"), num(median(name, "B/op")), num(median(name, "allocs/op")), r[0], r[1])
	}
	gs := p5Goals()
	w("\n")
	for _, g := range gs {
		status := "**" + g.status + "**"
		if g.status == "met" {
			status = "met"
		}
		w("- %s: %s. %s.\n", g.name, status, g.detail)
	}
}
