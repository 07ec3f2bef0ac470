#!/usr/bin/env bash
# Parse rate of depot's GS1 parser beside biip on the same mixed corpus, in one run.
# Not a test (no timing assertions): prints scans per second of both and the ratio.
#   scripts/gs1/bench.sh [CORPUS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-Tests/GS1Fixtures/biip-corpus.txt}
rounds=${2:-200}
swift build -c release --product gs1-tool >/dev/null
depot=$(.build/release/gs1-tool --bench "$rounds" < "$corpus")
biip=$(python3 - "$corpus" "$((rounds / 20 > 0 ? rounds / 20 : 1))" <<'PY'
import sys, time, biip
lines = [l.replace("<GS>", "\x1d") for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if l]
rounds = int(sys.argv[2])
for l in lines:  # warm up, as gs1-tool does
    biip.parse(l)
t = time.perf_counter()
for _ in range(rounds):
    for l in lines:
        biip.parse(l)
dt = time.perf_counter() - t
print(f'{{"scans":{len(lines) * rounds},"seconds":{dt},"perSecond":{len(lines) * rounds / dt}}}')
PY
)
python3 - "$depot" "$biip" <<'PY'
import json, sys
d, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"depot GS1Parser (release): {d['perSecond']:,.0f} scans/s ({d['scans']} scans in {d['seconds']:.3f} s)")
print(f"biip (Python):             {b['perSecond']:,.0f} scans/s ({b['scans']} scans in {b['seconds']:.3f} s)")
print(f"ratio depot/biip: {d['perSecond'] / b['perSecond']:.1f}x")
PY
