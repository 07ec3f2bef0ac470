#!/usr/bin/env bash
# depot demo: a short scripted shift against a real depotd on a temporary SQLite file and socket,
# with the clock fixed at 2026-03-01 08:00 UTC so the FEFO decisions are the same every run.
# The shift itself is a recorded USB scanner capture replayed through depotd's scanner path.
# Usage: scripts/demo.sh BUILD_DIR   (make demo passes .build/debug)
set -euo pipefail
bin=${1:-.build/debug}
work=$(mktemp -d /tmp/depot-demo-XXXXXX)
export DEPOT_SOCKET=$work/depotd.sock
daemon_pid=
cleanup() {
  status=$?
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid"; wait "$daemon_pid" || true
  fi
  # depotd's log (audit lines, warnings) stays out of the demo's output unless something failed.
  if [ "$status" -ne 0 ] && [ -s "$work/depotd.log" ]; then echo "depotd's log:"; cat "$work/depotd.log"; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=; plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
ctl() { printf '$ depotctl'; printf ' %q' "$@"; printf '\n'; "$bin/depotctl" "$@"; }

step "Start depotd on $work (clock fixed at 2026-03-01T08:00:00Z)"
"$bin/depotd" --database "$work/depot.sqlite" --socket "$DEPOT_SOCKET" --now 2026-03-01T08:00:00Z \
  --time-zone UTC --log-level warning --no-scanners 2>"$work/depotd.log" &
daemon_pid=$!
for _ in $(seq 1 100); do "$bin/depotctl" status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status

step "The catalogue (scripts/shift-catalogue.sh): milk is lot- and expiry-tracked (FEFO), bolts plain (FIFO);"
echo "the dock has a GS1 location label (GLN 4012345000009); zone ZONE-A holds racks A-01 and A-02; PF-1 is a pick face;"
echo "order SO-100 comes from the office before the goods arrive, so its lines are short until they do."
"$(dirname "$0")/shift-catalogue.sh" "$bin/depotctl"

step "The recorded shift: $(grep -cv '^\s*\(#\|$\)' fixtures/shift/shift.labels) scans from a USB scanner (fixtures/shift/shift.evemu)"
echo "Each scan goes through key decoding (us keymap), framing, GS1 parsing, the floor session and the engine."
echo "depotd reads captures only from its replay directory (here $work/replays, beside the database):"
printf '$ cp fixtures/shift/shift.evemu %q\n' "$work/replays/"
cp fixtures/shift/shift.evemu "$work/replays/"
ctl replay shift.evemu --scanner usb-dock-1 --speed 20 || echo "(exit $?: some scans were refused, as recorded)"

step "Stock after the shift"
ctl stock

step "The order: picked in FEFO order (L2 expires 2026-03-05 before L1 2026-03-10; L3 2026-04-01 stays)"
ctl order show SO-100
ctl ledger --item MILK

step "The allocation rule explains itself: FEFO pick of 5 MILK, dry run"
ctl pick --item MILK --qty 5 --dry-run --explain

step "A pick that cannot be served is refused whole, with the reason"
ctl pick --item MILK --qty 500 || echo "(exit $?: nothing was written)"

step "A damaged lot goes to quarantine and is no longer allocated"
ctl lot quarantine MILK L3 --reason "cold chain broken"
ctl lots MILK

step "The ledger: every movement, append-only, with the scanner and operator as actor"
ctl ledger

step "verify: SQLite integrity, balances = ledger, the keyed chain (key: $work/ledger.key) and a seal"
printf '$ depotctl ledger seal > %q\n' "$work/depot.seal"
"$bin/depotctl" ledger seal >"$work/depot.seal"
ctl verify --seal "$work/depot.seal"

step "Stop depotd (SIGTERM)"
kill -TERM "$daemon_pid"; wait "$daemon_pid"; echo "depotd exited with $?"
daemon_pid=
