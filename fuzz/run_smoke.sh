#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 in build-fuzz/ and runs each one for a while.
#   fuzz/run_smoke.sh [SECONDS_PER_TARGET] [TEST_DATA_DIR]
# SECONDS_PER_TARGET defaults to 20. TEST_DATA_DIR (default: $CITYWATCH_TEST_DATA, if set) adds
# its matching samples (scan/shodan, scan/shadowserver, scan/nmap) to the starting corpus; they
# are copied into build-fuzz/ only, never into the repository.
# Prints one line per target. A crash, leak, hang or out-of-memory input is copied to
# fuzz/regressions/<target>/ (which the replay tests of every normal build run) and the script
# exits 1 naming the target and the file, after running the remaining targets.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
data=${2:-${CITYWATCH_TEST_DATA:-}}
# Every fuzz/<target>.cpp is a target (fuzz/CMakeLists.txt lists the libraries of each).
mapfile -t targets < <(find fuzz -maxdepth 1 -name '*_fuzz.cpp' -printf '%f\n' | sed 's/\.cpp$//' | sort)
build="build-fuzz"

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "usage: $0 [SECONDS_PER_TARGET] [TEST_DATA_DIR]" >&2
  exit 64
fi
if [ -n "$data" ] && [ ! -d "$data" ]; then
  echo "run_smoke: no test data directory $data" >&2
  exit 66
fi
if ! command -v clang++-14 >/dev/null; then
  echo "run_smoke: clang++-14 not found (deploy/install-deps.sh ci installs it)" >&2
  exit 69
fi

mkdir -p "$build/logs"
log=$build/logs/build.log
if ! CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCITYWATCH_FUZZ=ON -DCITYWATCH_TESTS=OFF \
  >"$log" 2>&1 || ! cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "run_smoke: building the fuzz targets failed (full log: $log)" >&2
  exit 1
fi

# Samples from TEST_DATA_DIR that suit a target, as files in directory $2.
add_samples() {
  local target=$1 corpus=$2 f n=0
  case $target in
    shodan_parser_fuzz)
      # One banner per line in the files; the target takes one JSON text.
      for f in "$data"/scan/shodan/*.json*; do
        [ -f "$f" ] || continue
        while IFS= read -r line || [ -n "$line" ]; do
          n=$((n + 1))
          printf '%s' "$line" >"$corpus/sample-$n"
        done <"$f"
      done
      ;;
    shadowserver_csv_fuzz)
      for f in "$data"/scan/shadowserver/*.csv; do
        [ -f "$f" ] && cp "$f" "$corpus/sample-$(basename "$f")"
      done
      ;;
    nmap_xml_fuzz)
      # The target's first byte chooses where the XML is cut ('7': three pieces).
      for f in "$data"/scan/nmap/*.xml; do
        [ -f "$f" ] && { printf '7'; cat "$f"; } >"$corpus/sample-$(basename "$f")"
      done
      ;;
  esac
}

# UBSan only warns by default; libFuzzer must see the report as a crash.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
failed=()
for target in "${targets[@]}"; do
  corpus=$build/corpus/$target
  artifacts=$build/artifacts/$target
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/seeds/"$target"/* "$corpus"/
  find fuzz/regressions/"$target" -type f ! -name '.*' -exec cp {} "$corpus"/ \;
  if [ "$target" = config_fuzz ]; then
    cp deploy/citywatch.example.toml "$corpus"/
  fi
  if [ -n "$data" ]; then
    add_samples "$target" "$corpus"
  fi
  log=$build/logs/$target.log
  status=0
  "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    echo "fuzz $target: ${runs:-?} executions in ${seconds} s, corpus $(find "$corpus" -type f | wc -l) inputs"
    continue
  fi
  grep -A 30 -m 1 -E '^==[0-9]+==|runtime error|^SUMMARY|ERROR: libFuzzer' "$log" >&2 || tail -n 30 "$log" >&2
  found=$(find "$artifacts" -type f | head -n 1)
  if [ -z "$found" ]; then
    echo "run_smoke: $target failed (exit $status) without a crash input; log: $log" >&2
    failed+=("$target")
    continue
  fi
  mkdir -p fuzz/regressions/"$target"
  cp "$found" fuzz/regressions/"$target"/
  saved=fuzz/regressions/$target/$(basename "$found")
  echo "run_smoke: $target failed after ${runs:-?} executions: input saved as $saved (log: $log)" >&2
  failed+=("$target")
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run_smoke: failed: ${failed[*]}" >&2
  exit 1
fi
