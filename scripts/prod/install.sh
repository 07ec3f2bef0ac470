#!/usr/bin/env bash
# `make install-files` into a DESTDIR: every file lands where docs/operations.md says, the
# installed unit names the installed binary and still verifies, the man pages render, the
# completions and the example configuration are valid. Usage: install.sh BUILD_DIR.
set -uo pipefail
build=$(cd "${1:-.build/debug}" && pwd)
name=prod-install
root=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d /tmp/depot-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "$name: FAIL: $*"; }
if ! make -s -C "$root" install-files DESTDIR="$dest" PREFIX=/usr BUILD_DIR="$build" >"$dest.log" 2>&1; then
  fail "make install-files failed: $(cat "$dest.log")"
fi
rm -f "$dest.log"
for f in usr/bin/depotd usr/bin/depotctl usr/lib/systemd/system/depotd.service usr/lib/systemd/system/depotd.socket \
         usr/lib/sysusers.d/depot.conf usr/lib/tmpfiles.d/depot.conf usr/share/man/man8/depotd.8 \
         usr/share/man/man1/depotctl.1 usr/share/bash-completion/completions/depotctl \
         usr/share/zsh/site-functions/_depotctl usr/share/fish/vendor_completions.d/depotctl.fish \
         usr/share/doc/depot/depotd.conf.example usr/share/doc/depot/operations.md; do
  [ -s "$dest/$f" ] && pass || fail "missing or empty: $f"
done
grep -q '^ExecStart=/usr/bin/depotd\b' "$dest/usr/lib/systemd/system/depotd.service" && pass \
  || fail "installed unit does not start /usr/bin/depotd"
# Apart from ExecStart, the installed unit is the shipped one (which units.sh verifies).
diff <(sed 's|/usr/local/bin/depotd|/usr/bin/depotd|' "$root/systemd/depotd.service") \
  "$dest/usr/lib/systemd/system/depotd.service" >/dev/null && pass || fail "installed unit differs beyond ExecStart"
man -l "$dest/usr/share/man/man1/depotctl.1" 2>/dev/null | grep -q 'depotctl backup' && pass || fail "depotctl(1) lacks the backup command"
man -l "$dest/usr/share/man/man8/depotd.8" 2>/dev/null | grep -q -- '--check-config' && pass || fail "depotd(8) lacks --check-config"
for page in man1/depotctl.1 man8/depotd.8; do
  for section in SYNOPSIS EXAMPLES "EXIT STATUS" FILES; do
    man -l "$dest/usr/share/man/$page" 2>/dev/null | grep -q "^$section" && pass || fail "$page lacks its $section section"
  done
  ! grep -q 'OVERVIEW:' "$dest/usr/share/man/$page" && pass || fail "$page still says OVERVIEW: in its DESCRIPTION"
done
bash -n "$dest/usr/share/bash-completion/completions/depotctl" && grep -q reload "$dest/usr/share/bash-completion/completions/depotctl" \
  && pass || fail "bash completion is not valid bash or lacks reload"
out=$("$dest/usr/bin/depotd" --check-config --config "$dest/usr/share/doc/depot/depotd.conf.example" 2>&1)
[ $? -eq 0 ] && pass || fail "the example configuration does not validate: $out"
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
