#!/usr/bin/env bash
# Runs the Swift test targets (`swift test --skip-build`, what `swift build --build-tests` built)
# and prints their closing line "swift-tests: P passed, F failed, S skipped", counted from Swift
# Testing's per-test results ("✔ Test … passed", "✘ Test … failed", "➜ Test … skipped: reason").
# A run that ends without Swift Testing's own "Test run with N tests" line (a crash) fails.
# Suite lines ("✔ Suite …") are not counted; only tests.
# Usage: scripts/swift-tests.sh [swift test options...]
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/test-logs
log=.build/test-logs/swift-tests.raw.log
# Two passes: VarlinkTests (in-process servers whose timeouts and limits are under test) run on
# their own after the rest, so the end-to-end daemons of the other suites do not load them.
if [ "$#" -gt 0 ]; then
  ${SWIFT:-swift} test --skip-build "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
else
  ${SWIFT:-swift} test --skip-build --skip VarlinkTests 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  ${SWIFT:-swift} test --skip-build --filter VarlinkTests 2>&1 | tee -a "$log"
  second=${PIPESTATUS[0]}
  [ "$status" -ne 0 ] || status=$second
  runs=$(grep -cE '^[^ ]+ Test run with [0-9]+ tests?' "$log")
  if [ "$runs" -lt 2 ]; then
    echo "swift-tests: $(grep -cE '^[^ ]+ Test .* passed after' "$log") passed, 1 failed, 0 skipped (a pass ended before Swift Testing's closing line)"
    exit 1
  fi
fi
count() { grep -E "^[^ ]+ Test $1" "$log" | grep -vcE '^[^ ]+ Test run with'; }
passed=$(count '.* passed after')
failed=$(count '.* failed after')
skipped=$(count '.* skipped')
if ! grep -qE '^[^ ]+ Test run with [0-9]+ tests?' "$log"; then
  echo "swift-tests: $passed passed, $((failed + 1)) failed, $skipped skipped (swift test exited with status $status before Swift Testing's closing line)"
  exit 1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "swift-tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
