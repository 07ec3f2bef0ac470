#!/usr/bin/env bash
# The power-cut test: does every operation depotd acknowledged survive the machine losing power?
# Per trial, with virtme-ng (scripts/lib/vm.sh) and a fresh raw disk image attached to the guest as
# a virtio-blk device (QEMU -drive format=raw,cache=writeback: the guest's flushes become
# fdatasync of the image):
#  1. boot: the guest makes ext4 on the disk, starts depotd with its database there and CLIENTS
#     concurrent clients receiving and picking (scripts/power-cut.py load), each logging every
#     acknowledged operation to the 9p share on the host after the reply;
#  2. once the burst runs, after a random 0.5-3.5 s, the host SIGKILLs QEMU: the guest's page cache
#     and every write the guest had not flushed die with it, as in a power cut;
#  3. boot again on the same image: mount (ext4 journal recovery), depotd (SQLite WAL recovery),
#     `depotctl verify`, the ledger dumped (scripts/power-cut.py check);
#  4. on the host: every acknowledged operation's movements are in the ledger under its reference,
#     nothing unknown, verify ok (scripts/power-cut.py compare).
# Prints per trial the checks and a "# result {json}" line, then a summary and
# "power-cut: N passed, M failed" (where it cannot run: skipped with the reason, failed on CI).
#
# Usage: scripts/power-cut.sh [--trials N] [--clients C] [--durability full|normal] [--no-build]
#   --durability normal: the control run (synchronous=NORMAL), where acknowledged operations may be lost.
# Cache: $DEPOT_VM_CACHE (default ~/.cache/depot-vm), runs under power-cut/ (the newest 3 kept).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
trials=1 clients=6 durability=full build=1
while [ $# -gt 0 ]; do
  case $1 in
    --trials) trials=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --durability) durability=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "power-cut: unknown option $1 (--trials N, --clients C, --durability full|normal, --no-build)" >&2; exit 2 ;;
  esac
done
case $trials in ''|*[!0-9]*|0) echo "power-cut: --trials $trials is not a positive integer" >&2; exit 2 ;; esac
case $clients in ''|*[!0-9]*|0) echo "power-cut: --clients $clients is not a positive integer" >&2; exit 2 ;; esac
case $durability in full|normal) ;; *) echo "power-cut: --durability $durability is not full or normal" >&2; exit 2 ;; esac

. "$root/scripts/lib/suite.sh"
. "$root/scripts/lib/vm.sh"
die() { echo "power-cut: $*" >&2; echo "power-cut: 0 passed, 1 failed"; exit 1; }

vm_prepare power-cut
command -v mkfs.ext4 >/dev/null || [ -x /sbin/mkfs.ext4 ] || suite_skip power-cut "mkfs.ext4 is not installed (e2fsprogs)"
"$VM_PY" -c 'import sqlite3' 2>/dev/null || suite_skip power-cut "$VM_PY has no sqlite3 module"

if [ "$build" = 1 ]; then
  for product in depotd depotctl; do
    (cd "$root" && swift build --product "$product" >/dev/null) || die "building $product failed"
  done
fi
bin=$(cd "$root" && swift build --show-bin-path)
for product in depotd depotctl; do
  [ -x "$bin/$product" ] || die "$product is not built in $bin (swift build --build-tests builds it)"
done

mkdir -p "$VM_CACHE/power-cut"
series=$(mktemp -d "$VM_CACHE/power-cut/run.XXXXXX")
ls -dt "$VM_CACHE"/power-cut/run.* 2>/dev/null | tail -n +4 | xargs -r rm -rf
echo "power-cut: $trials trial(s), $clients clients, durability $durability, kernel $(basename "$VM_KERNEL") under QEMU (TCG); results in $series"

# boot CHECK LOAD: one VM that checks trial CHECK (its image attached as depotpc-check), then loads
# trial LOAD (a new image, depotpc-load); either may be empty. QEMU's pid goes to $series/qemu.pid.
# Chaining the check of one trial and the load of the next saves a boot per trial (~20 s under TCG).
boot() {
  local check=$1 load=$2 name drives=""
  name=boot${check:+-check-$check}${load:+-load-$load}; boot_log="$series/$name.log"
  {
    echo '#!/bin/sh'
    [ -n "$check" ] && echo "\"$VM_PY\" \"$root/scripts/power-cut.py\" check \"$bin\" \"$series/trial-$check\" > \"$series/trial-$check/check.out\" 2>&1"
    [ -n "$load" ] && echo "\"$VM_PY\" \"$root/scripts/power-cut.py\" load \"$bin\" \"$series/trial-$load\" $clients > \"$series/trial-$load/load.out\" 2>&1"
  } > "$series/$name.sh"
  chmod +x "$series/$name.sh"
  [ -n "$check" ] && drives+=" -drive if=none,id=pccheck,file=$series/trial-$check/disk.img,format=raw,cache=writeback -device virtio-blk-pci,drive=pccheck,serial=depotpc-check"
  [ -n "$load" ] && drives+=" -drive if=none,id=pcload,file=$series/trial-$load/disk.img,format=raw,cache=writeback -device virtio-blk-pci,drive=pcload,serial=depotpc-load"
  rm -f "$series/qemu.pid"
  timeout 900 vng --run "$VM_KERNEL" "${VM_BOOT[@]}" --rwdir="$series" --exec "$series/$name.sh" \
    --qemu-opts="-pidfile $series/qemu.pid$drives" 2>&1 | cat > "$series/$name.log"
  return "${PIPESTATUS[0]}"
}

