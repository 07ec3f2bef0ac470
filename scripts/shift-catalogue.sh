#!/usr/bin/env bash
# The catalogue the recorded shift (fixtures/shift) needs, set up through depotctl:
# items MILK (lot- and expiry-tracked, FEFO) and BOLT, the dock with its GS1 location label,
# a zone with two racks, a pick face, and order SO-100 (MILK 10, BOLT 50).
# Usage: scripts/shift-catalogue.sh DEPOTCTL [--quiet]   (DEPOT_SOCKET selects the daemon)
set -euo pipefail
ctl_bin=$1
quiet=${2:-}
ctl() {
  if [ "$quiet" = --quiet ]; then "$ctl_bin" "$@" >/dev/null; else printf '$ depotctl'; printf ' %q' "$@"; printf '\n'; "$ctl_bin" "$@"; fi
}
ctl item add MILK --name "Milk 1L" --gtin 4006381333931 --lot-tracked --expiry-tracked
ctl item add BOLT --name "Bolt M8" --gtin 96385074
ctl location add DOCK-1 --kind receiving --gln 4012345000009
ctl location add ZONE-A --kind storage
ctl location add A-01 --kind storage --parent ZONE-A --priority 2
ctl location add A-02 --kind storage --parent ZONE-A --priority 1
ctl location add PF-1 --kind picking --priority 0
ctl order create SO-100 --line MILK:10 --line BOLT:50
