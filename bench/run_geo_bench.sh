#!/usr/bin/env bash
# Geolocation benchmark: builds a production-size test database once (cached in
# build-bench/bench-cache/), builds bench/geo_bench in Release mode and runs it against the
# libmaxminddb floor and python3-maxminddb. Not part of CI.
#   bench/run_geo_bench.sh [NETWORKS [COUNT]]   defaults: 2000000 networks, 2000000 addresses
set -euo pipefail
cd "$(dirname "$0")/.."
networks=${1:-2000000}
count=${2:-2000000}

deploy/install-deps.sh bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCITYWATCH_BENCH=ON -DCITYWATCH_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target geo_bench

cache=build-bench/bench-cache
db=$cache/geo-bench-$networks.mmdb
mkdir -p "$cache"
if [ ! -s "$db" ]; then
  echo "building $db with $networks networks (once; takes a minute or two)..." >&2
  perl bench/make_bench_mmdb.pl "$db" "$networks"
fi
build-bench/bench/geo_bench --mmdb "$db" --incity "$db.incity" --data data --count "$count"
