#!/usr/bin/env bash
# `make test-deb`: the Debian package in a clean Debian 12 root with no Swift toolchain.
# Usage: deb.sh RELEASE_DIR DEB. Needs root (debootstrap, chroot, mounts). The root is built once
# by scripts/deb/debroot.sh into .build-debroot/bookworm and never written afterwards: each run
# mounts a fresh overlay over it (changes land in a temp dir), with /proc and a minimal /dev
# (null, zero, full, random, urandom bound from the host). Downloaded packages are kept in
# .build-debroot/apt-archives, so a second run does not fetch them again. Checks:
#  1. the two release binaries alone (copied to /opt/depot-check) run --version in the root
#     once the libraries named by the package's Depends are installed by apt (no toolchain);
#  2. dpkg -i of the .deb succeeds after apt-get install of its Depends;
#  3. the users and groups of the shipped sysusers file exist (depot in the input group);
#  4. every directory of the shipped tmpfiles file exists with its mode and owner;
#  5. depotd, started by hand as user depot (--no-scanners, a temp database and socket), answers
#     depotctl status;
#  6. a second dpkg -i of the same .deb (the upgrade path) leaves that depotd running (same pid)
#     and says to restart it; depotd still answers;
#  7. dpkg -r removes the binaries and keeps /var/lib/depot;
#  8. in a second fresh root with systemd-sysusers and systemd-tmpfiles diverted away, postinst's
#     fallback (groupadd, useradd, usermod, install -d) gives the same users, groups, directories.
# Prints "deb: N passed, M failed" and exits non-zero on a failure.
set -uo pipefail
name=deb
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
source "$repo/scripts/lib/suite.sh"
release=$(cd "${1:?usage: deb.sh RELEASE_DIR DEB}" && pwd)
deb=$(readlink -f "${2:?usage: deb.sh RELEASE_DIR DEB}")
[ "$(id -u)" -eq 0 ] || suite_skip "$name" "needs root for debootstrap, chroot and mounts"
[ -f "$deb" ] || { echo "$name: 0 passed, 1 failed (no package at $2; run make deb)"; exit 1; }

passed=0; failed=0
pass() { passed=$((passed + 1)); echo "$name: ok: $*"; }
fail() { failed=$((failed + 1)); echo "$name: FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

cache=$repo/.build-debroot
base=$cache/bookworm
if ! "$here/debroot.sh" "$base"; then
  echo "$name: 0 passed, 1 failed (could not build the Debian root in $base)"
  exit 1
fi
mkdir -p "$cache/apt-archives/partial"

run=$(mktemp -d /tmp/depot-deb-XXXXXX)
mounts=()
depotd_pid=""
cleanup() {
  [ -n "$depotd_pid" ] && kill "$depotd_pid" 2>/dev/null && wait "$depotd_pid" 2>/dev/null
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[$i]}" 2>/dev/null || umount -l "${mounts[$i]}"; done
  rm -rf "$run"
}
trap cleanup EXIT
# mount_root NAME: a fresh overlay over the cached root at $run/NAME/root, which becomes $root.
mount_root() {
  root=$run/$1/root
  mkdir -p "$run/$1/upper" "$run/$1/work" "$root"
  mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/$1/upper,workdir=$run/$1/work" "$root" \
    || { echo "$name: $passed passed, $((failed + 1)) failed (cannot mount an overlay over $base)"; exit 1; }
  mounts+=("$root")
  mount -t proc proc "$root/proc" && mounts+=("$root/proc")
  local node
  for node in null zero full random urandom; do
    [ -e "$root/dev/$node" ] || touch "$root/dev/$node"
    mount --bind "/dev/$node" "$root/dev/$node" && mounts+=("$root/dev/$node")
  done
  mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" && mounts+=("$root/var/cache/apt/archives")
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
}
mount_root main
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
quiet_in_root() { in_root "$@" >/dev/null 2>&1; }

# The root has no Swift toolchain and no depot.
check "the root has no swift and no depot before the test" \
  bash -c "! chroot '$root' sh -c 'command -v swift || command -v depotd || [ -e /opt/swift ]' >/dev/null"

