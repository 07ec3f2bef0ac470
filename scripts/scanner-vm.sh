#!/usr/bin/env bash
# The scanner test against a real kernel input device: boots Debian's kernel under QEMU with
# virtme-ng (the host's root file system shared read-only), loads uinput, and runs scanner-probe,
# which makes virtual keyboards through uinput and checks hotplug, grab, decoding, unplug/replug.
# Prints "scanner-vm: N passed, M failed" (or "scanner-vm: SKIPPED: reason" where it cannot run).
#
# Cache (outside the clone): $DEPOT_VM_CACHE, default ~/.cache/depot-vm: venv/ (virtme-ng),
# kernel/ (the unpacked linux-image package), runs/ (per-run results, the newest kept).
# Usage: scripts/scanner-vm.sh [--no-build]   (--no-build: use the binaries `swift build --build-tests` made)
set -uo pipefail
build=1; [ "${1:-}" = --no-build ] && build=0
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${DEPOT_VM_CACHE:-$HOME/.cache/depot-vm}
vng_version=1.42

skip() { echo "scanner-vm: SKIPPED: $*"; exit 0; }
die() { echo "scanner-vm: $*" >&2; echo "scanner-vm: 0 passed, 1 failed"; exit 1; }

[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host (found $(uname -m))"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (scripts/deps/vm.apt; run make deps)"
[ -x /bin/busybox ] || command -v busybox >/dev/null || skip "busybox is not installed (scripts/deps/vm.apt)"
command -v modprobe >/dev/null || skip "kmod (modprobe) is not installed (scripts/deps/vm.apt)"
command -v udevadm >/dev/null || skip "udev is not installed (scripts/deps/vm.apt); without it the guest's output is lost"
mkdir -p "$cache" || skip "cannot create the cache directory $cache"

# virtme-ng in its own venv, with the system Python (the default python3 may be another install).
py=/usr/bin/python3; [ -x "$py" ] || py=python3
if ! "$cache/venv/bin/vng" --version 2>/dev/null | grep -q "$vng_version"; then
  echo "scanner-vm: installing virtme-ng==$vng_version into $cache/venv"
  "$py" -m venv "$cache/venv" >/dev/null 2>&1 || skip "cannot create a Python venv (python3-venv missing?)"
  "$cache/venv/bin/pip" install -q --disable-pip-version-check "virtme-ng==$vng_version" \
    || skip "cannot install virtme-ng==$vng_version (no package index reachable?)"
fi
export PATH="$cache/venv/bin:$PATH"   # vng runs virtme-run through PATH

# Debian's kernel, resolved to its versioned package now, unpacked (never installed).
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || skip "apt cannot resolve linux-image-amd64 (not a Debian host, or no package lists)"
kdir="$cache/kernel/$pkg"
if ! ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
  echo "scanner-vm: fetching $pkg"
  mkdir -p "$kdir.tmp" && rm -rf "$kdir.tmp"/*
  (cd "$kdir.tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null 2>&1) \
    || skip "cannot download $pkg"
  dpkg-deb -x "$kdir.tmp"/*.deb "$kdir" || skip "cannot unpack $pkg"
  rm -rf "$kdir.tmp"
fi
kernel=$(ls "$kdir"/boot/vmlinuz-* | head -n1)

# The probe and the injector, built on the host, run in the guest.
if [ "$build" = 1 ]; then
  (cd "$root" && swift build --product scanner-probe >/dev/null && swift build --product uinput-type >/dev/null) \
    || die "building scanner-probe and uinput-type failed"
fi
bin=$(cd "$root" && swift build --show-bin-path)
[ -x "$bin/scanner-probe" ] && [ -x "$bin/uinput-type" ] || die "scanner-probe or uinput-type is not built in $bin"

mkdir -p "$cache/runs"
run=$(mktemp -d "$cache/runs/run.XXXXXX")
ls -dt "$cache"/runs/run.* 2>/dev/null | tail -n +4 | xargs -r rm -rf
cat > "$run/guest.sh" <<GUEST
#!/bin/sh
# Runs inside the VM as root.
modprobe uinput || { echo "guest: modprobe uinput failed" > "$run/probe.out"; exit 3; }
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /dev/uinput ] && break; sleep 0.2; done
DEPOT_VM_RESULTS="$run" "$bin/scanner-probe" > "$run/probe.out" 2>&1
echo \$? > "$run/rc"
GUEST
chmod +x "$run/guest.sh"

echo "scanner-vm: booting $(basename "$kernel") under QEMU (TCG, no KVM)"
start=$(date +%s)
timeout 900 vng --run "$kernel" --disable-kvm --force-9p --memory 1G \
  --append "module_blacklist=kvm,kvm_amd,kvm_intel" --rwdir="$run" --exec "$run/guest.sh" 2>&1 | cat > "$run/vng.log"
vng_rc=${PIPESTATUS[0]}
echo "scanner-vm: VM ran $(( $(date +%s) - start )) s (vng exit $vng_rc)"

if [ ! -s "$run/probe.out" ]; then
  tail -n 30 "$run/vng.log"
  [ "$vng_rc" = 124 ] && die "the VM timed out after 900 s"
  die "the probe produced no output (vng exit $vng_rc); see $run/vng.log"
fi
grep -v '^scanner-vm:' "$run/probe.out"
summary=$(grep '^scanner-vm: ' "$run/probe.out" | tail -n1)
probe_rc=$(cat "$run/rc" 2>/dev/null || echo missing)
if [ -z "$summary" ]; then die "the probe did not finish (exit $probe_rc); see $run/probe.out"; fi
echo "$summary"
[ "$probe_rc" = 0 ] || exit 1
