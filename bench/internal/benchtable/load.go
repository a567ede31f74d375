package main

import (
	"fmt"
	"strconv"
	"strings"
)

// loadMark is one load-average reading that run.sh wrote into the raw output as
// "LOAD|<table>|<when>|<contents of /proc/loadavg>", e.g. "LOAD|P1Lookup|round 1|0.52 0.40
// 0.31 1/123 456"; the run's first and last readings are "LOAD|run|start|..." and
// "LOAD|run|end|...".
type loadMark struct {
	table, when string
	avg         [3]float64 // 1, 5 and 15 minutes
}

// parseLoad reads a LOAD line; ok is false for a line that is not one or is malformed.
func parseLoad(line string) (m loadMark, ok bool) {
	f := strings.Split(line, "|")
	if len(f) != 4 || f[0] != "LOAD" {
		return m, false
	}
	m.table, m.when = f[1], f[2]
	avg, err := parseLoadavg(f[3])
	if err != nil {
		return m, false
	}
	m.avg = avg
	return m, true
}

// parseLoadavg reads the three averages at the start of a /proc/loadavg line.
func parseLoadavg(s string) ([3]float64, error) {
	var avg [3]float64
	f := strings.Fields(s)
	if len(f) < 3 {
		return avg, fmt.Errorf("load average %q: want three numbers", s)
	}
	for i := range avg {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || v < 0 {
			return avg, fmt.Errorf("load average %q: %q is not a load", s, f[i])
		}
		avg[i] = v
	}
	return avg, nil
}

// maxLoadPerCPU is the highest 1-minute load average per CPU at which a run may write
// BENCHMARKS.md without being forced.
const maxLoadPerCPU = 1.5

// checkLoad refuses a run whose 1-minute load average at start is above maxLoadPerCPU x
// nproc, unless force is set: the figures of a loaded machine are not worth recording.
func checkLoad(load1 float64, nproc int, force bool) error {
	limit := maxLoadPerCPU * float64(nproc)
	if load1 <= limit || force {
		return nil
	}
	return fmt.Errorf("load average %.2f at start is above %.1f x nproc %d = %.2f: BENCHMARKS.md not written; "+
		"run again on a quiet machine, or set FORCE=1 to record these figures anyway", load1, maxLoadPerCPU, nproc, limit)
}

// startLoad is the first reading of the run (run.sh writes "LOAD|run|start|..." before
// anything else).
func startLoad(marks []loadMark) (loadMark, bool) {
	if len(marks) == 0 {
		return loadMark{}, false
	}
	return marks[0], true
}

// loadLine says, for the benchmark or test named table (without its Benchmark prefix), the
// 1-minute load average at the start of each of its runs, and the three averages at the
// end of the whole run.
func loadLine(marks []loadMark, table string) string {
	var at []string
	for _, m := range marks {
		if m.table == table {
			at = append(at, fmt.Sprintf("%.2f (%s)", m.avg[0], m.when))
		}
	}
	if len(at) == 0 {
		return ""
	}
	s := "Load average (1 min) at the start of each run of `" + table + "`: " + strings.Join(at, ", ")
	for _, m := range marks {
		if m.table == "run" && m.when == "end" {
			s += fmt.Sprintf("; at the end of the whole run: %.2f %.2f %.2f", m.avg[0], m.avg[1], m.avg[2])
		}
	}
	return s + ".\n\n"
}
