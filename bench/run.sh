#!/usr/bin/env bash
# Runs the anyca benchmarks (P1-P4, see bench/doc.go) against the project's fakes and
# writes the results into BENCHMARKS.md at the repository root, between
# <!-- bench:start --> and <!-- bench:end -->; other sections are left as they are.
# The raw output is kept in bench/results.txt.
#
#   bash bench/run.sh              # -count 3, about 6 minutes on 2 cores
#   COUNT=1 bash bench/run.sh      # quicker, no spread
set -uo pipefail
cd "$(dirname "$0")"
COUNT=${COUNT:-3}
out=results.txt
machine="Machine: nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/ *$//'), $(go version | awk '{print $3, $4}'), $(date -u +'%Y-%m-%d %H:%M UTC'), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
echo "$machine"
status=0
go test -run '^$' -bench . -benchmem -count "$COUNT" -timeout 60m . 2>&1 | tee "$out" || status=$?
go test -run '^TestP4RateLimit$' -count 1 -v . 2>&1 | tee -a "$out" || status=$?
go run ./internal/benchtable -in "$out" -out ../BENCHMARKS.md -count "$COUNT" -machine "$machine" || status=$?
echo "BENCHMARKS.md updated (status $status)"
exit "$status"
