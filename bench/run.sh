#!/usr/bin/env bash
# Runs the anyca benchmarks (P1-P4, see bench/doc.go) against the project's fakes and
# writes the results into BENCHMARKS.md at the repository root, between
# <!-- bench:start --> and <!-- bench:end -->; other sections are left as they are.
# The raw output is kept in bench/results.txt.
#
#   bash bench/run.sh              # 3 rounds, about 6 minutes on 2 cores
#   COUNT=1 bash bench/run.sh      # quicker, no spread
#
# The COUNT rounds are separate `go test -count 1` runs rather than one -count run, so
# that anyca and the floor alternate in time: on a shared machine load drifts over
# minutes, and consecutive repetitions of one sub-benchmark would all see the same load.
set -uo pipefail
cd "$(dirname "$0")"
export GOWORK=off # bench is its own module, outside the repository's go.work
COUNT=${COUNT:-3}
out=results.txt
machine="Machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/ *$//'), $(go version | awk '{print $3, $4}'), $(date -u +'%Y-%m-%d %H:%M UTC'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
echo "$machine"
status=0
go test -run '^$' -c -o bench.test . || exit 1
: > "$out"
for round in $(seq "$COUNT"); do
	echo "# round $round of $COUNT: go test -run '^\$' -bench . -benchmem -count 1" | tee -a "$out"
	./bench.test -test.run '^$' -test.bench . -test.benchmem -test.count 1 -test.timeout 60m 2>&1 | tee -a "$out" || status=$?
done
rm -f bench.test
go test -run '^TestP4RateLimit$' -count 1 -v . 2>&1 | tee -a "$out" || status=$?
# P4 with both rolling windows, and P4-shared (4 processes, Redis): figures in BENCHMARKS.md's
# "P4-shared" section, written by hand from these P4W|/P4S| lines.
echo "# load average before P4-shared: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
go test -run '^(TestP4RollingWindows|TestP4Shared)$' -count 1 -v . 2>&1 | tee -a "$out" || status=$?
go run ./internal/benchtable -in "$out" -out ../BENCHMARKS.md -count "$COUNT" -machine "$machine" || status=$?
echo "BENCHMARKS.md updated (status $status)"
exit "$status"
