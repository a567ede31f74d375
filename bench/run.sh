#!/usr/bin/env bash
# Runs the anyca benchmarks (P1-P5 and the list-decode throughput, see bench/doc.go)
# against the project's fakes and writes the results into BENCHMARKS.md at the repository
# root, between <!-- bench:start --> and <!-- bench:end -->; other sections are left as
# they are. The raw output is kept in bench/results.txt.
#
#   bash bench/run.sh              # 3 rounds, about 8 minutes on 2 cores
#   COUNT=1 bash bench/run.sh      # quicker, no spread
#   FORCE=1 bash bench/run.sh      # record even on a loaded machine (marked as forced)
#   ONLY='ListDecode' BENCHMARKS=/elsewhere.md bash bench/run.sh
#                                  # only the benchmark functions and tests matching the
#                                  # extended regexp, into another file (a trial run)
#
# It refuses to run when the 1-minute load average at start is above 1.5 x nproc (the
# check is benchtable's, so the rule lives in one place), unless FORCE=1.
#
# The COUNT rounds are separate runs rather than one -count run, so that anyca and the
# floor alternate in time: on a shared machine load drifts over minutes, and consecutive
# repetitions of one sub-benchmark would all see the same load. Within a round every
# benchmark function runs in its own process, in turn, with the load average recorded
# before it ("LOAD|" lines in results.txt, printed beside each table).
#
# bench/ is its own module outside the repository's go.work (it keeps its replace of
# github.com/anyca/anyca), so everything here runs with GOWORK=off.
set -uo pipefail
cd "$(dirname "$0")"
export GOWORK=off # bench is its own module, outside the repository's go.work
COUNT=${COUNT:-3}
FORCE=${FORCE:-0}
ONLY=${ONLY:-.}
BENCHMARKS=${BENCHMARKS:-../BENCHMARKS.md}
out=results.txt
force_flag=()
[ "$FORCE" = 1 ] && force_flag=(-force)

# load TABLE WHEN: one load-average reading into the raw output.
load() { echo "LOAD|$1|$2|$(cat /proc/loadavg)" | tee -a "$out"; }

go build -o benchtable.bin ./internal/benchtable || exit 1
trap 'rm -f benchtable.bin bench.test' EXIT
./benchtable.bin -check-load "$(cat /proc/loadavg)" -nproc "$(nproc)" "${force_flag[@]}" || exit 3

machine="Machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/ *$//'), $(go version | awk '{print $3, $4}'), $(date -u +'%Y-%m-%d %H:%M UTC'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
echo "$machine"
status=0
: > "$out"
load run start
go test -run '^$' -c -o bench.test . || exit 1
# Every benchmark function of the package, by name (a new one is picked up as it is added).
mapfile -t benchmarks < <(./bench.test -test.list '^Benchmark' | grep '^Benchmark' | grep -E -- "$ONLY")
for round in $(seq "$COUNT"); do
	for bm in "${benchmarks[@]}"; do
		load "${bm#Benchmark}" "round $round"
		echo "# round $round of $COUNT: go test -run '^\$' -bench '^$bm\$' -benchmem -count 1" | tee -a "$out"
		./bench.test -test.run '^$' -test.bench "^$bm\$" -test.benchmem -test.count 1 -test.timeout 60m 2>&1 | tee -a "$out" || status=$?
	done
done

# P4: the rate-limit test, once.
if echo TestP4RateLimit | grep -qE -- "$ONLY"; then
	load TestP4RateLimit "once"
	go test -run '^TestP4RateLimit$' -count 1 -v . 2>&1 | tee -a "$out" || status=$?
fi

# P4 with both rolling windows, and P4-shared (4 processes sharing one key through Redis):
# figures in BENCHMARKS.md's "P4-shared" section, written by hand from these P4W|/P4S| lines.
if echo TestP4Shared | grep -qE -- "$ONLY"; then
	load TestP4Shared "once"
	go test -run '^(TestP4RollingWindows|TestP4Shared)$' -count 1 -v . 2>&1 | tee -a "$out" || status=$?
fi

load run end
if ./benchtable.bin -in "$out" -out "$BENCHMARKS" -count "$COUNT" -machine "$machine" -nproc "$(nproc)" "${force_flag[@]}"; then
	echo "$BENCHMARKS updated (status $status)"
else
	status=$?
	echo "$BENCHMARKS not updated (status $status); the raw output is in bench/$out" >&2
fi
exit "$status"
