// Command benchtable turns the output of bench/run.sh (go test -bench lines, the "P4|"
// lines of TestP4RateLimit and the "LOAD|" load-average readings) into the benchmark
// section of BENCHMARKS.md, between the markers <!-- bench:start --> and
// <!-- bench:end -->, leaving the rest of the file as it is. Every goal's verdict is
// computed from the figures. It refuses to write when the run started on a machine
// loaded above 1.5 x nproc, unless -force is given; with -check-load it only makes that
// check, on a /proc/loadavg line, so run.sh can refuse before running anything.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

const (
	startMark = "<!-- bench:start -->"
	endMark   = "<!-- bench:end -->"
)

// samples[name][unit] holds one value per -count run.
var samples = map[string]map[string][]float64{}

var procSuffix = regexp.MustCompile(`-\d+$`)

// loads holds the LOAD readings of the run, in order.
var loads []loadMark

func parse(path string) (p4 []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "P4|") {
			p4 = append(p4, line)
			continue
		}
		if m, ok := parseLoad(line); ok {
			loads = append(loads, m)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 {
			continue
		}
		name := procSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
		m := samples[name]
		if m == nil {
			m = map[string][]float64{}
			samples[name] = m
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			m[fields[i+1]] = append(m[fields[i+1]], v)
		}
	}
	return p4, sc.Err()
}

// median is the median of name's samples of unit; NaN without any.
func median(name, unit string) float64 { return medianOf(samples[name][unit]) }

// medianOf is the median of vs (left unchanged); NaN for none.
func medianOf(vs []float64) float64 {
	vs = append([]float64(nil), vs...)
	if len(vs) == 0 {
		return math.NaN()
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

func spread(name, unit string) string {
	vs := samples[name][unit]
	if len(vs) < 2 {
		return ""
	}
	lo, hi := vs[0], vs[0]
	for _, v := range vs {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	med := median(name, unit)
	return fmt.Sprintf(" ±%.0f%%", 100*math.Max(hi-med, med-lo)/med)
}

func dur(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "n/a"
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	default:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// run is the command with its arguments; it returns the exit status: 0 when
// BENCHMARKS.md was written (or, with -check-load, the load is acceptable), 1 on a read
// or write error, 2 on bad arguments, 3 when the load check refuses.
func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchtable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "raw output of the run")
	out := fs.String("out", "BENCHMARKS.md", "file to update")
	cmd := fs.String("cmd", "bash bench/run.sh", "command that produced the run")
	machine := fs.String("machine", "", "machine description line")
	count := fs.Int("count", 0, "-count of the run")
	nproc := fs.Int("nproc", runtime.NumCPU(), "CPUs of the machine, for the load check")
	force := fs.Bool("force", false, "write even if the run started on a loaded machine")
	checkOnly := fs.String("check-load", "", "only check this /proc/loadavg line against the limit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *checkOnly != "" {
		avg, err := parseLoadavg(*checkOnly)
		if err == nil {
			err = checkLoad(avg[0], *nproc, *force)
		}
		if err != nil {
			fmt.Fprintln(stderr, "benchtable:", err)
			return 3
		}
		return 0
	}
	samples, loads = map[string]map[string][]float64{}, nil
	p4, err := parse(*in)
	if err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 1
	}
	first, ok := startLoad(loads)
	if !ok {
		fmt.Fprintln(stderr, "benchtable: no LOAD reading in", *in, "(run bench/run.sh): BENCHMARKS.md not written")
		return 3
	}
	if err := checkLoad(first.avg[0], *nproc, *force); err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 3
	}
	forced := ""
	if checkLoad(first.avg[0], *nproc, false) != nil {
		forced = fmt.Sprintf(" **Forced (FORCE=1) at a load average of %.2f, above %.1f x nproc: these figures are from a loaded machine.**", first.avg[0], maxLoadPerCPU)
	}
	if err := update(*out, render(*cmd, *machine+forced, *count, p4)); err != nil {
		fmt.Fprintln(stderr, "benchtable:", err)
		return 1
	}
	return 0
}

