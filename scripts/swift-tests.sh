#!/usr/bin/env bash
# Runs the Swift test targets (`swift test --skip-build`, what `swift build --build-tests` built)
# and prints their closing line "swift-tests: P passed, F failed, S skipped", counted from Swift
# Testing's JSON event stream (`--event-stream-version 0`, one file per pass under
# .build/test-logs/) by scripts/lib/swift-test-events.py. A pass whose stream has no `runEnded`
# event (a crash, a hang cut short) fails, whatever the console said.
# Usage: scripts/swift-tests.sh [swift test options...]
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .build/test-logs
log=.build/test-logs/swift-tests.raw.log
events=.build/test-logs/swift-tests.events
rm -f "$events".*.jsonl "$log"
pass() { # pass N [swift test options...]
  local n=$1
  shift
  ${SWIFT:-swift} test --skip-build --event-stream-version 0 --event-stream-output-path "$events.$n.jsonl" "$@" 2>&1 |
    tee -a "$log"
  return "${PIPESTATUS[0]}"
}
# Two passes: VarlinkTests (in-process servers whose timeouts and limits are under test) run on
# their own after the rest, so the end-to-end daemons of the other suites do not load them.
if [ "$#" -gt 0 ]; then
  passes=1
  pass 1 "$@"
  status=$?
else
  passes=2
  pass 1 --skip VarlinkTests
  status=$?
  pass 2 --filter VarlinkTests
  second=$?
  [ "$status" -ne 0 ] || status=$second
fi
read -r passed failed skipped ended < <(python3 scripts/lib/swift-test-events.py "$events".*.jsonl)
if [ "$ended" -lt "$passes" ]; then
  echo "swift-tests: $passed passed, $((failed + 1)) failed, $skipped skipped ($((passes - ended)) of $passes passes ended before Swift Testing's runEnded event; swift test exited with status $status)"
  exit 1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "swift-tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
