#!/usr/bin/env bash
# The shipped systemd units: `systemd-analyze verify` prints nothing (no warnings) and
# `systemd-analyze security --offline=true` rates depotd.service at most 1.5.
# The units name /usr/local/bin/depotd (make install's default PREFIX); the check points
# ExecStart at the built binary so verify can see an executable there.
# Usage: units.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:-.build/debug}" && pwd)
name=prod-units
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/lib/suite.sh"
command -v systemd-analyze >/dev/null || suite_skip "$name" "systemd-analyze is not installed (Debian package systemd)"
dir=$(mktemp -d /tmp/depot-units-XXXXXX)
trap 'rm -rf "$dir"' EXIT
passed=0; failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "$name: FAIL: $*"; }
for unit in depotd.service depotd.socket; do
  sed "s|/usr/local/bin/depotd|$build/depotd|" "$here/systemd/$unit" >"$dir/$unit"
done
# --man=no: the man pages are installed by `make install`, not present in a build tree.
output=$(cd "$dir" && systemd-analyze verify --man=no ./depotd.service ./depotd.socket 2>&1)
status=$?
if [ $status -eq 0 ] && [ -z "$output" ]; then pass; else fail "systemd-analyze verify (exit $status): $output"; fi
security=$(cd "$dir" && systemd-analyze security --offline=true ./depotd.service 2>&1)
exposure=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for depotd.service: \([0-9.]*\).*/\1/p')
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 1.5) }'; then
  echo "$name: exposure $exposure (limit 1.5)"; pass
else
  fail "exposure '${exposure:-unknown}' is above 1.5 or unreadable: $(printf '%s\n' "$security" | grep -E '✗|Overall')"
fi
# PrivateUsers= must stay off: it would hide the peers' real uids from SO_PEERCRED.
grep -q '^PrivateUsers=' "$here/systemd/depotd.service" && fail "depotd.service sets PrivateUsers=" || pass
grep -q '^Type=notify$' "$here/systemd/depotd.service" && grep -q '^WatchdogSec=' "$here/systemd/depotd.service" && pass \
  || fail "depotd.service is not Type=notify with WatchdogSec="
grep -q '^SocketMode=0660$' "$here/systemd/depotd.socket" && grep -q '^SocketGroup=depot$' "$here/systemd/depotd.socket" && pass \
  || fail "depotd.socket is not SocketMode=0660 SocketGroup=depot"
echo "$name: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
