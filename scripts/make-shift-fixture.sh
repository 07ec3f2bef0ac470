#!/usr/bin/env bash
# Rebuilds fixtures/shift/shift.evemu from fixtures/shift/shift.labels (see fixtures/shift/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product shift-fixture >/dev/null
"$(swift build --show-bin-path)/shift-fixture" fixtures/shift/shift.labels fixtures/shift/shift.evemu
