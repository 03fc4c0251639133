#!/usr/bin/env bash
# Load benchmark of the HTTP API (not run in CI): wrk against `citywatch serve` on a database of
# 100,000 devices and 1,000,000 observations (fingerprinted, placed in The Hague's districts by a
# generated prefix map, and assessed, so it holds findings) while an import keeps writing, for a
# device list page, a device detail, a findings page and two aggregates (summary, districts);
# then the same against a minimal Python peer (sqlite3 + ThreadingHTTPServer, no auth, no
# audit) on the same database, and the ratios.
#   bench/api_bench.sh                       # DEVICES=100000 OBS=1000000 DURATION=15 CONNECTIONS=8
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICES=${DEVICES:-100000}
OBS=${OBS:-1000000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-8}

if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq wrk >/dev/null
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCITYWATCH_BENCH=ON -DCITYWATCH_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target citywatch api_bench_db >/dev/null
cw=build-bench/app/citywatch
out=bench/out/api
mkdir -p "$out"
db="$out/bench.db"
rm -rf "$db" "$db-wal" "$db-shm" "$db.rejects"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Each /24 of the benchmark range goes to one of the city's districts (wijken), in turn.
python3 - "$out/prefix-map.csv" "$DEVICES" <<'PY'
import json, sys
features = json.load(open("data/geo/gm0518_wijken_2023.geojson"))["features"]
codes = sorted({f["properties"]["statcode"] for f in features})
with open(sys.argv[1], "w") as out:
    out.write("prefix,district,latitude,longitude,accuracy_km,label\n")
    for n in range((int(sys.argv[2]) + 255) // 256):
        out.write(f"198.{18 + n // 256}.{n % 256}.0/24,{codes[n % len(codes)]},,,,bench\n")
PY
cat > "$out/bench.toml" <<CONF
[server]
threads = $CONNECTIONS
aggregate_cache_seconds = 30
[health]
min_free_mb = 1
[geo]
prefix_map = "prefix-map.csv"
CONF
build-bench/bench/api_bench_db "$out/bench.toml" "$db" "$DEVICES" "$OBS"
token() { "$cw" --db "$db" --format json tokens create --user "$1" --role "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
analyst=$(token bench-analyst analyst)
screen=$(token bench-screen screen)

"$cw" --config "$out/bench.toml" --db "$db" serve --listen 127.0.0.1:0 > "$out/daemon.out" 2> "$out/daemon.log" &
pids+=($!)
python3 bench/api_peer.py "$db" 0 > "$out/peer.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  grep -q "listening on" "$out/daemon.out" && grep -q "listening on" "$out/peer.out" && break
  sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$out/daemon.out")
peer_port=$(sed -n 's/listening on \([0-9]*\)/\1/p' "$out/peer.out")

cold=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $analyst" "http://127.0.0.1:$port/api/v1/stats/summary")
cold_districts=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $analyst" "http://127.0.0.1:$port/api/v1/districts")

# The import that runs during every measurement: rounds of 200,000 new banners from stdin.
( r=0; while true; do python3 bench/import_feed.py $r 200000 "$DEVICES" | "$cw" --config "$out/bench.toml" --db "$db" import shodan - > /dev/null 2>&1 || true; r=$((r + 1)); done ) &
pids+=($!)
sleep 2

measure() {  # name url token [lua]
  local args=(-t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency)
  [ -n "$3" ] && args+=(-H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && args+=(-s "$4")
  CW_TOKEN="$3" CW_DEVICES="$DEVICES" wrk "${args[@]}" "$2" > "$out/wrk-$1.txt"
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$out/wrk-$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$out/wrk-$1.txt")
  errors=$(awk '/Non-2xx/ {print $5}' "$out/wrk-$1.txt")
  printf '%-22s %12s req/s   p99 %9s   non-2xx %s\n' "$1" "$rps" "$p99" "${errors:-0}"
  echo "$rps" > "$out/rps-$1"
}

echo "API under load: $DEVICES devices, $OBS observations, import running; wrk -t2 -c$CONNECTIONS -d${DURATION}s"
echo "computed cold: summary ${cold}s, districts ${cold_districts}s (then cached for 30 s)"
measure citywatch-list "http://127.0.0.1:$port/api/v1/devices?limit=100" "$analyst"
measure citywatch-detail "http://127.0.0.1:$port/" "$analyst" bench/detail.lua
measure citywatch-findings "http://127.0.0.1:$port/api/v1/findings?limit=100" "$analyst"
measure citywatch-aggregate "http://127.0.0.1:$port/api/v1/stats/summary" "$screen"
measure citywatch-districts "http://127.0.0.1:$port/api/v1/districts" "$screen"
measure peer-list "http://127.0.0.1:$peer_port/api/v1/devices?limit=100" ""
measure peer-detail "http://127.0.0.1:$peer_port/" "" bench/detail.lua
measure peer-findings "http://127.0.0.1:$peer_port/api/v1/findings?limit=100" ""
measure peer-aggregate "http://127.0.0.1:$peer_port/api/v1/stats/summary" ""
measure peer-districts "http://127.0.0.1:$peer_port/api/v1/districts" ""
imported=$(sqlite3 "$db" "SELECT coalesce(sum(imported), 0) FROM imports WHERE path = 'stdin'")
audited=$(sqlite3 "$db" "SELECT count(*) FROM audit_log")
echo "observations imported meanwhile: $imported; audit entries written: $audited"
for kind in list detail findings aggregate districts; do
  python3 -c "import sys; a, b = float(open('$out/rps-citywatch-$kind').read()), float(open('$out/rps-peer-$kind').read()); print(f'ratio citywatch/peer {sys.argv[1]:<10} {a / b:6.2f}x')" "$kind"
done
