package main

import (
	"fmt"
	"math"
	"strings"
)

// The bounds of issue 12's goals, as ratios of anyca's figure to the floor's (P1 and
// list-decode) or of the 100,000-item figure to the 10,000-item one (P3 heap).
const (
	p1TimeBound     = 1.10 // P1 wall time and client CPU, at most
	p1AllocsBound   = 1.5  // P1 allocations, at most
	p3HeapBound     = 1.2  // P3 peak heap at 100,000 vs 10,000 items, at most
	listDecodeBound = 0.8  // items per client CPU second, at least
)

// goal is one of issue 12's goals, judged from the medians of the run.
type goal struct {
	name   string
	status string // "met", "missed" or "not measured"
	detail string // the figures the status follows from
}

// listDecodeCases are the BenchmarkListDecode sub-benchmarks, anyca and floor each.
var listDecodeCases = []string{"digicert-orders", "digicert-domains", "zerossl-certificates"}

// ratioCheck is one ratio against its bound: at most (atMost) or at least the bound.
type ratioCheck struct {
	what    string
	ratio   float64
	bound   float64
	atMost  bool
	strict  bool   // the bound itself fails (being ahead, not level)
	numbers string // the two figures the ratio comes from
}

func (c ratioCheck) ok() bool {
	switch {
	case c.atMost && c.strict:
		return c.ratio < c.bound
	case c.atMost:
		return c.ratio <= c.bound
	case c.strict:
		return c.ratio > c.bound
	}
	return c.ratio >= c.bound
}

func (c ratioCheck) String() string {
	op := map[[2]bool]string{{true, false}: "<=", {true, true}: "<", {false, false}: ">=", {false, true}: ">"}[[2]bool{c.atMost, c.strict}]
	mark := "ok"
	if !c.ok() {
		mark = "**no**"
	}
	return fmt.Sprintf("%s %.2fx (%s; want %s %.2fx) %s", c.what, c.ratio, c.numbers, op, c.bound, mark)
}

// judge turns a set of checks into a goal: not measured if any ratio is missing (NaN or
// infinite), met if every check holds, else missed.
func judge(name string, checks ...ratioCheck) goal {
	g := goal{name: name, status: "met"}
	var parts []string
	for _, c := range checks {
		if math.IsNaN(c.ratio) || math.IsInf(c.ratio, 0) {
			return goal{name: name, status: "not measured", detail: c.what + ": no figures in this run"}
		}
		if !c.ok() {
			g.status = "missed"
		}
		parts = append(parts, c.String())
	}
	g.detail = strings.Join(parts, "; ")
	return g
}

// vs is name's figure for unit over base's, with both medians: the ratio is pairedRatio's.
func vs(what, name, base, unit string, bound float64, atMost bool) ratioCheck {
	a, b := median(name, unit), median(base, unit)
	r, rounds := pairedRatio(name, base, unit)
	numbers := num(a) + " vs " + num(b) + " " + unit
	if len(rounds) > 1 {
		parts := make([]string, len(rounds))
		for i, x := range rounds {
			parts[i] = fmt.Sprintf("%.2f", x)
		}
		numbers += ", medians; round by round " + strings.Join(parts, ", ")
	}
	return ratioCheck{what: what, ratio: r, bound: bound, atMost: atMost, numbers: numbers}
}

// pairedRatio compares name with base round by round: the median of name's figure over
// base's in the same round (run.sh runs every benchmark function once per round, so the
// i-th sample of each is the i-th round's), with the per-round ratios. Pairing keeps a
// drift of the machine's load between rounds out of the ratio: the two medians can come
// from different rounds, their ratio then comparing one load with another. When the two
// have different numbers of samples (a round lost) the rounds cannot be paired, and the
// ratio is that of the medians, with no rounds.
func pairedRatio(name, base, unit string) (float64, []float64) {
	a, b := samples[name][unit], samples[base][unit]
	if len(a) == 0 || len(a) != len(b) {
		return median(name, unit) / median(base, unit), nil
	}
	rounds := make([]float64, len(a))
	for i := range a {
		rounds[i] = a[i] / b[i]
	}
	return medianOf(rounds), rounds
}

// pairedRatios is pairedRatio of name over base for each unit, in order.
func pairedRatios(name, base string, units ...string) []float64 {
	out := make([]float64, len(units))
	for i, u := range units {
		out[i], _ = pairedRatio(name, base, u)
	}
	return out
}

// issue12Goals judges every goal of issue 12 from the samples parsed.
func issue12Goals() []goal {
	var gs []goal
	for _, vendor := range []string{"digicert", "zerossl"} {
		a, f := "P1Lookup/"+vendor+"/anyca", "P1Lookup/"+vendor+"/floor"
		gs = append(gs, judge(fmt.Sprintf("P1 %s: at most %.2fx the floor's wall time and client CPU, at most %.2gx its allocations", vendor, p1TimeBound, p1AllocsBound),
			vs("time", a, f, "ns/op", p1TimeBound, true),
			vs("CPU", a, f, "cpu-ns/op", p1TimeBound, true),
			vs("allocs", a, f, "allocs/op", p1AllocsBound, true)))
	}
	a, peer := "P1Lookup/zerossl/anyca", "P1Lookup/zerossl/caddyserver-zerossl"
	ahead := func(what, unit string) ratioCheck {
		c := vs(what, a, peer, unit, 1, true)
		c.strict = true // a tie is not ahead
		return c
	}
	gs = append(gs, judge("P1 zerossl: ahead of caddyserver/zerossl on time, CPU, allocations and bytes (ratio anyca/peer below 1)",
		ahead("time", "ns/op"), ahead("CPU", "cpu-ns/op"), ahead("allocs", "allocs/op"), ahead("bytes", "B/op")))
	for _, vendor := range []string{"digicert", "zerossl"} {
		big, small := maxOf("P3List/"+vendor+"/100000", "peak-heap-MB"), maxOf("P3List/"+vendor+"/10000", "peak-heap-MB")
		gs = append(gs, judge(fmt.Sprintf("P3 %s: peak heap at 100,000 items at most %.2gx that at 10,000", vendor, p3HeapBound),
			ratioCheck{what: "peak heap", ratio: big / small, bound: p3HeapBound, atMost: true,
				numbers: fmt.Sprintf("%.1f MB vs %.1f MB", big, small)}))
	}
	var checks []ratioCheck
	for _, c := range listDecodeCases {
		checks = append(checks, vs(c, "ListDecode/"+c+"/anyca", "ListDecode/"+c+"/floor", "items/cpu-s", listDecodeBound, false))
	}
	gs = append(gs, judge(fmt.Sprintf("P3 list-decode: at least %.2gx the floor's items per second of client CPU, on a 1,000-item page", listDecodeBound), checks...))
	return gs
}

// writeGoals renders the goals as a list, each with its verdict and figures.
func writeGoals(w func(string, ...any), gs []goal) {
	w("\n### Goals of issue 12\n\n")
	w("Each verdict is computed by `bench/internal/benchtable` from the figures above: a ratio is the median over the rounds of anyca's figure over its counterpart's in the same round (peak heap: the largest over the runs); \"not measured\" means a figure is missing from this run.\n\n")
	met := 0
	for _, g := range gs {
		status := "**" + g.status + "**"
		if g.status == "met" {
			met++
			status = "met"
		}
		w("- %s: %s. %s.\n", g.name, status, g.detail)
	}
	w("\n%d of %d goals met.\n", met, len(gs))
}
