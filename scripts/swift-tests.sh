#!/usr/bin/env bash
# Runs the Swift test targets (`swift test --skip-build`, what `swift build --build-tests` built)
# and prints their closing line "swift-tests: P passed, F failed, S skipped", counted from Swift
# Testing's per-test results ("✔ Test … passed", "✘ Test … failed", "➜ Test … skipped: reason").
# A run that ends without Swift Testing's own "Test run with N tests" line (a crash) fails.
# Usage: scripts/swift-tests.sh [swift test options...]
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/test-logs
log=.build/test-logs/swift-tests.raw.log
${SWIFT:-swift} test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
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
