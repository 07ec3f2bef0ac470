#!/usr/bin/env bash
# depot demo: a short scripted shift against a real depotd on a temporary SQLite file and socket,
# with the clock fixed at 2026-03-01 08:00 UTC so the FEFO decisions are the same every run.
# Usage: scripts/demo.sh BUILD_DIR   (make demo passes .build/debug)
set -euo pipefail
bin=${1:-.build/debug}
work=$(mktemp -d /tmp/depot-demo-XXXXXX)
export DEPOT_SOCKET=$work/depotd.sock
daemon_pid=
cleanup() {
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"; wait "$daemon_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { printf '$ depotctl'; printf ' %q' "$@"; printf '\n'; "$bin/depotctl" "$@"; }

step "Start depotd on $work (clock fixed at 2026-03-01T08:00:00Z)"
"$bin/depotd" --database "$work/depot.sqlite" --socket "$DEPOT_SOCKET" --now 2026-03-01T08:00:00Z \
  --time-zone UTC --log-level warning &
daemon_pid=$!
for _ in $(seq 1 100); do "$bin/depotctl" status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status

step "Items: milk is lot- and expiry-tracked (FEFO); bolts are plain (FIFO)"
ctl item add MILK --name "Milk 1L" --gtin 4006381333931 --lot-tracked --expiry-tracked
ctl item add BOLT --name "Bolt M8" --gtin 96385074

step "Locations: a dock, a zone with two racks, a pick face, quarantine"
ctl location add DOCK-1 --kind receiving
ctl location add ZONE-A --kind storage
ctl location add A-01 --kind storage --parent ZONE-A --priority 2
ctl location add A-02 --kind storage --parent ZONE-A --priority 1
ctl location add PF-1 --kind picking --priority 0
ctl location add Q-1 --kind quarantine

step "Receipts with lots and expiry dates"
ctl receive --item MILK --qty 5 --location A-01 --lot L1 --expiry 2026-03-10 --reference DN-1001
ctl receive --item 4006381333931 --qty 3 --location A-02 --lot L2 --expiry 2026-03-05 --reference DN-1001
ctl receive --item MILK --qty 12 --location DOCK-1 --lot L3 --expiry 2026-04-01 --production 2026-02-20 --reference DN-1002
ctl receive --item BOLT --qty 200 --location A-02 --reference DN-1003

step "Put-away: the new lot goes from the dock to the pick face"
ctl move --item MILK --lot L3 --from DOCK-1 --to PF-1 --qty 12

step "Lots of MILK in allocation order"
ctl lots MILK

step "FEFO pick of 6 MILK, dry run with its explanation"
ctl pick --item MILK --qty 6 --dry-run --explain

step "The pick itself: L2 (expires 2026-03-05) before L1 (2026-03-10) before L3 (2026-04-01)"
ctl pick --item MILK --qty 6 --reference SHIP-7

step "A pick that cannot be served is refused whole, with the reason"
ctl pick --item MILK --qty 50 || echo "(exit $?: nothing was written)"

step "An order reserves by the same rule; picking confirms the reservations"
ctl order create SO-42 --line MILK:4 --line BOLT:50
ctl order pick SO-42

step "A damaged lot goes to quarantine and is no longer allocated"
ctl lot quarantine MILK L3 --reason "cold chain broken"
ctl pick --item MILK --qty 1 --dry-run --explain || echo "(exit $?)"

step "Stock and lots expiring within 7 days"
ctl stock
ctl expiring --days 7

step "The ledger: every movement, append-only"
ctl ledger

step "verify: SQLite integrity and balances = ledger"
ctl verify

step "Stop depotd (SIGTERM)"
kill -TERM "$daemon_pid"; wait "$daemon_pid"; echo "depotd exited with $?"
daemon_pid=