# 1. The binaries alone, with only the libraries the package's Depends names.
depends=$(dpkg-deb -f "$deb" Depends)
packages=$(tr ',' '\n' <<<"$depends" | sed 's/([^)]*)//; s/|.*//; s/[[:space:]]//g' | grep -v '^$' | tr '\n' ' ')
echo "$name: Depends: $depends"
install_depends() {
  in_root apt-get update -qq >"$run/apt-update.log" 2>&1 || fail "apt-get update in the root: $(tail -n 3 "$run/apt-update.log")"
  # shellcheck disable=SC2086
  if DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends $packages >"$run/apt.log" 2>&1; then
    pass "$1: apt-get install of the Depends ($packages)"
  else
    fail "$1: apt-get install of the Depends: $(tail -n 5 "$run/apt.log")"
  fi
}
install_depends main
mkdir -p "$root/opt/depot-check"
cp "$release/depotd" "$release/depotctl" "$root/opt/depot-check/"
version=$("$release/depotd" --version)
for bin in depotd depotctl; do
  out=$(in_root "/opt/depot-check/$bin" --version 2>&1)
  [ "$out" = "$version" ] && pass "$bin --version in the clean root prints $version" \
    || fail "$bin --version in the clean root: $out"
  missing=$(in_root ldd "/opt/depot-check/$bin" 2>&1 | grep -E 'not found|swift' || true)
  [ -z "$missing" ] && pass "$bin: ldd in the root resolves every library, none from a toolchain" \
    || fail "$bin: ldd in the root: $missing"
done
rm -rf "$root/opt/depot-check"

# 2. dpkg -i.
cp "$deb" "$root/tmp/depot.deb"
if in_root dpkg -i /tmp/depot.deb >"$run/install.log" 2>&1; then
  pass "dpkg -i $(basename "$deb")"
else
  fail "dpkg -i: $(tail -n 10 "$run/install.log")"
fi
sed 's/^/    /' "$run/install.log"
check "depotd --version after install" test "$(in_root depotd --version 2>&1)" = "$version"
check "postinst enabled nothing" bash -c "! ls '$root'/etc/systemd/system/*.wants/depotd.* >/dev/null 2>&1"

