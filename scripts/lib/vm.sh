# Shared by the VM suites (source it after scripts/lib/suite.sh): virtme-ng in its venv and
# Debian's kernel, unpacked, both cached outside the clone (docs: ../shared/notes/real-evdev-in-a-vm.md).
#
# vm_prepare NAME: checks the host prerequisites, installs virtme-ng into $DEPOT_VM_CACHE/venv
# (default ~/.cache/depot-vm) and puts its bin first on PATH, fetches and unpacks the kernel
# package linux-image-amd64 resolves to now (never installed, version not hard-coded). On success
# it sets VM_CACHE, VM_PY (the system Python) and VM_KERNEL (the vmlinuz path). A missing
# prerequisite ends the suite through suite_skip NAME REASON (skipped off CI, failed on CI).
# VM_BOOT: the vng options every suite boots with (below).
VM_VNG_VERSION=1.42

vm_prepare() {
  local name=$1
  VM_CACHE=${DEPOT_VM_CACHE:-$HOME/.cache/depot-vm}
  [ "$(uname -m)" = x86_64 ] || suite_skip "$name" "needs an x86_64 host (found $(uname -m))"
  command -v qemu-system-x86_64 >/dev/null || suite_skip "$name" "qemu-system-x86_64 is not installed (scripts/deps/vm.apt; run make deps)"
  [ -x /bin/busybox ] || command -v busybox >/dev/null || suite_skip "$name" "busybox is not installed (scripts/deps/vm.apt)"
  command -v modprobe >/dev/null || suite_skip "$name" "kmod (modprobe) is not installed (scripts/deps/vm.apt)"
  command -v udevadm >/dev/null || suite_skip "$name" "udev is not installed (scripts/deps/vm.apt); without it the guest's output is lost"
  mkdir -p "$VM_CACHE" || suite_skip "$name" "cannot create the cache directory $VM_CACHE"

  # virtme-ng in its own venv, with the system Python (the default python3 may be another install).
  VM_PY=/usr/bin/python3; [ -x "$VM_PY" ] || VM_PY=python3
  if ! "$VM_CACHE/venv/bin/vng" --version 2>/dev/null | grep -q "$VM_VNG_VERSION"; then
    echo "$name: installing virtme-ng==$VM_VNG_VERSION into $VM_CACHE/venv"
    "$VM_PY" -m venv "$VM_CACHE/venv" >/dev/null 2>&1 || suite_skip "$name" "cannot create a Python venv (python3-venv missing?)"
    "$VM_CACHE/venv/bin/pip" install -q --disable-pip-version-check "virtme-ng==$VM_VNG_VERSION" \
      || suite_skip "$name" "cannot install virtme-ng==$VM_VNG_VERSION (no package index reachable?)"
  fi
  export PATH="$VM_CACHE/venv/bin:$PATH"   # vng runs virtme-run through PATH

  # Debian's kernel, resolved to its versioned package now, unpacked (never installed).
  local pkg kdir
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [ -n "$pkg" ] || suite_skip "$name" "apt cannot resolve linux-image-amd64 (not a Debian host, or no package lists)"
  kdir="$VM_CACHE/kernel/$pkg"
  if ! ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
    echo "$name: fetching $pkg"
    mkdir -p "$kdir.tmp" && rm -rf "$kdir.tmp"/*
    (cd "$kdir.tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >/dev/null 2>&1) \
      || suite_skip "$name" "cannot download $pkg"
    dpkg-deb -x "$kdir.tmp"/*.deb "$kdir" || suite_skip "$name" "cannot unpack $pkg"
    rm -rf "$kdir.tmp"
  fi
  VM_KERNEL=$(ls "$kdir"/boot/vmlinuz-* | head -n1)
}

# The options of `vng --run "$VM_KERNEL"` shared by the suites, as the array VM_BOOT: no KVM
# (/dev/kvm here is a nested hypervisor that hangs a stock kernel), 9p (bookworm's virtiofsd does
# not work with vng), 1 GiB.
VM_BOOT=(--disable-kvm --force-9p --memory 1G --append "module_blacklist=kvm,kvm_amd,kvm_intel")
