#!/usr/bin/env bash
# `make deb`: builds OUT_DIR/depot_VERSION_ARCH.deb from the release binaries in RELEASE_DIR with
# Debian's own tools. Stages `make install-files DESTDIR=... PREFIX=/usr` in OUT_DIR/deb-stage,
# adds the docs, copyright and changelog, compresses man pages and large docs as dh_compress
# would, strips the binaries as dh_strip would, takes Depends from dpkg-shlibdeps (through a
# minimal debian/control in the staging dir and dpkg-gencontrol), then dpkg-deb --build
# --root-owner-group. The version is `depotd --version`; the maintainer is DEB_MAINTAINER, else the
# author of the checked-out commit; DEB_COMPRESSION (xz, gzip, none; default xz) is dpkg-deb -Z.
# Usage: build.sh RELEASE_DIR OUT_DIR.
set -euo pipefail
release=$(cd "${1:?usage: build.sh RELEASE_DIR OUT_DIR}" && pwd)
out=$(cd "${2:?usage: build.sh RELEASE_DIR OUT_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
for tool in dpkg-deb dpkg-shlibdeps dpkg-gencontrol; do
  command -v "$tool" >/dev/null || { echo "make deb: $tool is missing (Debian's dpkg-dev package)" >&2; exit 1; }
done

version=$("$release/depotd" --version)
ctl_version=$("$release/depotctl" --version)
[ "$version" = "$ctl_version" ] || { echo "make deb: depotd is version $version but depotctl is $ctl_version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
maintainer=${DEB_MAINTAINER:-$(git -C "$repo" log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$maintainer" ] || { echo "make deb: no maintainer: set DEB_MAINTAINER='Name <address>'" >&2; exit 1; }
# Reproducible file times and changelog date: the commit's time, else now.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
commit=$(git -C "$repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

stage=$out/deb-stage
pkg=$stage/debian/depot
doc=$pkg/usr/share/doc/depot
rm -rf "$stage"
mkdir -p "$stage/debian"
umask 022

make -s --no-print-directory -C "$repo" install-files DESTDIR="$pkg" PREFIX=/usr BUILD_DIR="$release" >"$stage/install.log" 2>&1 \
  || { echo "make deb: make install-files failed:" >&2; cat "$stage/install.log" >&2; exit 1; }
install -m 0644 "$repo/README.md" "$doc/"
for f in "$repo"/docs/*.md; do
  [ "$(basename "$f")" = operations.md ] || install -m 0644 "$f" "$doc/"
done
install -m 0644 "$here/copyright" "$doc/copyright"

sed "s|@MAINTAINER@|$maintainer|" "$here/control" >"$stage/debian/control"
{
  echo "depot ($version) bookworm; urgency=medium"
  echo
  echo "  * Built by make deb from commit $commit."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} >"$stage/debian/changelog"
gzip -9n -c "$stage/debian/changelog" >"$doc/changelog.gz"

# A completion script is sourced, not run: no #! line (lintian: bash-completion-with-hashbang).
sed -i '1{/^#!/d}' "$pkg/usr/share/bash-completion/completions/depotctl"
strip --remove-section=.comment --remove-section=.note "$pkg/usr/bin/depotd" "$pkg/usr/bin/depotctl"
find "$pkg/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
# As dh_compress: docs above 4 KiB, but not the copyright file and not the example configuration
# (copied as it is to /etc/depot/depotd.conf).
find "$doc" -type f -size +4k ! -name copyright ! -name '*.example' -exec gzip -9n {} +
chmod -R u=rwX,go=rX "$pkg"

mkdir -p "$pkg/DEBIAN"
for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$pkg/DEBIAN/$script"
done
(cd "$stage" && dpkg-shlibdeps -Tdebian/depot.substvars debian/depot/usr/bin/depotd debian/depot/usr/bin/depotctl)
(cd "$stage" && dpkg-gencontrol -pdepot -Tdebian/depot.substvars -Pdebian/depot)
(cd "$pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control"

deb=$out/depot_${version}_${arch}.deb
# Written under a temporary name and renamed, so a stopped build leaves no half-written package.
rm -f "$deb.partial"
dpkg-deb --build --root-owner-group "-Z${DEB_COMPRESSION:-xz}" "$pkg" "$deb.partial" >/dev/null
mv -f "$deb.partial" "$deb"
echo "make deb: $deb ($(du -k "$deb" | cut -f1) KiB; $(dpkg-deb -f "$deb" Depends))"