# compare TRIAL: the host's verdict on a trial whose check ran; adds to the totals.
passed=0 failed=0 acked_total=0 lost_total=0 unacked_present_total=0 verify_ok=0 lossy_trials=0
compare() {
  local run="$series/trial-$1" result a l u v
  grep '^# ' "$run/check.out" 2>/dev/null
  "$VM_PY" "$root/scripts/power-cut.py" compare "$run" > "$run/compare.out" 2>&1
  sed "s/^ok - /ok - trial $1: /; s/^not ok - /not ok - trial $1: /" "$run/compare.out"
  passed=$(( passed + $(grep -c '^ok - ' "$run/compare.out") ))
  failed=$(( failed + $(grep -c '^not ok - ' "$run/compare.out") ))
  result=$(sed -n 's/^# result //p' "$run/compare.out")
  [ -n "$result" ] || return
  read -r a l u v < <("$VM_PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["acked"], r["lost"] if r["lost"] is not None else 0, r.get("unackedPresent", 0), int(bool(r["verify"])))' "$result")
  acked_total=$((acked_total + a)) lost_total=$((lost_total + l))
  unacked_present_total=$((unacked_present_total + u)) verify_ok=$((verify_ok + v))
  [ "$l" -gt 0 ] && lossy_trials=$((lossy_trials + 1))
  echo "{\"trial\": $1, \"result\": $result}" >> "$series/results.jsonl"
  rm -f "$run/disk.img"
}

series_start=$(date +%s)
check=""
for trial in $(seq 1 "$trials") ""; do
  if [ -n "$trial" ]; then
    run="$series/trial-$trial"; mkdir -p "$run"
    printf '[database]\ndurability = "%s"\n' "$durability" > "$run/depotd.conf"
    truncate -s 256M "$run/disk.img"
  fi
  t0=$(date +%s)
  boot "$check" "$trial" & vm=$!
  killed=no
  if [ -n "$trial" ]; then
    # Wait for the burst, then cut at a random moment in it (0.5 to 4.4 s after its 40th ack).
    for _ in $(seq 1 6000); do
      [ -e "$run/burst" ] && break
      kill -0 "$vm" 2>/dev/null || break
      sleep 0.1
    done
    if [ -e "$run/burst" ]; then
      sleep "$(( RANDOM % 4 )).$(( RANDOM % 10 ))"; sleep 0.5
      qemu=$(cat "$series/qemu.pid" 2>/dev/null)
      if [ -n "$qemu" ] && grep -q '^qemu-system' "/proc/$qemu/comm" 2>/dev/null; then
        kill -KILL "$qemu" && killed=yes
      fi
    fi
  fi
  wait "$vm"; vm_rc=$?
  boot_log="$series/boot${check:+-check-$check}${trial:+-load-$trial}.log"
  echo "# boot: $(( $(date +%s) - t0 )) s${check:+, checked trial $check}${trial:+, loaded trial $trial, killed: $killed} (vng exit $vm_rc)"
  if [ -n "$check" ]; then
    if [ ! -e "$series/trial-$check/check-done" ]; then
      echo "not ok - trial $check: the second boot checked the disk (see $series/trial-$check/check.out, $boot_log)"
      tail -n 8 "$series/trial-$check/check.out" "$boot_log" 2>/dev/null | sed 's/^/#   /'
      failed=$((failed + 1))
    fi
    compare "$check"
  fi
  check=""
  if [ -n "$trial" ]; then
    if [ "$killed" = yes ]; then
      check=$trial
    else
      echo "not ok - trial $trial: the burst ran and QEMU was killed during it (see $run/load.out, $boot_log)"
      tail -n 8 "$run/load.out" 2>/dev/null | sed 's/^/#   /'
      failed=$((failed + 1))
    fi
  fi
done
echo "# summary: trials $trials, durability $durability, clients $clients, acked ops total $acked_total, lost $lost_total (in $lossy_trials trials), unacknowledged but present $unacked_present_total, verify ok $verify_ok/$trials, $(( $(date +%s) - series_start )) s"
echo "power-cut: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
