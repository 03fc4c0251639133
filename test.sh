#!/usr/bin/env bash
# Installs what is missing, builds citywatch and its tests, and runs every test.
#   ./test.sh             the normal build (build/)
#   ./test.sh --sanitize  the same tests under AddressSanitizer + UBSan (build-asan/)
# Test data comes from ../shared/data beside the checkout (override: CITYWATCH_TEST_DATA=DIR);
# tests that need it skip, saying which file is missing, when it is absent.
set -euo pipefail
cd "$(dirname "$0")"

dir=build
flags=(-DCITYWATCH_WERROR=ON)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags+=(-DCITYWATCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
fi
if [ -n "${CITYWATCH_TEST_DATA:-}" ]; then
  flags+=("-DCITYWATCH_TEST_DATA=$CITYWATCH_TEST_DATA")
fi

deploy/install-deps.sh test
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$dir" -j"$(nproc)" --output-on-failure
