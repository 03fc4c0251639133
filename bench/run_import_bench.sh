#!/usr/bin/env bash
# The Shodan import benchmark: citywatch against the Python peer and the floor, in one run.
#
#   bench/run_import_bench.sh [N=1000000] [SEED=42]
#
# Builds citywatch and bench/import_floor_bench in build-bench/ (Release), generates N banners
# with bench/gen_shodan.py (cached in build-bench/bench-data/), then runs, each under
# /usr/bin/time -v into a fresh database:
#   citywatch   `citywatch --db X init && citywatch --db X import shodan FILE` (end to end)
#   python      bench/import_peer.py X FILE (end to end)
#   floor       bench/import_floor_bench X FILE (its own timed rate: writing only)
#   citywatch   again on N/4 banners (same generator and seed), to show peak memory does not
#               grow with the input
#   citywatch   with CHUNK_INFO=1 only: again on N banners with [import] chunk_size = 10000,
#               the peer's transaction size (how much of the difference is transaction size)
# and prints banners/s, peak RSS and the ratios against the targets of the issue. Databases go
# to build-bench/bench-db/ and are removed afterwards (KEEP_DBS=1 keeps them); the full
# /usr/bin/time reports and outputs stay in build-bench/bench-logs/.
set -euo pipefail

N=${1:-1000000}
SEED=${2:-42}
case "$N$SEED" in *[!0-9]*) echo "usage: $0 [N] [SEED] (whole numbers)" >&2; exit 2 ;; esac
[ "$N" -ge 4 ] || { echo "N must be at least 4" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
data=$build/bench-data
dbs=$build/bench-db
logs=$build/bench-logs
mkdir -p "$data" "$dbs" "$logs"

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (for wall time and peak RSS)"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get install -y -qq time >/dev/null
fi

# --- build ----------------------------------------------------------------------------------
generator=()
if [ ! -f "$build/CMakeCache.txt" ] && command -v ninja >/dev/null; then generator=(-G Ninja); fi
echo "building citywatch and import_floor_bench (Release) in build-bench/"
if ! { cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
         -DCITYWATCH_BENCH=ON -DCITYWATCH_TESTS=OFF &&
       cmake --build "$build" -j"$(nproc)" --target citywatch import_floor_bench; } \
       >"$logs/build.log" 2>&1; then
  tail -40 "$logs/build.log" >&2
  exit 1
fi
citywatch=$build/app/citywatch
floor=$build/bench/import_floor_bench

# --- data -----------------------------------------------------------------------------------
input() {  # input N: path of the generated file with N banners
  local file=$data/shodan-$1-$SEED.jsonl
  if [ ! -s "$file" ]; then
    echo "generating $1 banners (seed $SEED), cached in build-bench/bench-data/" >&2
    python3 "$root/bench/gen_shodan.py" "$1" "$SEED" >"$file.tmp" 2>"$logs/gen-$1.log"
    mv "$file.tmp" "$file"
  fi
  echo "$file"
}
file=$(input "$N")
quarter=$((N / 4))
file_quarter=$(input "$quarter")

# --- runs -----------------------------------------------------------------------------------
fresh_db() { rm -f "$1" "$1-wal" "$1-shm"; rm -rf "$1.rejects"; }

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets WALL (s), PEAK_KB, CPU (%) and
# CPUS (user + system seconds).
# Each run writes gigabytes through the page cache: flush the previous run's dirty pages first so
# that no run pays for another's writeback.
timed() {
  local name=$1
  shift
  sync
  if ! /usr/bin/time -v -o "$logs/$name.time" "$@" >"$logs/$name.out" 2>"$logs/$name.err"; then
    echo "$name failed; its output:" >&2
    tail -20 "$logs/$name.out" "$logs/$name.err" >&2
    exit 1
  fi
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
           n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' \
         "$logs/$name.time")
  PEAK_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$logs/$name.time")
  CPU=$(awk -F': ' '/Percent of CPU/ {print $2}' "$logs/$name.time")
  CPUS=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$logs/$name.time")
}

# field KEY FILE: VALUE of the first KEY=VALUE in FILE
field() { grep -o "$1=[^ ]*" "$2" | head -1 | cut -d= -f2; }

rows() {  # rows DB: "observations services devices"
  python3 - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(str(db.execute("SELECT count(*) FROM " + t).fetchone()[0])
               for t in ("observations", "services", "devices")))
EOF
}