# Users and groups, as the shipped sysusers file declares them; directories, as the shipped
# tmpfiles file declares them. check_installed LABEL.
check_installed() {
  local type uname id path mode user group got
  while read -r type uname id _; do
    case "$type" in
      g) check "$1: group $uname exists" quiet_in_root getent group "$uname" ;;
      u) check "$1: user $uname exists" quiet_in_root getent passwd "$uname"
         group=${id#*:}
         check "$1: user $uname has primary group $group" test "$(in_root id -gn "$uname" 2>/dev/null)" = "$group" ;;
      m) check "$1: user $uname is in group $id" bash -c "chroot '$root' id -nG '$uname' | tr ' ' '\n' | grep -qx '$id'" ;;
    esac
  done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$root/usr/lib/sysusers.d/depot.conf")
  while read -r type path mode user group _; do
    [ "$type" = d ] || continue
    got=$(in_root stat -c '%a %U %G' "$path" 2>&1)
    check "$1: $path is $mode $user:$group (got: $got)" test "$got" = "$(printf '%o' "$((8#$mode))") $user $group"
  done < <(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$root/usr/lib/tmpfiles.d/depot.conf")
}

# 3, 4. What postinst made with systemd-sysusers and systemd-tmpfiles.
check_installed "sysusers"

# 5. depotd by hand as depot, on a temp database and socket.
in_root install -d -o depot -g depot -m 0750 /tmp/depot-run
socket=/tmp/depot-run/depotd.sock
chroot --userspec=depot:depot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/depot LANG=C.UTF-8 \
  /usr/bin/depotd --no-scanners --database /tmp/depot-run/depot.sqlite --socket "$socket" >"$run/depotd.log" 2>&1 &
depotd_pid=$!
# Until it answers (it has nothing to do but open a new database) or exits.
status_out=""
for _ in $(seq 1 600); do
  kill -0 "$depotd_pid" 2>/dev/null || break
  if status_out=$(in_root depotctl --socket "$socket" status 2>&1); then break; fi
  status_out=""
  sleep 0.1
done
[ -n "$status_out" ] && pass "depotctl --socket $socket status answers depotd (run as depot)" \
  || fail "depotd did not answer status; its log: $(tail -n 5 "$run/depotd.log")"
echo "$status_out" | sed 's/^/    /'
lock_pid=$(tr -dc 0-9 <"$root/tmp/depot-run/depot.sqlite.lock" 2>/dev/null)
check "the database lock names pid $depotd_pid (got: $lock_pid)" test "$lock_pid" = "$depotd_pid"
depot_uid=$(in_root id -u depot 2>/dev/null)
check "depotd runs as user depot (uid $depot_uid)" test "$(awk '/^Uid:/ { print $2 }' "/proc/$depotd_pid/status" 2>/dev/null)" = "$depot_uid"

# 6. The upgrade path: the same .deb again while depotd runs.
if in_root dpkg -i /tmp/depot.deb >"$run/upgrade.log" 2>&1; then
  pass "second dpkg -i (upgrade path)"
else
  fail "second dpkg -i: $(tail -n 10 "$run/upgrade.log")"
fi
sed 's/^/    /' "$run/upgrade.log"
check "depotd still runs after the upgrade (pid $depotd_pid)" kill -0 "$depotd_pid"
check "the upgrade said to restart depotd" grep -q 'systemctl restart depotd.service' "$run/upgrade.log"
check "depotd answers status after the upgrade" quiet_in_root depotctl --socket "$socket" status
check "still the same depotd: /proc/$depotd_pid is depotd" test "$(cat "/proc/$depotd_pid/comm" 2>/dev/null)" = depotd
check "its database lock still names pid $depotd_pid" test "$(tr -dc 0-9 <"$root/tmp/depot-run/depot.sqlite.lock" 2>/dev/null)" = "$depotd_pid"
# dpkg replaced /usr/bin/depotd, so the process that was not restarted runs the unlinked old file.
check "it runs the replaced binary, so it was not restarted" \
  bash -c "readlink '/proc/$depotd_pid/exe' | grep -q '(deleted)\$'"

# 7. Removal: depotd stopped by hand first (prerm only stops the systemd units), data kept.
kill "$depotd_pid" && wait "$depotd_pid" 2>/dev/null; depotd_pid=""
if in_root dpkg -r depot >"$run/remove.log" 2>&1; then pass "dpkg -r depot"; else fail "dpkg -r: $(tail -n 5 "$run/remove.log")"; fi
check "dpkg -r removed the binaries" test ! -e "$root/usr/bin/depotd" -a ! -e "$root/usr/bin/depotctl"
check "dpkg -r kept /var/lib/depot" test -d "$root/var/lib/depot"

# 8. postinst without systemd-sysusers and systemd-tmpfiles (diverted away in a second fresh
# root): the groupadd/useradd/install -d fallback makes the same users, groups and directories.
mount_root fallback
install_depends fallback
for tool in systemd-sysusers systemd-tmpfiles; do
  quiet_in_root dpkg-divert --local --rename --divert "/usr/bin/$tool.hidden" "/usr/bin/$tool" \
    || fail "fallback: cannot divert /usr/bin/$tool"
done
check "fallback: systemd-sysusers and systemd-tmpfiles are gone" \
  bash -c "! chroot '$root' sh -c 'command -v systemd-sysusers || command -v systemd-tmpfiles' >/dev/null"
cp "$deb" "$root/tmp/depot.deb"
if in_root dpkg -i /tmp/depot.deb >"$run/fallback.log" 2>&1; then
  pass "fallback: dpkg -i"
else
  fail "fallback: dpkg -i: $(tail -n 10 "$run/fallback.log")"
fi
check_installed "fallback"

echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
