package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rawRun is run.sh's raw output for one round, with the ratios chosen so that some goals
// are met and others missed by a clear margin.
func rawRun(listZeroSSLAnyca float64, p3Big float64) string {
	return strings.Join([]string{
		"LOAD|run|start|0.40 0.50 0.60 1/200 300",
		"LOAD|P1Lookup|round 1|0.41 0.50 0.60 1/200 300",
		"BenchmarkP1Lookup/digicert/anyca-2 2000 105000 ns/op 104000 cpu-ns/op 9000 B/op 130 allocs/op",
		"BenchmarkP1Lookup/digicert/floor-2 2000 100000 ns/op 100000 cpu-ns/op 8800 B/op 95 allocs/op",
		"BenchmarkP1Lookup/zerossl/anyca-2 2000 150000 ns/op 140000 cpu-ns/op 27000 B/op 259 allocs/op",
		"BenchmarkP1Lookup/zerossl/floor-2 2000 100000 ns/op 100000 cpu-ns/op 21000 B/op 88 allocs/op",
		"BenchmarkP1Lookup/zerossl/caddyserver-zerossl-2 2000 140000 ns/op 130000 cpu-ns/op 54000 B/op 244 allocs/op",
		"LOAD|ListDecode|round 1|0.42 0.50 0.60 1/200 300",
		"BenchmarkListDecode/digicert-orders/anyca-2 50 50000000 ns/op 20000000 cpu-ns/op 50000 items/cpu-s 1.000 requests/op 4000000 B/op 40000 allocs/op",
		"BenchmarkListDecode/digicert-orders/floor-2 50 40000000 ns/op 18000000 cpu-ns/op 55000 items/cpu-s 1.000 requests/op 3700000 B/op 23000 allocs/op",
		"BenchmarkListDecode/digicert-domains/anyca-2 50 50000000 ns/op 20000000 cpu-ns/op 60000 items/cpu-s 1.000 requests/op 2800000 B/op 26000 allocs/op",
		"BenchmarkListDecode/digicert-domains/floor-2 50 40000000 ns/op 15000000 cpu-ns/op 65000 items/cpu-s 1.000 requests/op 2100000 B/op 17000 allocs/op",
		fmt.Sprintf("BenchmarkListDecode/zerossl-certificates/anyca-2 50 50000000 ns/op 20000000 cpu-ns/op %.0f items/cpu-s 1.000 requests/op 19000000 B/op 150000 allocs/op", listZeroSSLAnyca),
		"BenchmarkListDecode/zerossl-certificates/floor-2 50 40000000 ns/op 18000000 cpu-ns/op 23000 items/cpu-s 1.000 requests/op 17000000 B/op 11000 allocs/op",
		"LOAD|P3List|round 1|0.43 0.50 0.60 1/200 300",
		"BenchmarkP3List/digicert/10000-2 1 1000000000 ns/op 10.00 peak-heap-MB 10000 items/op 10 requests/op 1 B/op 1 allocs/op",
		fmt.Sprintf("BenchmarkP3List/digicert/100000-2 1 9000000000 ns/op %.2f peak-heap-MB 100000 items/op 100 requests/op 1 B/op 1 allocs/op", p3Big),
		"BenchmarkP3List/zerossl/10000-2 1 1000000000 ns/op 10.00 peak-heap-MB 10000 items/op 10 requests/op 1 B/op 1 allocs/op",
		"BenchmarkP3List/zerossl/100000-2 1 9000000000 ns/op 25.00 peak-heap-MB 100000 items/op 100 requests/op 1 B/op 1 allocs/op",
		"LOAD|run|end|0.44 0.51 0.61 1/200 300",
		"",
	}, "\n")
}

func parseString(t *testing.T, raw string) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.txt")
	if err := os.WriteFile(path, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	samples, loads = map[string]map[string][]float64{}, nil
	p4, err := parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return p4
}

func goalStatus(t *testing.T, gs []goal, prefix string) string {
	t.Helper()
	for _, g := range gs {
		if strings.HasPrefix(g.name, prefix) {
			return g.status
		}
	}
	t.Fatalf("no goal %q in %v", prefix, gs)
	return ""
}

