#!/usr/bin/env bash
# Backup under write load, restore, verify; and tamper evidence of the ledger hash chain, against
# the real depotd, depotctl and sqlite3. Usage: integrity.sh BUILD_DIR.
set -uo pipefail
build=$(cd "${1:-.build/debug}" && pwd)
name=prod-integrity
dir=$(mktemp -d /tmp/depot-integrity-XXXXXX)
pid=""; loader=""
cleanup() {
  [ -n "$loader" ] && kill "$loader" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "$name: FAIL: $*"; }
export DEPOT_SOCKET="$dir/depotd.sock"
start() {  # DATABASE
  "$build/depotd" --database "$1" --socket "$DEPOT_SOCKET" --time-zone UTC >>"$dir/depotd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do "$build/depotctl" status >/dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$dir/depotd.log"; return 1
}
stop() { kill "$pid" && wait "$pid"; pid=""; }
ctl() { "$build/depotctl" "$@"; }
movements() { sqlite3 "file:$1?mode=ro" "SELECT count(*) FROM movement"; }

start "$dir/live.sqlite" || { echo "$name: 0 passed, 1 failed"; exit 1; }
ctl item add MILK --name Milk >/dev/null
ctl location add A-01 --kind storage >/dev/null
ctl location add A-02 --kind storage >/dev/null
ctl receive --item MILK --qty 1000 --location A-01 >/dev/null

# Write load: receives and moves in a loop while the backups are taken.
( for i in $(seq 1 150); do
    ctl receive --item MILK --qty 2 --location A-01 >/dev/null || exit 1
    ctl move --item MILK --from A-01 --to A-02 --qty 1 >/dev/null || exit 1
  done ) &
loader=$!
for _ in $(seq 1 100); do [ "$(movements "$dir/live.sqlite")" -ge 20 ] && break; sleep 0.05; done
backup_out=$(ctl backup "$dir/backup.sqlite" --json)
status=$?
wait "$loader"; load_status=$?; loader=""
[ $status -eq 0 ] && pass || fail "backup failed: $backup_out"
[ $load_status -eq 0 ] && pass || fail "the write load failed"
copied=$(printf '%s' "$backup_out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["movements"])')
final=$(movements "$dir/live.sqlite")
echo "$name: backup holds $copied of $final movements (taken while writing)"
[ "$copied" -ge 20 ] && [ "$copied" -le "$final" ] && pass || fail "backup movements $copied not within 20..$final"
[ "$(movements "$dir/backup.sqlite")" = "$copied" ] && pass || fail "the backup file does not hold the $copied movements its reply names"
# A second backup to the same path is refused; the first stays.
ctl backup "$dir/backup.sqlite" >/dev/null 2>"$dir/err" && fail "backup overwrote an existing file" \
  || { grep -q "the file exists" "$dir/err" && pass || fail "unclear refusal: $(cat "$dir/err")"; }
stop

# Restore (docs/operations.md): the copy becomes the database; depotd verifies it.
cp "$dir/backup.sqlite" "$dir/restored.sqlite"
start "$dir/restored.sqlite" || fail "depotd did not start on the restored backup"
out=$(ctl verify 2>&1)
[ $? -eq 0 ] && grep -q "ledger chain: ok ($copied movements)" <<<"$out" && pass || fail "restored backup does not verify: $out"
on_hand=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["onHand"])')
ledger_sum=$(sqlite3 "file:$dir/backup.sqlite?mode=ro" \
  "SELECT sum(CASE WHEN toLocationId IS NOT NULL THEN quantity ELSE 0 END) - sum(CASE WHEN fromLocationId IS NOT NULL THEN quantity ELSE 0 END) FROM movement")
[ "$on_hand" = "$ledger_sum" ] && pass || fail "restored on-hand $on_hand differs from its ledger sum $ledger_sum"
stop

# Tampering: change one row's actor (no balance changes), the chain names that row.
cp "$dir/live.sqlite" "$dir/tampered.sqlite"
sqlite3 "$dir/tampered.sqlite" "DROP TRIGGER movement_no_update; UPDATE movement SET actor = 'uid:4242' WHERE id = 17;"
start "$dir/tampered.sqlite" || fail "depotd did not start on the tampered copy"
out=$(ctl verify 2>&1); status=$?
[ $status -eq 1 ] && grep -q "ledger chain: BROKEN at movement 17" <<<"$out" && grep -q "ledger mismatches: 0" <<<"$out" \
  && pass || fail "changed actor not reported at movement 17 (exit $status): $out"
bad=$(ctl verify --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["chainFirstBadMovement"])')
[ "$bad" = 17 ] && pass || fail "--json chainFirstBadMovement is $bad, want 17"
stop

# Deleting a row: the next row is the first bad one.
cp "$dir/live.sqlite" "$dir/deleted.sqlite"
sqlite3 "$dir/deleted.sqlite" "DROP TRIGGER movement_no_delete; DELETE FROM movement WHERE id = 30;"
start "$dir/deleted.sqlite" || fail "depotd did not start on the copy with a deleted row"
out=$(ctl verify 2>&1); status=$?
[ $status -eq 1 ] && grep -q "ledger chain: BROKEN at movement 31" <<<"$out" && pass \
  || fail "deleted row 30 not reported at movement 31 (exit $status): $out"
stop

# The untouched live database verifies.
start "$dir/live.sqlite" || fail "depotd did not restart on the live database"
out=$(ctl verify 2>&1)
[ $? -eq 0 ] && grep -q "ledger chain: ok ($final movements)" <<<"$out" && pass || fail "live database does not verify: $out"
stop

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
