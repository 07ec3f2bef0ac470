#!/usr/bin/env bash
# The catalogue the recorded shift (fixtures/shift) needs: items MILK and BOLT, the dock DOCK-1 with
# its GS1 location label, zone ZONE-A with racks, pick face PF-1, and order SO-100.
# Used by scripts/demo.sh, the end-to-end tests and the VM suite (scripts/scanner-vm.sh), whose
# ledgers must agree, so the set-up lives here once.
# Usage: scripts/shift-catalogue.sh DEPOTCTL [--quiet]   (the daemon's socket from $DEPOT_SOCKET)
set -euo pipefail
depotctl=${1:?usage: scripts/shift-catalogue.sh DEPOTCTL [--quiet]}
quiet=${2:-}
ctl() {
  if [ "$quiet" = --quiet ]; then "$depotctl" "$@" >/dev/null; return; fi
  printf '$ depotctl'; printf ' %q' "$@"; printf '\n'; "$depotctl" "$@"
}

# Items: milk is lot- and expiry-tracked (FEFO); bolts are plain (FIFO).
ctl item add MILK --name "Milk 1L" --gtin 4006381333931 --lot-tracked --expiry-tracked
ctl item add BOLT --name "Bolt M8" --gtin 96385074

# Locations: the dock (GS1 location label GLN 4012345000009), a zone with two racks, a pick face.
ctl location add DOCK-1 --kind receiving --gln 4012345000009
ctl location add ZONE-A --kind storage
ctl location add A-01 --kind storage --parent ZONE-A --priority 2
ctl location add A-02 --kind storage --parent ZONE-A --priority 1
ctl location add PF-1 --kind picking --priority 0

# An order from the office, before the goods arrive: its lines are short until they do.
ctl order create SO-100 --line MILK:10 --line BOLT:50
