#!/usr/bin/env bash
# End-to-end benchmark of `gardener analyze` on a synthetic Cloud Logging export, beside a
# baseline measured in the same run on the same file: `jq -c . > /dev/null` (parse and re-print
# the whole array).
#
# Usage: bench/e2e.sh [SIZE_MB]   (default 1024; the corpus is generated once under $BENCH_DIR)
# Prints wall time, MB/s, entries/s and peak RSS for both, as a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/gardener-bench}
mkdir -p "$dir"
corpus="$dir/export-${size_mb}m.json"
if [ ! -s "$corpus" ]; then
  echo "generating $corpus ..." >&2
  python3 bench/gen_export.py "$corpus" "$size_mb"
fi
command -v jq >/dev/null || { echo "jq is needed for the baseline (apt-get install jq)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)" >&2; exit 2; }
cargo build --release -p gardener >&2
bytes=$(stat -c %s "$corpus")

measure() { # name, command...
  local name=$1; shift
  local log="$dir/time-$name.log"
  # Warm the page cache once so both runs read from memory.
  cat "$corpus" > /dev/null
  /usr/bin/time -f "%e %M" -o "$log" "$@" > /dev/null
  read -r secs kb < "$log"
  echo "$name $secs $kb"
}

out="$dir/report"
g=$(measure gardener target/release/gardener analyze "$corpus" --out "$out" --no-progress --quiet)
j=$(measure jq jq -c . "$corpus")
entries=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['events'])" "$out/report.json")

echo
echo "corpus: $corpus ($bytes bytes, $entries entries); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git rev-parse --short HEAD)"
echo
echo "| tool | seconds | MB/s | entries/s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
for row in "$g" "$j"; do
  read -r name secs kb <<< "$row"
  python3 - "$name" "$secs" "$kb" "$bytes" "$entries" <<'PY'
import sys
name, secs, kb, size, entries = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"| {name} | {secs:.2f} | {size / 1e6 / secs:.1f} | {entries / secs:,.0f} | {kb / 1024:.0f} |")
PY
done
read -r _ gs _ <<< "$g"; read -r _ js _ <<< "$j"
python3 -c "import sys; print(f'\nspeed ratio gardener/jq: {float(sys.argv[2]) / float(sys.argv[1]):.2f}x')" "$gs" "$js"