// render builds the section from the parsed samples, P4 lines and load readings.
func render(cmd, machine string, count int, p4 []string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("%s\n## anyca vs hand-written calls and caddyserver/zerossl (issues 6 and 12)\n\n", startMark)
	w("Produced by `%s` (fakes on loopback; in `bench/`, %d round(s), each running every benchmark function in turn as `go test -run '^$' -bench '^BenchmarkX$' -benchmem -count 1`, then `go test -run '^TestP4RateLimit$' -v`). %s\n\n", cmd, count, machine)
	w("Times are medians of the %d runs (± the largest deviation from the median). The P1-P3 fakes run in a child process (the test binary re-executed, GOMAXPROCS=1), so B/op, allocs/op, client CPU and peak heap are the client's alone; the fake's CPU time still shares the machine and is inside time/op.\n\n", count)

	writeP1(w)
	writeListDecode(w)
	writeP2(w)
	writeP3(w)
	writeP4(w, p4)
	writeP5(w)
	writeGoals(w, issue12Goals())
	w("\n%s\n", notes)
	w("%s\n", endMark)
	return b.String()
}

// has reports whether the run holds any benchmark named with prefix.
func has(prefix string) bool {
	for name := range samples {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// ran yields, for each of cases that ran, the case and its benchmark's name, prefix
// followed by the case.
func ran(prefix string, cases ...string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, c := range cases {
			if samples[prefix+c] != nil && !yield(c, prefix+c) {
				return
			}
		}
	}
}

// writeP1 renders BenchmarkP1Lookup, if it ran.
func writeP1(w func(string, ...any)) {
	if !has("P1Lookup/") {
		return
	}
	w("\n### P1: single certificate lookup\n\n")
	w("%s", loadLine(loads, "P1Lookup"))
	w("| benchmark | time/op | client CPU/op | B/op | allocs/op | time vs floor | CPU vs floor | allocs vs floor | goal (<= %.2fx time and CPU, <= %.2gx allocs) |\n|---|---|---|---|---|---|---|---|---|\n", p1TimeBound, p1AllocsBound)
	for _, vendor := range []string{"digicert", "zerossl"} {
		floor := "P1Lookup/" + vendor + "/floor"
		for impl, name := range ran("P1Lookup/"+vendor+"/", "floor", "anyca", "caddyserver-zerossl") {
			t, a, c := median(name, "ns/op"), median(name, "allocs/op"), median(name, "cpu-ns/op")
			r := pairedRatios(name, floor, "ns/op", "cpu-ns/op", "allocs/op")
			goal := ""
			if impl == "anyca" {
				goal = part("time", r[0], p1TimeBound) + ", " + part("CPU", r[1], p1TimeBound) + ", " + part("allocs", r[2], p1AllocsBound)
			}
			w("| %s / %s | %s%s | %s%s | %s | %s | %.2fx | %.2fx | %.2fx | %s |\n", vendor, impl, dur(t), spread(name, "ns/op"),
				dur(c), spread(name, "cpu-ns/op"), num(median(name, "B/op")), num(a), r[0], r[1], r[2], goal)
		}
	}
}

// writeP2 renders BenchmarkP2Bulk, if it ran.
func writeP2(w func(string, ...any)) {
	if !has("P2Bulk/") {
		return
	}
	w("\n### P2: 1,000 DigiCert certificates by id\n\n")
	w("%s", loadLine(loads, "P2Bulk"))
	w("| case | ids | time/op | requests/op | B/op | allocs/op | goal (<= 10 requests) |\n|---|---|---|---|---|---|---|\n")
	for c, name := range ran("P2Bulk/", "batch/nolimit", "rest/nolimit", "batch/defaultlimit", "rest/defaultlimit-100ids") {
		req := median(name, "requests/op")
		goal := ""
		if strings.HasPrefix(c, "batch") {
			goal = verdict(req <= 10, fmt.Sprintf("%.0f requests", req))
		}
		w("| %s | %s | %s%s | %s | %s | %s | %s |\n", c, num(median(name, "ids/op")), dur(median(name, "ns/op")), spread(name, "ns/op"),
			num(req), num(median(name, "B/op")), num(median(name, "allocs/op")), goal)
	}
	if name := "P2Bulk/rest/defaultlimit-100ids"; samples[name] != nil {
		per := median("P2Bulk/rest/nolimit", "ns/op") / 1000
		measured := median(name, "ns/op")
		predicted100 := (100.0-50)/5*1e9 + 50*per
		est := (1000.0-50)/5*1e9 + 50*per
		w("| rest/defaultlimit, 1,000 ids (extrapolated, not run) | 1000 | ~%s | 1000 | | | |\n", dur(est))
		w("\nThe REST case with DigiCert's default limit (5/s, burst 50) is run on 100 ids only: the limiter predicts (100-50)/5 s + 50 unthrottled calls = %s, measured %s; for 1,000 ids the same formula gives (1000-50)/5 s + 50 x %s = ~%s. The batch path sends 10 Reports queries, inside the burst, so the default limit costs it nothing.\n",
			dur(predicted100), dur(measured), dur(per), dur(est))
	}
}

// writeP3 renders BenchmarkP3List and BenchmarkP3DomainsDetails, if they ran.
func writeP3(w func(string, ...any)) {
	if !has("P3") {
		return
	}
	w("\n### P3: listing through the iterators (1,000 per page)\n\n")
	w("%s", loadLine(loads, "P3List"))
	w("%s", loadLine(loads, "P3DomainsDetails"))
	w("| listing | items | time/op | per item | requests/op | peak heap growth | B/op (total allocated) | allocs/op |\n|---|---|---|---|---|---|---|---|\n")
	for c, name := range ran("P3List/", "digicert/10000", "digicert/100000", "zerossl/10000", "zerossl/100000") {
		t, n := median(name, "ns/op"), median(name, "items/op")
		w("| %s | %s | %s%s | %s | %s | %.1f MB | %.0f MB | %s |\n", strings.Split(c, "/")[0], num(n), dur(t), spread(name, "ns/op"), dur(t/n),
			num(median(name, "requests/op")), maxOf(name, "peak-heap-MB"), median(name, "B/op")/(1<<20), num(median(name, "allocs/op")))
	}
	if name := "P3DomainsDetails"; samples[name] != nil {
		t, n := median(name, "ns/op"), median(name, "items/op")
		w("| digicert, DomainsFiltered with Details (Domain info per domain) | %s | %s | %s | %s | | %.0f MB | %s |\n", num(n), dur(t), dur(t/n),
			num(median(name, "requests/op")), median(name, "B/op")/(1<<20), num(median(name, "allocs/op")))
	}
	w("\nPeak heap growth: the highest `/memory/classes/heap/objects:bytes` (HeapAlloc without stop-the-world; live objects plus garbage not yet collected, default GOGC) sampled every 1 ms during the walk, minus the value right after `runtime.GC()` before it; the largest over the runs. The fakes are seeded once per process, in the child, so their 100,000 items are not in this heap.\n")
}

// writeP4 renders TestP4RateLimit's P4| lines, if it ran.
func writeP4(w func(string, ...any), p4 []string) {
	if len(p4) == 0 {
		return
	}
	w("\n### P4: DigiCert fake behind a rolling-window rate limit (429 above it)\n\n")
	w("%s", loadLine(loads, "TestP4RateLimit"))
	for _, l := range p4 {
		f := strings.Split(l, "|")
		if len(f) >= 3 && f[1] == "allowed" {
			w("Allowed: %s. 429 bodies are DigiCert's `request_limit_exceeded` JSON, no Retry-After (none is documented); only admitted requests count towards the window.\n\n", f[2])
		}
	}
	w("| client | calls ok | calls failed (rate limited) | requests served | answered 429 | effective rate | of allowed |\n|---|---|---|---|---|---|---|\n")
	for _, l := range p4 {
		f := strings.Split(l, "|")
		if len(f) == 9 && f[1] == "row" {
			w("| %s | %s | %s | %s | %s | %s/s | %s |\n", f[2], f[3], f[4], f[5], f[6], f[7], f[8])
		}
	}
}

func maxOf(name, unit string) float64 {
	m := math.NaN()
	for _, v := range samples[name][unit] {
		if math.IsNaN(m) || v > m {
			m = v
		}
	}
	return m
}

// part says whether one ratio meets its goal.
func part(what string, ratio, goal float64) string {
	if ratio <= goal {
		return what + " met"
	}
	return fmt.Sprintf("%s **missed** (%.2fx > %.2fx)", what, ratio, goal)
}

func verdict(ok bool, miss string) string {
	if ok {
		return "met"
	}
	return "**missed**: " + miss
}

// update replaces the section between the markers in path (or appends it), keeping
// everything else byte for byte.
func update(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, startMark), strings.Index(s, endMark)
	switch {
	case i >= 0 && j > i:
		s = s[:i] + strings.TrimSuffix(section, "\n") + s[j+len(endMark):]
	case s == "":
		s = "# Benchmarks\n\n" + section
	default:
		s = strings.TrimRight(s, "\n") + "\n\n" + section
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
