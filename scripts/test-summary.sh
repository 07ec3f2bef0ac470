#!/usr/bin/env bash
# Adds up a `make test` run: each suite's log .build/test-logs/NAME.log (written by
# scripts/run-suite.sh) ends with the suite's closing line "NAME: N passed, M failed[, K skipped]";
# the last such line of each log is added into one closing line "test: P passed, F failed, S skipped";
# a log without one counts as one failure, and the script exits 1 when anything failed.
# Usage: scripts/test-summary.sh [LOG_DIR]   (default .build/test-logs)
set -euo pipefail
dir=${1:-.build/test-logs}
total_p=0; total_f=0; total_s=0; suites=0
for log in "$dir"/*.log; do
  [ -e "$log" ] || continue
  # NAME.raw.log is a suite's own raw output (scripts/swift-tests.sh), not a suite log.
  [[ $log == *.raw.log ]] && continue
  name=$(basename "$log" .log)
  # A log without a closing line is a suite that broke before it could say how it went: one failure.
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n1) || {
    echo "no closing line in $log: counted as 1 failed"
    total_f=$((total_f + 1)); suites=$((suites + 1)); continue
  }
  p=$(sed -E 's/^[^:]+: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/^[^:]+: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
  s=0; [[ $line =~ failed,\ ([0-9]+)\ skipped ]] && s=${BASH_REMATCH[1]}
  total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s)); suites=$((suites + 1))
  [ "$s" -gt 0 ] && echo "skipped in $name: $(grep -E 'skipped' "$log" | grep -vE "^$name: " | head -5 | tr '\n' ' ')${line#*skipped}"
done
[ "$suites" -gt 0 ] || { echo "test: no suite reported its closing line (looked in $dir)"; exit 1; }
echo "test: $total_p passed, $total_f failed, $total_s skipped"
# Any failure counted here fails the run, also one only the summary saw (a log without its line).
[ "$total_f" -eq 0 ]
