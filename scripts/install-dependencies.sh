#!/usr/bin/env bash
# Installs the Debian packages payrun builds against (and any named as arguments), if missing.
#   bash scripts/install-dependencies.sh [extra-package...]
set -euo pipefail

packages=(liblua5.4-dev pkg-config "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "payrun needs: ${missing[*]} (Debian or Ubuntu packages; payrun builds on Linux only)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${missing[*]}..." >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
