#!/usr/bin/env bash
# Installs what building and testing depot needs, only when it is missing:
# Debian packages listed in scripts/deps/*.apt and Python packages in scripts/deps/*.pip
# (one name per line, '#' comments). Safe to run again; prints what it installs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

want_apt=()
for f in "$here"/deps/*.apt; do
  [ -e "$f" ] || continue
  while read -r pkg _; do
    [ -z "$pkg" ] || [ "${pkg:0:1}" = "#" ] && continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || want_apt+=("$pkg")
  done < "$f"
done
if [ ${#want_apt[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${want_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
want_pip=()
for f in "$here"/deps/*.pip; do
  [ -e "$f" ] || continue
  while read -r spec module _; do
    [ -z "$spec" ] || [ "${spec:0:1}" = "#" ] && continue
    "$PY" -c "import ${module:-$spec}" 2>/dev/null || want_pip+=("$spec")
  done < "$f"
done
if [ ${#want_pip[@]} -gt 0 ]; then
  echo "install-deps: pip install ${want_pip[*]}"
  "$PY" -m pip install -q --disable-pip-version-check "${want_pip[@]}"
fi