func TestGoalsFollowTheFigures(t *testing.T) {
	parseString(t, rawRun(20000, 11.5))
	gs := issue12Goals()
	want := map[string]string{
		"P1 digicert":         "met",    // 1.05x time, 1.04x CPU, 1.37x allocs
		"P1 zerossl: at most": "missed", // 1.5x time, 2.9x allocs
		"P1 zerossl: ahead":   "missed", // slower than the peer
		"P3 digicert":         "met",    // 11.5 MB vs 10 MB = 1.15x
		"P3 zerossl":          "missed", // 2.5x
		"P3 list-decode":      "met",    // 0.91x, 0.92x, 0.87x
	}
	for prefix, status := range want {
		if got := goalStatus(t, gs, prefix); got != status {
			t.Errorf("%s: %s, want %s", prefix, got, status)
		}
	}

	// The same run with one list-decode figure and one heap figure worse: the verdicts
	// change with the numbers alone.
	parseString(t, rawRun(15000, 13))
	gs = issue12Goals()
	if got := goalStatus(t, gs, "P3 list-decode"); got != "missed" { // 15000/23000 = 0.65x
		t.Errorf("list-decode at 0.65x: %s, want missed", got)
	}
	if got := goalStatus(t, gs, "P3 digicert"); got != "missed" { // 1.3x
		t.Errorf("P3 digicert at 1.3x: %s, want missed", got)
	}
}

func TestGoalsWithoutFiguresAreNotMeasured(t *testing.T) {
	parseString(t, "LOAD|run|start|0.10 0.10 0.10\n")
	for _, g := range issue12Goals() {
		if g.status != "not measured" {
			t.Errorf("%s: %s without any figure", g.name, g.status)
		}
	}
}

func TestAheadOfPeerIsStrict(t *testing.T) {
	c := ratioCheck{ratio: 1, bound: 1, atMost: true, strict: true}
	if c.ok() {
		t.Error("a tie counted as ahead")
	}
	c.ratio = 0.99
	if !c.ok() {
		t.Error("0.99x not ahead")
	}
}

func TestRenderShowsLoadsAndVerdicts(t *testing.T) {
	p4 := parseString(t, rawRun(20000, 11.5))
	out := render("bash bench/run.sh", "Machine: test.", 1, p4)
	for _, s := range []string{
		"at the start of each run of `P1Lookup`: 0.41 (round 1); at the end of the whole run: 0.44 0.51 0.61",
		"at the start of each run of `ListDecode`: 0.42 (round 1)",
		"at the start of each run of `P3List`: 0.43 (round 1)",
		"| zerossl-certificates / anyca |",
		"0.87x",
		"### Goals of issue 12",
		"3 of 6 goals met.",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("section lacks %q", s)
		}
	}
	for _, s := range []string{"### P2", "### P4"} {
		if strings.Contains(out, s) {
			t.Errorf("section has %q, which did not run", s)
		}
	}
}

func TestCheckLoad(t *testing.T) {
	if err := checkLoad(3.0, 2, false); err != nil {
		t.Errorf("load 3.0 on 2 CPUs (the limit) refused: %v", err)
	}
	err := checkLoad(3.01, 2, false)
	if err == nil || !strings.Contains(err.Error(), "FORCE=1") || !strings.Contains(err.Error(), "not written") {
		t.Errorf("load 3.01 on 2 CPUs: %v, want a refusal naming FORCE=1", err)
	}
	if err := checkLoad(50, 2, true); err != nil {
		t.Errorf("forced: %v", err)
	}
}

func TestParseLoadRejectsMalformedLines(t *testing.T) {
	for _, line := range []string{"LOAD|P1|round 1|", "LOAD|P1|round 1|a b c", "LOAD|P1|0.1 0.2 0.3", "LOAD|P1|r|-1 0 0", "P4|x|y|z"} {
		if m, ok := parseLoad(line); ok {
			t.Errorf("%q parsed as %+v", line, m)
		}
	}
	m, ok := parseLoad("LOAD|P3List|round 2|1.25 0.50 0.25 2/300 4000")
	if !ok || m.table != "P3List" || m.when != "round 2" || m.avg != [3]float64{1.25, 0.5, 0.25} {
		t.Errorf("got %+v %v", m, ok)
	}
}

func TestRunRefusesALoadedStartAndKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "results.txt"), filepath.Join(dir, "BENCHMARKS.md")
	raw := strings.Replace(rawRun(20000, 11.5), "LOAD|run|start|0.40", "LOAD|run|start|3.50", 1)
	if err := os.WriteFile(in, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	const before = "# Benchmarks\n\nhand-written text\n"
	if err := os.WriteFile(out, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"-in", in, "-out", out, "-nproc", "2"}, &stderr); code != 3 {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "3.50") || !strings.Contains(stderr.String(), "FORCE=1") {
		t.Errorf("message %q does not say the load and how to force", stderr.String())
	}
	if got, _ := os.ReadFile(out); string(got) != before {
		t.Errorf("BENCHMARKS.md changed by a refused run:\n%s", got)
	}

	stderr.Reset()
	if code := run([]string{"-in", in, "-out", out, "-nproc", "2", "-force"}, &stderr); code != 0 {
		t.Fatalf("forced: exit %d; stderr %s", code, stderr.String())
	}
	got, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(got), before) || !strings.Contains(string(got), "Forced (FORCE=1) at a load average of 3.50") {
		t.Errorf("forced run: text kept and marked forced? got:\n%.600s", got)
	}

	stderr.Reset()
	if code := run([]string{"-check-load", "3.10 1.00 1.00 1/2 3", "-nproc", "2"}, &stderr); code != 3 {
		t.Errorf("-check-load 3.10 on 2 CPUs: exit %d, want 3", code)
	}
	if code := run([]string{"-check-load", "2.90 1.00 1.00 1/2 3", "-nproc", "2"}, &stderr); code != 0 {
		t.Errorf("-check-load 2.90 on 2 CPUs: exit %d, want 0", code)
	}
}

func TestRunWithoutLoadReadingsWritesNothing(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "results.txt"), filepath.Join(dir, "BENCHMARKS.md")
	if err := os.WriteFile(in, []byte("BenchmarkP1Lookup/digicert/floor-2 1 1 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"-in", in, "-out", out}, &stderr); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("BENCHMARKS.md written without a load reading: %v", err)
	}
}

// TestRatiosPairRounds: a ratio is the median of the per-round ratios, not the ratio of
// two medians that may come from different rounds; pairing can be the stricter reading
// as well as the kinder one, and rounds that cannot be paired fall back to the medians.
func TestRatiosPairRounds(t *testing.T) {
	p1 := func(rounds [][2]int) string {
		var lines []string
		for i, r := range rounds {
			lines = append(lines, fmt.Sprintf("LOAD|P1Lookup|round %d|0.40 0.50 0.60 1/200 300", i+1),
				fmt.Sprintf("BenchmarkP1Lookup/digicert/anyca-2 2000 %d ns/op %d cpu-ns/op 9000 B/op 100 allocs/op", r[0], r[0]),
				fmt.Sprintf("BenchmarkP1Lookup/digicert/floor-2 2000 %d ns/op %d cpu-ns/op 9000 B/op 100 allocs/op", r[1], r[1]))
		}
		return strings.Join(lines, "\n") + "\n"
	}
	for _, c := range []struct {
		name   string
		rounds [][2]int
		want   string
	}{
		// medians 150 vs 170 (0.88x); rounds 1.25, 1.18, 0.50: median 1.18x.
		{"stricter", [][2]int{{100, 80}, {200, 170}, {150, 300}}, "missed"},
		// medians 200 vs 100 (2.00x); rounds 1.05, 2.00, 1.03: median 1.05x.
		{"kinder", [][2]int{{100, 95}, {200, 100}, {300, 290}}, "met"},
	} {
		parseString(t, p1(c.rounds))
		if got := goalStatus(t, issue12Goals(), "P1 digicert"); got != c.want {
			t.Errorf("%s: P1 digicert %s, want %s", c.name, got, c.want)
		}
	}
	parseString(t, p1([][2]int{{100, 80}, {200, 170}, {150, 300}})+
		"BenchmarkP1Lookup/digicert/anyca-2 2000 150 ns/op 150 cpu-ns/op 9000 B/op 100 allocs/op\n")
	if r, rounds := pairedRatio("P1Lookup/digicert/anyca", "P1Lookup/digicert/floor", "ns/op"); rounds != nil || r != 150.0/170 {
		t.Errorf("unpaired rounds: ratio %v over %v, want the medians' 150/170 and no rounds", r, rounds)
	}
}
