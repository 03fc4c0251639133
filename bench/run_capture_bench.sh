#!/usr/bin/env bash
# Capture benchmark (not run in CI). Generates the bench captures, then reads each with
#   citywatch capture (fingerprinting, darknet mode, writing to a fresh database),
#   a bare libpcap read loop (bench/pcap_floor: the floor),
#   p0f -r (passive fingerprinting peer) and tshark -r ... -T fields (dissector peer),
# in the same run, and prints packets/s per core (user+system CPU time: the machine is shared),
# wall-clock rate, peak memory and the ratios the targets are stated in.
#   bench/run_capture_bench.sh            5 M packets per capture
#   PACKETS=1000000 bench/run_capture_bench.sh
# Environment: BENCH_DIR (default /tmp/citywatch-capture-bench), TSHARK_PACKETS (tshark reads
# only this many packets, default 500000: at ~30 k packets/s the whole file takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${PACKETS:-5000000}
small=$((packets / 5))
dir=${BENCH_DIR:-/tmp/citywatch-capture-bench}
tshark_packets=${TSHARK_PACKETS:-500000}
mkdir -p "$dir"

need=()
for p in p0f tshark time; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing ${need[*]}" >&2
  $sudo apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DCITYWATCH_BENCH=ON -DCITYWATCH_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target citywatch gen_pcap pcap_floor >/dev/null
cw=build-bench/app/citywatch
for layout in concentrated spread; do
  [ -f "$dir/$layout-$packets.pcap" ] || build-bench/bench/gen_pcap --packets "$packets" --layout "$layout" --out "$dir/$layout-$packets.pcap"
done
[ -f "$dir/concentrated-$small.pcap" ] || build-bench/bench/gen_pcap --packets "$small" --layout concentrated --out "$dir/concentrated-$small.pcap"

results="$dir/results.txt"
: > "$results"
# measure NAME FILE PACKETS CMD...: one line "name file packets cpu_s wall_s maxrss_kb"
measure() {
  local name=$1 file=$2 n=$3; shift 3
  local t
  /usr/bin/time -o "$dir/time.txt" -f "%U %S %e %M" "$@" >"$dir/last.out" 2>/dev/null || true
  t=$(tail -1 "$dir/time.txt")
  set -- $t
  echo "$name $(basename "$file") $n $(awk -v u="$1" -v s="$2" 'BEGIN { print u + s }') $3 $4" >> "$results"
}
for file in "$dir/concentrated-$packets.pcap" "$dir/spread-$packets.pcap" "$dir/concentrated-$small.pcap"; do
  n=$(basename "$file" .pcap); n=${n##*-}
  measure floor "$file" "$n" build-bench/bench/pcap_floor "$file"
  rm -f "$dir/bench.db" "$dir/bench.db-wal" "$dir/bench.db-shm"
  "$cw" --db "$dir/bench.db" init >/dev/null
  measure citywatch "$file" "$n" "$cw" --db "$dir/bench.db" --format json capture --darknet --pcap "$file"
  cp "$dir/last.out" "$dir/summary-$(basename "$file" .pcap).json"
  if [ "$file" != "$dir/concentrated-$small.pcap" ]; then
    measure p0f "$file" "$n" p0f -r "$file"
    measure tshark "$file" "$tshark_packets" tshark -n -r "$file" -c "$tshark_packets" -T fields \
      -e frame.number -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport -e http.server \
      -e http.www_authenticate -e ssh.protocol -e mqtt.conack.val -e rtsp.response \
      -e x509sat.printableString
  fi
done

awk -v big="$packets" -v small="$small" '
{ name=$1; file=$2; n=$3; cpu=$4; wall=$5; rss=$6
  rate = cpu > 0 ? n / cpu : 0; wrate = wall > 0 ? n / wall : 0
  printf "%-10s %-28s %9d packets  cpu %7.2f s  %10.0f pkt/s/core  wall %7.2f s  %10.0f pkt/s  peak %7.1f MB\n", name, file, n, cpu, rate, wall, wrate, rss / 1024
  key = name "/" file; R[key] = rate; M[key] = rss }
END {
  c = "concentrated-" big ".pcap"; s = "spread-" big ".pcap"; m = "concentrated-" small ".pcap"
  print ""
  printf "citywatch vs p0f          %.1fx (target >= 6x)\n", R["citywatch/" c] / R["p0f/" c]
  printf "citywatch vs tshark       %.1fx\n", R["citywatch/" c] / R["tshark/" c]
  printf "floor vs citywatch        %.1fx slower than the bare read loop (target <= 5x)\n", R["floor/" c] / R["citywatch/" c]
  printf "concentrated vs spread    %.2f (rate ratio; target >= 1: no slower)\n", R["citywatch/" c] / R["citywatch/" s]
  printf "memory %d vs %d packets   %.1f MB vs %.1f MB (flat in the packet count)\n", big, small, M["citywatch/" c] / 1024, M["citywatch/" m] / 1024
  printf "citywatch per core        %.2f M packets/s (target >= 1 M)\n", R["citywatch/" c] / 1e6
}' "$results"
