#!/usr/bin/env bash
# The format check of `make test`: every Swift file of the package, formatted with the toolchain's
# swift-format and the repository's .swift-format, is unchanged. Names each file that is not;
# `make format` rewrites them. Prints "format: N passed, M failed" (one check per file).
set -uo pipefail
cd "$(dirname "$0")/.."
swift_bin=${SWIFT:-swift}
passed=0; failed=0
while IFS= read -r -d '' file; do
  if "$swift_bin" format format --configuration .swift-format "$file" 2>/dev/null | cmp -s - "$file"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "format: not formatted: $file (run make format)"
  fi
done < <(git ls-files -z -- '*.swift' ':!Sources/DepotAPI/Generated')
echo "format: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
