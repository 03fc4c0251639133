#!/usr/bin/env bash
# Installs the Debian 12 packages citywatch needs. Usage: deploy/install-deps.sh [build|test|ci|bench]
#   build: compiler, CMake and the libraries (enough to build and run citywatch)
#   test:  build + what the tests start for real (nmap, sqlite3, python3, the MMDB writer, and
#          the device zoo: mosquitto, busybox-static, snmpd, snmp; an SMTP sink; Debian's
#          chromium for the dashboard's browser tests)
#   ci:    test + clang for the fuzz targets
#   bench: test + the peers and load tools the benchmarks run (python3-maxminddb, wrk)
# Runs apt only when something is missing; uses sudo when not root. Then installs the
# dashboard's JavaScript libraries, pinned in web/package-lock.json, with `npm ci` (again only
# when the lock file changed since the last install); no browser is downloaded.
set -euo pipefail

build_pkgs=(g++ cmake make pkg-config libpcap-dev libcurl4-openssl-dev libmaxminddb-dev
  libsqlite3-dev libspdlog-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev
  libtomlplusplus-dev libcpp-httplib-dev libsodium-dev libexpat1-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev)
test_pkgs=(nmap sqlite3 python3 perl libmaxmind-db-writer-perl mosquitto busybox-static snmpd snmp
           python3-aiosmtpd openssl chromium)
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
# Node.js and npm for the dashboard's libraries: Debian's, unless a node is already there
# (another packaging of Node.js may own the same files).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi

npm_ci() {
  local web stamp
  web="$(cd "$(dirname "$0")/.." && pwd)/web"
  stamp="$web/node_modules/.citywatch-lock"
  if [ -f "$stamp" ] && cmp -s "$web/package-lock.json" "$stamp"; then return 0; fi
  echo "installing the dashboard's libraries (npm ci in web/)" >&2
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$web/package-lock.json" "$stamp"
}

if [ ${#missing[@]} -eq 0 ]; then
  npm_ci
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 77; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_ci
