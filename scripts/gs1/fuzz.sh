#!/usr/bin/env bash
# Fuzzes depot's GS1 parser with libFuzzer for a bounded time (GS1_FUZZ_SECONDS, default 60):
# Sources/GS1/*.swift + Fuzz/GS1Fuzz.swift compiled by swiftc -sanitize=fuzzer,address into
# .build/fuzz/, seeded with the differential corpus. Passes when there is no crash, no hang
# (-timeout per input) and no leak. Prints `gs1-fuzz: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/suite.sh
seconds=${GS1_FUZZ_SECONDS:-60}
out=.build/fuzz
mkdir -p "$out/corpus" "$out/artifacts"
SWIFTC=${SWIFTC:-swiftc}

# Does this toolchain support -sanitize=fuzzer? (the Linux toolchains do; Xcode's does not.)
probe="$out/probe.swift"
printf '@_cdecl("LLVMFuzzerTestOneInput") public func f(_ d: UnsafePointer<UInt8>, _ n: Int) -> CInt { 0 }\n' > "$probe"
if ! "$SWIFTC" -sanitize=fuzzer -parse-as-library "$probe" -o "$out/probe" >"$out/probe.log" 2>&1; then
  suite_skip gs1-fuzz "$SWIFTC does not support -sanitize=fuzzer ($(head -1 "$out/probe.log"))"
fi

if ! "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -module-name GS1Fuzz \
    Sources/GS1/*.swift Fuzz/GS1Fuzz.swift -o "$out/gs1-fuzz" 2>"$out/build.log"; then
  cat "$out/build.log"
  echo "gs1-fuzz: 0 passed, 1 failed (build)"
  exit 1
fi

# Seed corpus: one file per line of the differential corpus, separators decoded.
n=0
while IFS= read -r line; do
  n=$((n + 1))
  printf '%s' "${line//<GS>/$'\x1d'}" > "$out/corpus/seed-$n"
done < Tests/GS1Fixtures/biip-corpus.txt

"$out/gs1-fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=512 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus" >"$out/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$')
if [ $rc -ne 0 ]; then
  tail -40 "$out/fuzz.log"
  echo "gs1-fuzz: 0 passed, 1 failed (crash, hang or leak after ${runs:-?} runs; artifacts in $out/artifacts)"
  exit 1
fi
echo "gs1-fuzz: 1 passed, 0 failed (${runs:-?} inputs in ${seconds}s, no crash, no hang)"
