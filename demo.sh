#!/usr/bin/env bash
# Installs what is missing, builds citywatch, and runs the main job on the bundled The Hague
# demo: a fresh database in demo-run/, the demo vulnerability data and feeds imported, the devices
# and the high and critical findings listed.
set -euo pipefail
cd "$(dirname "$0")"

deploy/install-deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target citywatch

cw=build/app/citywatch
run=demo-run
mkdir -p "$run"
rm -f "$run"/citywatch.db "$run"/citywatch.db-wal "$run"/citywatch.db-shm
rm -rf "$run"/citywatch.db.rejects
db=(--config deploy/citywatch.example.toml --db "$run/citywatch.db")

"$cw" "${db[@]}" init
"$cw" "${db[@]}" vulndb import data/demo/vulndb/*.json
"$cw" "${db[@]}" import shodan data/demo/shodan-hague-demo.jsonl
"$cw" "${db[@]}" import shadowserver data/demo/2026-11-2*-demo-nl.csv
"$cw" "${db[@]}" import nmap data/demo/nmap-city-bms-demo.xml
"$cw" "${db[@]}" devices
echo
"$cw" "${db[@]}" findings --severity high,critical --status open,reopened
echo
echo "The demo database is $run/citywatch.db; try: $cw --db $run/citywatch.db findings --format json"
echo "or: $cw --db $run/citywatch.db devices --format json (risk score with its explanation)"