# sh -c "$import_cmd" sh CITYWATCH DB FILE [OPTIONS...]: init, then import with OPTIONS.
import_cmd='c=$1 db=$2 f=$3; shift 3
"$c" --db "$db" init >/dev/null && "$c" "$@" --db "$db" import shodan "$f"'

load_now() { cut -d' ' -f1-3 /proc/loadavg; }
busy() {  # other heavy processes right now (compilers, linkers), for the load note
  ps -eo comm= | grep -cE '^(cc1plus|cc1|ld|ld\.gold|lld|clang|clang\+\+|rustc|ninja|make)$' || true
}
load_before=$(load_now)
busy_before=$(busy)

echo "running citywatch, python peer and floor on $N banners ($(du -h "$file" | cut -f1) of NDJSON)"
db=$dbs/citywatch.db
fresh_db "$db"
timed citywatch sh -c "$import_cmd" sh "$citywatch" "$db" "$file"
cw_wall=$WALL cw_kb=$PEAK_KB cw_cpu=$CPU cw_cpus=$CPUS
cw_rows=$(rows "$db")
[ "${KEEP_DBS:-0}" = 1 ] || fresh_db "$db"

db=$dbs/python.db
fresh_db "$db"
timed python python3 "$root/bench/import_peer.py" "$db" "$file"
py_wall=$WALL py_kb=$PEAK_KB py_cpu=$CPU py_cpus=$CPUS
py_rows=$(rows "$db")
[ "${KEEP_DBS:-0}" = 1 ] || fresh_db "$db"

db=$dbs/floor.db
fresh_db "$db"
timed floor "$floor" "$db" "$file"
fl_kb=$PEAK_KB fl_cpu=$CPU
fl_rate=$(field banners_per_s "$logs/floor.out")
fl_secs=$(field seconds "$logs/floor.out")
fl_cpus=$(field cpu_seconds "$logs/floor.out")
fl_loaded=$(field loaded_rss_mib "$logs/floor.out")
fl_parse=$(field parse_seconds "$logs/floor.out")
fl_rows=$(rows "$db")
[ "${KEEP_DBS:-0}" = 1 ] || fresh_db "$db"

echo "running citywatch on $quarter banners (memory check)"
db=$dbs/citywatch-quarter.db
fresh_db "$db"
timed citywatch-quarter sh -c "$import_cmd" sh "$citywatch" "$db" "$file_quarter"
cq_wall=$WALL cq_kb=$PEAK_KB cq_cpu=$CPU cq_cpus=$CPUS
[ "${KEEP_DBS:-0}" = 1 ] || fresh_db "$db"

ck_wall=0 ck_kb=0 ck_cpu=- ck_cpus=0
if [ "${CHUNK_INFO:-0}" = 1 ]; then
  echo "running citywatch on $N banners with chunk_size 10000 (the peer's transaction size)"
  db=$dbs/citywatch-10k.db
  fresh_db "$db"
  printf '[import]\nchunk_size = 10000\n' >"$logs/chunk10k.toml"
  timed citywatch-10k sh -c "$import_cmd" sh "$citywatch" "$db" "$file" \
    --config "$logs/chunk10k.toml"
  ck_wall=$WALL ck_kb=$PEAK_KB ck_cpu=$CPU ck_cpus=$CPUS
  [ "${KEEP_DBS:-0}" = 1 ] || fresh_db "$db"
fi
load_after=$(load_now)

