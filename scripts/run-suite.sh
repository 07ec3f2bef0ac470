#!/usr/bin/env bash
# Runs one `make test` suite: scripts/run-suite.sh NAME COMMAND [ARGS...].
# The suite's output goes to the terminal and to .build/test-logs/NAME.log. A suite must end with
# its closing line "NAME: N passed, M failed[, K skipped]" (scripts/test-summary.sh adds them up);
# one that exits without it (a crash, a killed VM, a shell error) is reported as one failure, so
# a broken suite can never pass by saying nothing.
set -uo pipefail
name=${1:?usage: scripts/run-suite.sh NAME COMMAND [ARGS...]}; shift
mkdir -p .build/test-logs
log=.build/test-logs/$name.log
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The fallback closing lines go into the log too, so scripts/test-summary.sh counts the failure.
if ! grep -qE "^$name: [0-9]+ passed, [0-9]+ failed" "$log"; then
  echo "$name: 0 passed, 1 failed (exited with status $status without its closing line; log: $log)" | tee -a "$log"
  exit 1
fi
if [ "$status" -ne 0 ] && ! grep -qE "^$name: [0-9]+ passed, [1-9][0-9]* failed" "$log"; then
  echo "$name: 0 passed, 1 failed (exited with status $status although its closing line reports no failure)" | tee -a "$log"
  exit 1
fi
exit "$status"
