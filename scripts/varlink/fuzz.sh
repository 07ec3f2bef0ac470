#!/usr/bin/env bash
# Fuzzes the Varlink framing and envelope parser with libFuzzer for a bounded time
# (VARLINK_FUZZ_SECONDS, default 30): Sources/Varlink/*.swift + Fuzz/VarlinkFuzz.swift compiled by
# swiftc -sanitize=fuzzer,address into .build/fuzz/, against the NIO and swift-log modules of the
# debug build (`swift build --build-tests`, which `make test` runs first; only our code is
# instrumented). Seeded with calls and replies as peers send them. Passes when there is no crash,
# no hang (-timeout per input), no leak and no broken invariant (Fuzz/VarlinkFuzz.swift).
# Prints `varlink-fuzz: N passed, M failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/suite.sh
name=varlink-fuzz
seconds=${VARLINK_FUZZ_SECONDS:-30}
out=.build/fuzz/varlink
debug=.build/debug
mkdir -p "$out/corpus" "$out/artifacts"
SWIFTC=${SWIFTC:-swiftc}

probe="$out/probe.swift"
printf '@_cdecl("LLVMFuzzerTestOneInput") public func f(_ d: UnsafePointer<UInt8>, _ n: Int) -> CInt { 0 }\n' > "$probe"
if ! "$SWIFTC" -sanitize=fuzzer -parse-as-library "$probe" -o "$out/probe" >"$out/probe.log" 2>&1; then
  suite_skip "$name" "$SWIFTC does not support -sanitize=fuzzer ($(head -1 "$out/probe.log"))"
fi
for module in NIOCore NIOPosix Logging; do
  if [ ! -e "$debug/Modules/$module.swiftmodule" ]; then
    echo "$debug/Modules/$module.swiftmodule is missing: run swift build --build-tests first"
    echo "$name: 0 passed, 1 failed (build)"
    exit 1
  fi
done

# The dependencies' objects (not our package's targets, not executables) in one archive, so the
# linker takes only what Varlink and the harness use. C modules come with their
# module maps; Swift modules from the debug build's Modules/.
ours=$(sed -n 's/^ *name: "\([^"]*\)".*/\1/p' Package.swift | sort -u)
archive="$out/deps.a"
rm -f "$archive"
: >"$out/objects.txt"
for dir in "$debug"/*.build; do
  target=$(basename "$dir" .build)
  grep -qx "$target" <<<"$ours" && continue
  case $target in *-tool|*Tests|*TestUtils) continue ;; esac
  ls "$dir"/*.o >>"$out/objects.txt" 2>/dev/null
done
# An object defining main (a dependency's executable) would replace libFuzzer's.
xargs -d '\n' nm -A -g --defined-only <"$out/objects.txt" 2>/dev/null | sed -n 's/^\(.*\.o\):[0-9a-f ]* T main$/\1/p' \
  >"$out/mains.txt"
grep -vxF -f "$out/mains.txt" "$out/objects.txt" | xargs -d '\n' ar qc "$archive" && ranlib "$archive"
maps=()
for map in "$debug"/*.build/module.modulemap; do maps+=(-Xcc "-fmodule-map-file=$map"); done
includes=()
while IFS= read -r dir; do includes+=(-Xcc "-I$dir"); done < <(find .build/checkouts -type d -name include -path '*/Sources/*')

if ! "$SWIFTC" -sanitize=fuzzer,address -parse-as-library -swift-version 6 -O -g -module-name Varlink \
    -I "$debug/Modules" "${maps[@]}" "${includes[@]}" \
    Sources/Varlink/*.swift Fuzz/VarlinkFuzz.swift "$archive" -o "$out/varlink-fuzz" 2>"$out/build.log"; then
  tail -40 "$out/build.log"
  echo "$name: 0 passed, 1 failed (build; log: $out/build.log)"
  exit 1
fi

# Seed corpus: byte 0 chooses the read size, byte 1 the frame limit (Fuzz/VarlinkFuzz.swift).
seed() { printf '%b' "$1" >"$out/corpus/$2"; }
seed '\x00\xf0{"method":"org.varlink.service.GetInfo"}\x00' getinfo
seed '\x03\xf0{"method":"org.depot.inventory.Pick","parameters":{"sku":"MILK","quantity":6},"more":true}\x00{"method":"a.b.C","oneway":true}\x00' pipelined
seed '\x07\x40{"parameters":{"x":[1,2.5e3,"\\u00e9\\ud83d\\ude00",null,true]},"continues":true}\x00' reply
seed '\x01\x10{"method":"org.example.X","parameters":{"text":"much longer than sixteen bytes"}}\x00' toolong
seed '\x00\xf0{"error":"org.varlink.service.InvalidParameter","parameters":{"parameter":"q"}}\x00{"meth' errorandpartial
seed '\x05\xf0{"method":"x.y.Z","method":"x.y.W"}\x00[1]\x00{"method":1}\x00\x00' duplicates

"$out/varlink-fuzz" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=2048 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$out/corpus" >"$out/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$')
if [ $rc -ne 0 ]; then
  tail -40 "$out/fuzz.log"
  echo "$name: 0 passed, 1 failed (crash, hang, leak or broken invariant after ${runs:-?} runs; artifacts in $out/artifacts)"
  exit 1
fi
echo "$name: 1 passed, 0 failed (${runs:-?} inputs in ${seconds}s, no crash, no hang, framing and envelopes as specified)"
