#!/usr/bin/env bash
# Installs the Debian 12 packages that iotsec needs to build, test and demo, if any are missing.
# Usage: scripts/install-deps.sh [build|test|all]   (default: all)
# Only Debian packages are installed; nothing is downloaded otherwise.
set -euo pipefail

build_pkgs=(build-essential cmake pkg-config libssl-dev nlohmann-json3-dev libcli11-dev libsqlite3-dev
            libcpp-httplib-dev libcoap3-dev libtss2-dev)
test_pkgs=(googletest libgtest-dev libgmock-dev libbenchmark-dev valgrind clang libclang-rt-14-dev
           libwolfssl-dev swtpm swtpm-tools)

case "${1:-all}" in
  build) want=("${build_pkgs[@]}") ;;
  test | all) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "iotsec: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