# --- report ---------------------------------------------------------------------------------
awk -v n="$N" -v q="$quarter" \
    -v cw_wall="$cw_wall" -v cw_kb="$cw_kb" -v cw_cpu="$cw_cpu" -v cw_cpus="$cw_cpus" \
    -v py_wall="$py_wall" -v py_kb="$py_kb" -v py_cpu="$py_cpu" -v py_cpus="$py_cpus" \
    -v fl_rate="$fl_rate" -v fl_secs="$fl_secs" -v fl_kb="$fl_kb" -v fl_cpu="$fl_cpu" \
    -v fl_cpus="$fl_cpus" -v cq_cpus="$cq_cpus" -v ck_cpus="$ck_cpus" \
    -v fl_loaded="$fl_loaded" -v fl_parse="$fl_parse" -v cq_wall="$cq_wall" -v cq_kb="$cq_kb" \
    -v cq_cpu="$cq_cpu" -v ck_wall="$ck_wall" -v ck_kb="$ck_kb" -v ck_cpu="$ck_cpu" '
function mib(kb) { return kb / 1024 }
function verdict(ok) { return ok ? "met" : "NOT met" }
function row(label, rate, wall, cpus, kb, pct) {
  printf "%-34s %10.0f %9.2f %9.2f %9.1f %5s\n", label, rate, wall, cpus, mib(kb), pct
}
BEGIN {
  cw = n / cw_wall; py = n / py_wall; cq = q / cq_wall
  fl_pct = fl_secs > 0 ? sprintf("%d%%", 100 * fl_cpus / fl_secs) : "?"
  printf "\n%-34s %10s %9s %9s %9s %5s\n", "", "banners/s", "wall s", "CPU s", "peak MiB", "CPU"
  row("citywatch init + import (N)", cw, cw_wall, cw_cpus, cw_kb, cw_cpu)
  row("python peer (json + sqlite3)", py, py_wall, py_cpus, py_kb, py_cpu)
  row("floor (write_chunk, pre-parsed)", fl_rate, fl_secs, fl_cpus, fl_kb, fl_pct)
  row("citywatch init + import (N/4)", cq, cq_wall, cq_cpus, cq_kb, cq_cpu)
  if (ck_wall > 0) {
    row("citywatch, chunk_size 10000 (info)", n / ck_wall, ck_wall, ck_cpus, ck_kb, ck_cpu)
  }
  printf "\n"
  printf "citywatch time / floor time %5.2fx   (target <= 1.5x: %s; by CPU seconds %.2fx)\n",
         fl_rate / cw, verdict(fl_rate / cw <= 1.5), cw_cpus / fl_cpus
  printf "citywatch / python speed    %5.2fx   (target >= 1.5x: %s; by CPU seconds %.2fx)\n",
         cw / py, verdict(cw / py >= 1.5), py_cpus / cw_cpus
  printf "citywatch peak memory N/N4  %5.2fx   (%.1f MiB at %d, %.1f MiB at %d; target: flat, " \
         "%s)\n",
         cw_kb / cq_kb, mib(cw_kb), n, mib(cq_kb), q, verdict(cw_kb / cq_kb <= 1.25)
  printf "architecture target          >= 100000 banners/s end to end: %s\n", verdict(cw >= 100000)
  printf "\nparsing alone (the floor'"'"'s untimed load into memory): %.0f banners/s\n",
         n / fl_parse
  printf "floor peak includes the %.1f MiB of pre-parsed observations it holds; " \
         "its writing adds %.1f MiB\n",
         fl_loaded, mib(fl_kb) - fl_loaded
}'
echo "rows (observations services devices): citywatch $cw_rows | python $py_rows | floor $fl_rows"
if grep -q "fingerprinted\|findings" "$logs/citywatch.out"; then
  echo "note: citywatch's import also fingerprints, geolocates and assesses (findings, risk"
  echo "      scores); the python peer and the floor store observations, services and devices only"
fi
echo "machine: $(nproc) cores; load average before $load_before, after $load_after;" \
     "compiler/linker processes running at start: $busy_before"
echo "details: build-bench/bench-logs/ (/usr/bin/time -v reports, program outputs)"
