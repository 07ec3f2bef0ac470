#!/usr/bin/env bash
# Adds up a `make test` log: every suite's closing line "NAME: N passed, M failed" and Swift
# Testing's "Test run with N tests ... passed|failed ... [with K issues]", and prints one closing
# line "test: P passed, F failed" (a failed Swift run counts its issues, at least 1, as failed).
# Usage: scripts/test-summary.sh LOG
set -euo pipefail
log=${1:?usage: scripts/test-summary.sh LOG}
awk '
  /^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed/ {
    split($0, parts, /[: ,]+/); passed += parts[2]; failed += parts[4]; next
  }
  /Test run with [0-9]+ tests? .* passed/ {
    match($0, /with [0-9]+ test/); passed += substr($0, RSTART + 5, RLENGTH - 10); next
  }
  /Test run with [0-9]+ tests? .* failed/ {
    issues = 1
    if (match($0, /with [0-9]+ issue/)) issues = substr($0, RSTART + 5, RLENGTH - 11)
    match($0, /with [0-9]+ test/); total = substr($0, RSTART + 5, RLENGTH - 10)
    passed += total - issues; failed += issues; next
  }
  END { printf "test: %d passed, %d failed\n", passed, failed }
' "$log"
