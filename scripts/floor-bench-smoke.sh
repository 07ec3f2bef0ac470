#!/usr/bin/env bash
# Smoke test of floor-bench: 3 scanners for 3 s through the real floor path on the debug build.
# Passes when every planned scan is answered, none is refused, and the database verifies.
# No timing is checked. Usage: scripts/floor-bench-smoke.sh FLOOR_BENCH_BINARY
set -uo pipefail
bin=${1:?usage: floor-bench-smoke.sh FLOOR_BENCH_BINARY}
if [ ! -x "$bin" ]; then
  echo "floor-bench-smoke: $bin is missing (run swift build --build-tests first)" >&2
  echo "floor-bench-smoke: 0 passed, 1 failed"
  exit 1
fi
out=$("$bin" --scanners 3 --rate 5 --seconds 3 --items 60 --locations 12 --json 2>&1)
status=$?
echo "$out"
if [ $status -eq 0 ] && python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1].strip().splitlines()[-1])
problems = []
if r["scans"] != r["planned"] or r["scans"] == 0: problems.append(f'{r["scans"]} of {r["planned"]} scans answered')
if r["refused"] != 0: problems.append(f'{r["refused"]} scans refused')
if r["effects"] == 0: problems.append("no scan had an effect")
if not r["verifyOK"]: problems.append("verify failed")
for p in problems: print("floor-bench-smoke:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
then
  echo "floor-bench-smoke: 1 passed, 0 failed"
else
  echo "floor-bench-smoke: 0 passed, 1 failed"
  exit 1
fi
