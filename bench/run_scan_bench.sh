#!/usr/bin/env bash
# Active banner grab: `citywatch scan` versus `nmap -sV` (Debian) on the same targets, in the
# same run. The device zoo (tests/zoo/zoo.cpp --scale N) serves N endpoints on 127.78.0.0/16
# (D-Link camera web servers, VLC RTSP, OpenSSH, dropbear, Schneider Modbus, OpenBSD telnet),
# each with what it really is in bench-truth.json. Reported for both tools: ports/s and agreement
# with the truth table (product named and version right). A second citywatch run at a polite
# per-network rate checks, on the servers' side, that no /24 ever got more new connections in
# one second than configured.
#
#   bench/run_scan_bench.sh [N=3000] [POLITE_NETWORK_RATE=100] [NMAP_HOSTS=60]
# nmap -sV needs seconds to minutes per service (it waits out probe after probe), so it gets the
# first NMAP_HOSTS endpoints of the herd (every kind equally), and so does a second citywatch run:
# the two tools compared on exactly the same targets; citywatch alone also on the whole herd.
# As root, after ./test.sh (needs build/app/citywatch and build/tests/citywatch-zoo). Not in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-3000}"
polite="${2:-100}"
nmap_hosts="${3:-60}"
cw=build/app/citywatch
zoo=build/tests/citywatch-zoo
for f in "$cw" "$zoo"; do
  [ -x "$f" ] || { echo "run_scan_bench: $f missing; run ./test.sh first" >&2; exit 66; }
done
command -v nmap >/dev/null || { echo "run_scan_bench: nmap missing (apt-get install nmap)" >&2; exit 69; }
[ "$(id -u)" -eq 0 ] || { echo "run_scan_bench: run as root (the zoo binds ports < 1024)" >&2; exit 77; }

work=$(mktemp -d /tmp/citywatch-scan-bench.XXXXXX)
zoo_pid=""
stop_zoo() {
  if [ -n "$zoo_pid" ]; then kill "$zoo_pid" 2>/dev/null || true; wait "$zoo_pid" 2>/dev/null || true; fi
  zoo_pid=""
}
trap 'stop_zoo; rm -rf "$work"' EXIT

# Starts a fresh zoo herd in $1 and waits for its READY line (no sleeping: read blocks on the pipe).
start_zoo() {
  local dir=$1
  mkdir -p "$dir"
  mkfifo "$dir/ready"
  "$zoo" run --dir "$dir" --scale "$n" --no-daemons --ignore-stdin >"$dir/ready" 2>"$dir/zoo.err" </dev/null &
  zoo_pid=$!
  local line=""
  if ! read -r -t 60 line <"$dir/ready" || [ "${line%% *}" != READY ]; then
    echo "run_scan_bench: the zoo did not start:" >&2; cat "$dir/zoo.err" >&2; exit 69
  fi
}

config() {  # rate network_rate
  cat <<EOF
[scan]
rate = $1
network_rate = $2
max_in_flight = 4096
connect_timeout_ms = 2000
read_timeout_ms = 3000
conversation_timeout_ms = 8000
contact_url = "https://citywatch.example/scanning"
[import]
chunk_size = 20000
EOF
}

agreement_citywatch() {  # db truth
  "$cw" --db "$1" --format json services >"$work/services.jsonl"
  "$cw" --db "$1" --format json devices >"$work/devices.jsonl"
  python3 - "$work/services.jsonl" "$work/devices.jsonl" "$2" <<'PY'
import json, sys
services = {}
for line in open(sys.argv[1]):
    s = json.loads(line)
    services[(s["ip"], s["port"])] = s
firmware = {}
for line in open(sys.argv[2]):
    d = json.loads(line)
    firmware[d["ip"]] = d.get("firmware") or ""
truth = json.load(open(sys.argv[3]))
ok = 0
for t in truth:
    s = services.get((t["ip"], t["port"]))
    if not s:
        continue
    text = " ".join(str(s.get(k) or "") for k in ("product", "version", "vendor", "cpe")) + " " + firmware.get(t["ip"], "")
    text = text.lower()
    if any(n.lower() in text for n in t["names"]) and (not t["version"] or t["version"].lower() in text):
        ok += 1
print(f"{ok} {len(truth)}")
PY
}

agreement_nmap() {  # xml truth
  python3 - "$1" "$2" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
found = {}
for host in ET.parse(sys.argv[1]).getroot().iter("host"):
    addr = host.find("address").get("addr")
    for port in host.iter("port"):
        if port.find("state").get("state") != "open":
            continue
        svc = port.find("service")
        text = ""
        if svc is not None:
            text = " ".join(svc.get(k, "") for k in ("product", "version", "extrainfo", "devicetype", "ostype"))
            text += " " + " ".join(c.text or "" for c in svc.iter("cpe"))
        found[(addr, int(port.get("portid")))] = text.lower()
truth = json.load(open(sys.argv[2]))
ok = sum(1 for t in truth
         if (t["ip"], t["port"]) in found
         and any(n.lower() in found[(t["ip"], t["port"])] for n in t["names"])
         and (not t["version"] or t["version"].lower() in found[(t["ip"], t["port"])]))
print(f"{ok} {len(truth)}")
PY
}

