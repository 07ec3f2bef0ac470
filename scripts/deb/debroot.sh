#!/usr/bin/env bash
# Builds, once, the clean Debian 12 root that scripts/deb/deb.sh tests the package in:
# debootstrap --variant=minbase bookworm, then apt-get update and systemd (bookworm's systemd
# package ships systemd-sysusers and systemd-tmpfiles, which the postinst uses). The root is cached
# in DIR (default .build-debroot/bookworm, gitignored) and only read afterwards: each test run
# mounts a fresh overlay over it. The mirror is the host's own, read at run time from
# /etc/apt/sources.list and /etc/apt/sources.list.d/*.list or *.sources (deb822); no host name is
# written in the repository. Usage: debroot.sh [DIR]. Needs root.
set -euo pipefail
root_dir=${1:-.build-debroot/bookworm}

# The first "deb" URI of the host's sources that serves bookworm (one-line or deb822 form).
host_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       if ($(i + 1) == "bookworm") { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         { types = uris = suites = ""
           for (n = 1; n <= NF; n++) {
             if ($n ~ /^Types:/) types = $n; else if ($n ~ /^URIs:/) uris = $n; else if ($n ~ /^Suites:/) suites = $n
           }
           if (types ~ /[: ]deb( |$)/ && suites ~ /[: ]bookworm( |$)/) { sub(/^URIs:[ \t]*/, "", uris); split(uris, u, " "); print u[1]; exit } }' "$f"
  done
}

if [ -f "$root_dir/.depot-root-complete" ]; then
  exit 0
fi
mirror=$(host_mirror | head -n 1)
if [ -z "$mirror" ]; then
  echo "debroot: no bookworm 'deb' source in /etc/apt/sources.list or /etc/apt/sources.list.d/ to bootstrap from" >&2
  exit 1
fi
if ! command -v debootstrap >/dev/null; then
  echo "debroot: apt-get install debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
rm -rf "$root_dir"
mkdir -p "$(dirname "$root_dir")"
echo "debroot: debootstrap --variant=minbase bookworm $root_dir (mirror from the host's apt sources)"
debootstrap --variant=minbase bookworm "$root_dir" "$mirror" >"$root_dir.log" 2>&1 \
  || { echo "debroot: debootstrap failed; its log: $root_dir.log" >&2; tail -n 20 "$root_dir.log" >&2; exit 1; }
cp /etc/resolv.conf "$root_dir/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root_dir/proc"
trap 'umount "$root_dir/proc"' EXIT
chroot "$root_dir" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$root_dir" apt-get install -y -qq --no-install-recommends systemd >>"$root_dir.log" 2>&1 \
  || { echo "debroot: installing systemd in the root failed; its log: $root_dir.log" >&2; exit 1; }
chroot "$root_dir" apt-get clean
touch "$root_dir/.depot-root-complete"
echo "debroot: $root_dir ready"
