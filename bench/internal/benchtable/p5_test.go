package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestP5GoalsFollowTheFigures: the P5 verdicts come from the req/op and cpu-ns/op
// figures alone, and the section renders only when P5 ran.
func TestP5GoalsFollowTheFigures(t *testing.T) {
	run := func(anycaReq, anycaCPU string) {
		parseString(t, strings.Join([]string{
			"LOAD|P5Issue|round 1|0.41 0.50 0.60 1/200 300",
			"BenchmarkP5Issue/anyca-2 3 20000000 ns/op " + anycaCPU + " cpu-ns/op " + anycaReq + " req/op 400000 B/op 4000 allocs/op",
			"BenchmarkP5Issue/floor-2 3 18000000 ns/op 3000000 cpu-ns/op 8.000 req/op 380000 B/op 3800 allocs/op",
			"BenchmarkP5Issue/lego-2 3 3300000000 ns/op 6000000 cpu-ns/op 10.00 req/op 900000 B/op 9000 allocs/op",
		}, "\n")+"\n")
	}
	run("8.000", "3300000")
	for prefix, want := range map[string]string{"P5 requests": "met", "P5 client CPU": "met", "P5 ahead": "met"} {
		if got := goalStatus(t, p5Goals(), prefix); got != want {
			t.Errorf("%s: %s, want %s", prefix, got, want)
		}
	}
	var b strings.Builder
	writeP5(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) })
	if !strings.Contains(b.String(), "### P5") || !strings.Contains(b.String(), "| anyca |") {
		t.Errorf("P5 section:\n%s", b.String())
	}
	run("13.00", "3600000") // 1.62x the requests, 1.2x the CPU
	for prefix, want := range map[string]string{"P5 requests": "missed", "P5 client CPU": "missed", "P5 ahead": "missed"} {
		if got := goalStatus(t, p5Goals(), prefix); got != want {
			t.Errorf("%s: %s, want %s", prefix, got, want)
		}
	}
	parseString(t, "LOAD|run|start|0.10 0.10 0.10\n")
	for _, g := range p5Goals() {
		if g.status != "not measured" {
			t.Errorf("%s: %s without figures", g.name, g.status)
		}
	}
}