now() { date +%s.%N; }
rate_of() { python3 -c "print(f'{$1 / ($3 - $2):.0f}')"; }

echo "scan benchmark: $n endpoints on 127.78.0.0/16, one port each ($(nproc) cores)"

# 1. citywatch, throughput on the whole herd: a global rate far above what one core can do.
start_zoo "$work/zoo-fast"
config 100000 100000 >"$work/fast.toml"
"$cw" --db "$work/fast.db" init >/dev/null
t0=$(now)
"$cw" --config "$work/fast.toml" --db "$work/fast.db" --format json scan \
  --scope "$work/zoo-fast/bench.scope" --allow-wide >"$work/fast.json"
t1=$(now)
read -r cw_ok cw_total < <(agreement_citywatch "$work/fast.db" "$work/zoo-fast/bench-truth.json")
cw_probe_rate=$(python3 -c "import json; print(f\"{json.load(open('$work/fast.json'))['probe_ports_per_second']:.0f}\")")
cw_rate=$(rate_of "$n" "$t0" "$t1")

# 2. The sample, for both tools: the first NMAP_HOSTS endpoints, nmap given the union of the
# herd's ports (it cannot take one port per host).
head -n "$nmap_hosts" "$work/zoo-fast/bench-hosts.txt" >"$work/sample-hosts.txt"
python3 - "$work/zoo-fast/bench-truth.json" "$nmap_hosts" "$work/sample-truth.json" <<'PY'
import json, sys
json.dump(json.load(open(sys.argv[1]))[: int(sys.argv[2])], open(sys.argv[3], "w"))
PY
{ echo "name = bench-sample"; echo "mode = observe"
  python3 -c "import json,sys; [print(t['ip'], 'ports=%d' % t['port']) for t in json.load(open('$work/sample-truth.json'))]"
} >"$work/sample.scope"
"$cw" --db "$work/sample.db" init >/dev/null
t0=$(now)
"$cw" --config "$work/fast.toml" --db "$work/sample.db" --format json scan \
  --scope "$work/sample.scope" >"$work/sample.json"
t1=$(now)
read -r cs_ok cs_total < <(agreement_citywatch "$work/sample.db" "$work/sample-truth.json")
cs_rate=$(rate_of "$nmap_hosts" "$t0" "$t1")
ports=22,23,80,502,554
t0=$(now)
nmap -sT -sV -Pn -n -T4 --max-retries 1 -p "$ports" -iL "$work/sample-hosts.txt" \
  -oX "$work/nmap.xml" >/dev/null 2>"$work/nmap.err" || { cat "$work/nmap.err" >&2; exit 70; }
t1=$(now)
stop_zoo
read -r nm_ok nm_total < <(agreement_nmap "$work/nmap.xml" "$work/sample-truth.json")
nm_rate=$(python3 -c "print(f'{$nmap_hosts / ($t1 - $t0):.2f}')")
nm_secs=$(python3 -c "print(f'{$t1 - $t0:.1f}')")

# 3. citywatch, polite: the configured per-/24 rate, measured by the servers.
start_zoo "$work/zoo-polite"
config 100000 "$polite" >"$work/polite.toml"
"$cw" --db "$work/polite.db" init >/dev/null
t0=$(now)
"$cw" --config "$work/polite.toml" --db "$work/polite.db" --format json scan \
  --scope "$work/zoo-polite/bench.scope" --allow-wide >"$work/polite.json"
t1=$(now)
stop_zoo
polite_rate=$(rate_of "$n" "$t0" "$t1")
seen=$(python3 -c "import json; print(json.load(open('$work/zoo-polite/rate.json'))['max_connections_per_network_per_second'])")

echo
printf '%-44s %10s %16s\n' "run" "ports/s" "truth agreement"
printf '%-44s %10s %16s\n' "citywatch, whole herd ($n), wall incl. store" "$cw_rate" "$cw_ok/$cw_total"
printf '%-44s %10s %16s\n' "citywatch, whole herd, prober alone" "$cw_probe_rate" ""
printf '%-44s %10s %16s\n' "citywatch, sample ($nmap_hosts hosts)" "$cs_rate" "$cs_ok/$cs_total"
printf '%-44s %10s %16s\n' "nmap -sV -T4, same sample (${nm_secs} s)" "$nm_rate" "$nm_ok/$nm_total"
python3 -c "print(f'ratio on the sample, citywatch/nmap: {$cs_rate / $nm_rate:.0f}x ports/s')"
echo
echo "polite run: per-network rate $polite/s per /24 -> $polite_rate ports/s overall;"
echo "  most new connections any /24 saw in one second (server side): $seen (limit $polite)"
if [ "$seen" -gt $((polite + 1)) ]; then echo "  OVER THE LIMIT" >&2; exit 1; fi
