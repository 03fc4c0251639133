#!/usr/bin/env bash
# Installs what is missing, builds citywatch, and runs the main job on the bundled The Hague
# demo: a fresh database in demo-run/, the demo vulnerability data and feeds imported, every
# device located (a demo prefix map places the documentation-range addresses in Hague districts),
# the devices in the city listed with their districts and the high and critical findings, and
# the two demo partners' batches built and listed (never delivered: the demo sends nothing);
# then the dashboard runs on 127.0.0.1:8080 with a demo login made up for this install.
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
db=(--config data/demo/citywatch-demo.toml --db "$run/citywatch.db")

"$cw" "${db[@]}" init
"$cw" "${db[@]}" vulndb import data/demo/vulndb/*.json
"$cw" "${db[@]}" import shodan data/demo/shodan-hague-demo.jsonl
"$cw" "${db[@]}" import shadowserver data/demo/2026-11-2*-demo-nl.csv
"$cw" "${db[@]}" import nmap data/demo/nmap-city-bms-demo.xml
"$cw" "${db[@]}" devices
echo
"$cw" "${db[@]}" findings --severity high,critical --status open,reopened
echo
"$cw" "${db[@]}" partners list
"$cw" "${db[@]}" batches build
"$cw" "${db[@]}" batches list
echo
echo "The demo database is $run/citywatch.db; try:"
echo "  $cw ${db[*]} devices --district WK051828      # one district (Centrum)"
echo "  $cw ${db[*]} devices --all --format json      # also outside the city"
echo "  $cw ${db[*]} locate 203.0.113.230 2001:db8:4a0:31::7"
echo "  $cw ${db[*]} findings --format json"
echo "  $cw ${db[*]} devices --format json         # risk score with its explanation"
echo "  $cw ${db[*]} batches show <batch id> --as xarf   # a batch as its partner would get it"
echo "  $cw ${db[*]} batches unrouted                 # findings no partner serves"

# The dashboard on the demo: a login made up at random for this install (kept, readable only by
# you, in demo-run/demo-login), a token for the City Hall screen, then the daemon on loopback.
# CITYWATCH_DEMO_SERVE=0 stops here instead; CITYWATCH_DEMO_PORT picks another port.
[ "${CITYWATCH_DEMO_SERVE:-1}" = "0" ] && exit 0
login="$run/demo-login"
if [ ! -s "$login" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-20 > "$login")
fi
password="$(cat "$login")"
"$cw" "${db[@]}" users add demo --role admin --password-stdin <<< "$password" >/dev/null
screen="$("$cw" "${db[@]}" --format json tokens create --user cityhall --role screen \
  --label "City Hall screen (demo)" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')"
port="${CITYWATCH_DEMO_PORT:-8080}"
echo
echo "The dashboard on the demo data:"
echo "  http://127.0.0.1:$port/             user: demo   password: $password"
echo "  http://127.0.0.1:$port/screen#token=$screen"
echo "  http://127.0.0.1:$port/api/v1/open-data/districts.csv   (open data; with the screen token)"
echo "Stop it with Ctrl-C."
exec "$cw" "${db[@]}" serve --listen "127.0.0.1:$port"
