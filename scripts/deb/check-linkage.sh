#!/usr/bin/env bash
# `make release`'s check that the release binaries run without a Swift toolchain: no NEEDED entry
# names a Swift runtime or Foundation library, no RPATH/RUNPATH points into the toolchain, and
# `ldd` resolves every library, none of them from the toolchain's directory. Prints each binary's
# libraries with the Debian package that provides them. Usage: check-linkage.sh BINARY...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check-linkage.sh BINARY..." >&2; exit 2; }
# The toolchain root: /opt/swift for /opt/swift/usr/bin/swift.
swift_bin=$(command -v "${SWIFT:-swift}" || true)
toolchain=""
[ -n "$swift_bin" ] && toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_bin")")")")
status=0
for bin in "$@"; do
  problem() { echo "check-linkage: $bin: $*" >&2; status=1; }
  [ -x "$bin" ] || { problem "not an executable file"; continue; }
  dynamic=$(readelf -d "$bin")
  needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic")
  while read -r lib; do
    case "$lib" in
      libswift*|libFoundation*|lib_Foundation*|libdispatch*|libBlocksRuntime*|libXCTest*|libTesting*)
        problem "needs the Swift toolchain library $lib (was it built with --static-swift-stdlib?)" ;;
    esac
  done <<<"$needed"
  if grep -qE '\((RPATH|RUNPATH)\)' <<<"$dynamic"; then
    path=$(sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p' <<<"$dynamic")
    if [ -n "$toolchain" ] && [[ "$path" == *"$toolchain"* ]]; then problem "RUNPATH points into the toolchain: $path"; fi
  fi
  resolved=$(ldd "$bin")
  if grep -q 'not found' <<<"$resolved"; then problem "unresolved libraries: $(grep 'not found' <<<"$resolved" | tr -s ' \t' ' ')"; fi
  if [ -n "$toolchain" ] && grep -qF "$toolchain/" <<<"$resolved"; then
    problem "loads libraries from the toolchain: $(grep -F "$toolchain/" <<<"$resolved" | tr -s ' \t' ' ')"
  fi
  echo "check-linkage: $bin needs:"
  while read -r lib; do
    path=$(awk -v l="$lib" '$1 == l && $2 == "=>" { print $3; exit }
                                 $2 != "=>" && substr($1, length($1) - length(l) + 1) == l { print $1; exit }' <<<"$resolved")
    owner=$(dpkg -S "$(readlink -f "${path:-/nonexistent}")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    [ -n "$owner" ] || owner=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
    echo "  $lib  ${path:-?}  (${owner:-no Debian package})"
  done <<<"$needed"
done
[ "$status" -eq 0 ] && echo "check-linkage: no library from the Swift toolchain${toolchain:+ ($toolchain)}"
exit "$status"
