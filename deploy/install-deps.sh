#!/usr/bin/env bash
# Installs the Debian 12 packages citywatch needs. Usage: deploy/install-deps.sh [build|test|ci|bench]
#   build: compiler, CMake and the libraries (enough to build and run citywatch)
#   test:  build + what the tests start for real (nmap, sqlite3, python3, the MMDB writer, and
#          the device zoo: mosquitto, busybox-static, snmpd, snmp)
#   ci:    test + clang for the fuzz targets
#   bench: test + the peers and load tools the benchmarks run (python3-maxminddb, wrk)
# Runs apt only when something is missing; uses sudo when not root.
set -euo pipefail

build_pkgs=(g++ cmake make pkg-config libpcap-dev libcurl4-openssl-dev libmaxminddb-dev
  libsqlite3-dev libspdlog-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev
  libtomlplusplus-dev libcpp-httplib-dev libsodium-dev libexpat1-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev)
test_pkgs=(nmap sqlite3 python3 perl libmaxmind-db-writer-perl mosquitto busybox-static snmpd snmp
           python3-aiosmtpd openssl)
ci_pkgs=(clang-14 libclang-rt-14-dev)
bench_pkgs=(python3-maxminddb mmdb-bin wrk)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  ci) want+=("${test_pkgs[@]}" "${ci_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|ci|bench]" >&2; exit 64 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 77; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
