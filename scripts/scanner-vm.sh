#!/usr/bin/env bash
# The scanner test against a real kernel input device: boots Debian's kernel under QEMU with
# virtme-ng (the host's root file system shared read-only), loads uinput, and in one boot runs
#  1. scanner-probe: virtual keyboards through uinput against the Evdev and ScannerInput modules
#     (hotplug, grab, LEDs, decoding, evemu-record, SYN_DROPPED, unplug/replug, EACCES);
#  2. scripts/scanner-vm-depotd.py guest: the real depotd and depotctl with a uinput scanner (hotplug,
#     grab, a keyboard left alone, exact decoding seen through depotctl monitor, unplug/replug) and
#     the recorded shift typed label by label;
# then, on the host, scripts/scanner-vm-depotd.py host replays fixtures/shift/shift.evemu through a
# host depotd and compares the two ledgers.
# Prints "scanner-vm: N passed, M failed" (where it cannot run: counted as skipped with the reason,
# and as a failure on CI; scripts/lib/suite.sh).
#
# Cache (outside the clone): $DEPOT_VM_CACHE, default ~/.cache/depot-vm: venv/ (virtme-ng),
# kernel/ (the unpacked linux-image package), runs/ (per-run results, the newest kept).
# Usage: scripts/scanner-vm.sh [--no-build]   (--no-build: use the binaries `swift build --build-tests` made)
set -uo pipefail
build=1; [ "${1:-}" = --no-build ] && build=0
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib/suite.sh"
. "$root/scripts/lib/vm.sh"
die() { echo "scanner-vm: $*" >&2; echo "scanner-vm: 0 passed, 1 failed"; exit 1; }

# Prerequisites, virtme-ng in its venv and Debian's kernel (scripts/lib/vm.sh).
vm_prepare scanner-vm
cache=$VM_CACHE py=$VM_PY kernel=$VM_KERNEL

# The probe and the injector, built on the host, run in the guest.
if [ "$build" = 1 ]; then
  for product in scanner-probe uinput-type depotd depotctl; do
    (cd "$root" && swift build --product "$product" >/dev/null) || die "building $product failed"
  done
fi
bin=$(cd "$root" && swift build --show-bin-path)
for product in scanner-probe uinput-type depotd depotctl; do
  [ -x "$bin/$product" ] || die "$product is not built in $bin (swift build --build-tests builds it)"
done

mkdir -p "$cache/runs"
run=$(mktemp -d "$cache/runs/run.XXXXXX")
ls -dt "$cache"/runs/run.* 2>/dev/null | tail -n +4 | xargs -r rm -rf
# The shift's catalogue, set up with depotctl on the host (depotctl starts slowly under emulation).
"$py" "$root/scripts/scanner-vm-depotd.py" prepare "$bin" "$root" "$run" > "$run/prepare.out" 2>&1
cat > "$run/guest.sh" <<GUEST
#!/bin/sh
# Runs inside the VM as root.
modprobe uinput || { echo "guest: modprobe uinput failed" > "$run/probe.out"; exit 3; }
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/uinput ] && break; sleep 0.2; done
t0=\$(date +%s)
DEPOT_VM_RESULTS="$run" "$bin/scanner-probe" > "$run/probe.out" 2>&1
echo \$? > "$run/rc"
echo "# scanner-probe took \$(( \$(date +%s) - t0 )) s" >> "$run/probe.out"
"$py" "$root/scripts/scanner-vm-depotd.py" guest "$bin" "$root" "$run" > "$run/depotd.out" 2>&1
GUEST
chmod +x "$run/guest.sh"

echo "scanner-vm: booting $(basename "$kernel") under QEMU (TCG, no KVM)"
start=$(date +%s)
timeout 900 vng --run "$kernel" "${VM_BOOT[@]}" --rwdir="$run" --exec "$run/guest.sh" 2>&1 | cat > "$run/vng.log"
vng_rc=${PIPESTATUS[0]}
echo "scanner-vm: VM ran $(( $(date +%s) - start )) s (vng exit $vng_rc)"

if [ ! -s "$run/probe.out" ]; then
  tail -n 30 "$run/vng.log"
  [ "$vng_rc" = 124 ] && die "the VM timed out after 900 s"
  die "the probe produced no output (vng exit $vng_rc); see $run/vng.log"
fi
echo "# scanner-probe (Evdev and ScannerInput on the kernel device)"
grep -v '^scanner-vm:' "$run/probe.out"
probe_summary=$(grep '^scanner-vm: ' "$run/probe.out" | tail -n1)
probe_rc=$(cat "$run/rc" 2>/dev/null || echo missing)
extra_failed=0
if [ -z "$probe_summary" ] || [ "$probe_rc" != 0 ]; then
  echo "not ok - scanner-probe finished and passed (exit $probe_rc; see $run/probe.out)"; extra_failed=1
fi
echo "# the real depotd in the VM"
cat "$run/prepare.out"
if [ -s "$run/depotd.out" ]; then cat "$run/depotd.out"; else echo "not ok - the depotd checks ran in the VM (no output; see $run/vng.log)"; extra_failed=$((extra_failed + 1)); fi
grep -q '^# guest done' "$run/depotd.out" 2>/dev/null || { echo "not ok - the depotd checks in the VM finished"; extra_failed=$((extra_failed + 1)); }
echo "# on the host: the recorded shift replayed, ledgers compared"
"$py" "$root/scripts/scanner-vm-depotd.py" host "$bin" "$root" "$run" > "$run/host.out" 2>&1
cat "$run/host.out"
grep -q '^# host done' "$run/host.out" || { echo "not ok - the host comparison finished"; extra_failed=$((extra_failed + 1)); }
echo "# results in $run; took $(( $(date +%s) - start )) s in all"

probe_passed=$(echo "$probe_summary" | sed -n 's/^scanner-vm: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
probe_failed=$(echo "$probe_summary" | sed -n 's/^scanner-vm: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
others_passed=$(cat "$run/prepare.out" "$run/depotd.out" "$run/host.out" 2>/dev/null | grep -c '^ok - ')
others_failed=$(cat "$run/prepare.out" "$run/depotd.out" "$run/host.out" 2>/dev/null | grep -c '^not ok - ')
passed=$(( ${probe_passed:-0} + others_passed ))
failed=$(( ${probe_failed:-0} + others_failed + extra_failed ))
echo "scanner-vm: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
