#!/usr/bin/env bash
# Starts the device zoo (tests/zoo/zoo.cpp) for trying `citywatch scan` by hand, as root, after
# ./test.sh has built it. Prints the scope files once every service answers; Ctrl-C or kill
# stops the zoo and its daemons. docs/scanning.md shows a session.
#   tests/zoo/start.sh [DIR]     (default: zoo-run)
set -euo pipefail
cd "$(dirname "$0")/../.."
dir="${1:-zoo-run}"
zoo=build/tests/citywatch-zoo
if [ ! -x "$zoo" ]; then
  echo "start.sh: $zoo is missing; run ./test.sh first" >&2
  exit 66
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start.sh: the zoo binds ports below 1024 on 127.77.0.0/24 and runs daemons: run as root" >&2
  exit 77
fi
mkdir -p "$dir"
# The zoo prints READY when everything answers, then serves until it gets a signal.
"$zoo" run --dir "$dir" --ignore-stdin < /dev/null | while read -r word scope; do
  if [ "$word" = READY ]; then
    echo "zoo ready. Scope files:"
    echo "  $scope            (authorised: login checks allowed)"
    echo "  ${scope%/*}/zoo-observe.scope    (observe only)"
    echo "logs: ${scope%/*}/logs/   truth: tests/zoo/truth.json"
    echo "try:  build/app/citywatch --db $dir/zoo.db init && build/app/citywatch --db $dir/zoo.db scan --scope $scope"
  fi
done
