#!/usr/bin/env bash
# Parse rate of depot's GS1 parser beside biip on the same mixed corpus, in one run.
# Not a test (no timing assertions). The two are measured alternately, three times each, on the
# same machine; each pair gives a ratio and the median ratio is reported. Rates are per CPU-second
# of the parsing thread. biip reads each line with biip.parse, human-readable lines with its
# GS1Message.parse_hri (biip.parse does not read them), as depot's parser reads both.
#   scripts/gs1/bench.sh [CORPUS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
corpus=${1:-Tests/GS1Fixtures/biip-corpus.txt}
rounds=${2:-300}
swift build -c release --product gs1-tool >/dev/null
biip_rounds=$((rounds / 30 > 0 ? rounds / 30 : 1))
results=()
for trial in 1 2 3; do
  depot=$(.build/release/gs1-tool --bench "$rounds" < "$corpus")
  biip=$(python3 - "$corpus" "$biip_rounds" <<'PY'
import sys, time, biip
from biip.gs1_messages import GS1Message
lines = [l.replace("<GS>", "\x1d") for l in open(sys.argv[1], encoding="utf-8").read().split("\n") if l]
rounds = int(sys.argv[2])

def hri(l):  # biip.parse does not read human-readable text; its own HRI parser does
    try:
        GS1Message.parse_hri(l)
    except Exception:
        pass

parsers = [hri if l.startswith("(") else biip.parse for l in lines]
for p, l in zip(parsers, lines):  # warm up, as gs1-tool does
    p(l)
t, c = time.perf_counter(), time.thread_time()
for _ in range(rounds):
    for p, l in zip(parsers, lines):
        p(l)
dt, dc = time.perf_counter() - t, time.thread_time() - c
n = len(lines) * rounds
print(f'{{"scans":{n},"seconds":{dt},"cpuSeconds":{dc},"perSecond":{n / dt},"perCPUSecond":{n / dc}}}')
PY
)
  results+=("$depot|$biip")
done
python3 - "$corpus" "${results[@]}" <<'PY'
import json, statistics, sys
corpus, rows = sys.argv[1], sys.argv[2:]
ratios = []
for i, row in enumerate(rows, 1):
    d, b = (json.loads(x) for x in row.split("|"))
    r = d["perCPUSecond"] / b["perCPUSecond"]
    ratios.append(r)
    print(f"trial {i}: depot {d['perCPUSecond']:,.0f} scans per CPU-second ({d['scans']} in {d['cpuSeconds']:.3f} s CPU, "
          f"{d['seconds']:.3f} s wall), biip {b['perCPUSecond']:,.0f} ({b['scans']} in {b['cpuSeconds']:.3f} s CPU, "
          f"{b['seconds']:.3f} s wall), ratio {r:.1f}x")
print(f"median ratio depot/biip (CPU time): {statistics.median(ratios):.1f}x (corpus {corpus})")
PY
