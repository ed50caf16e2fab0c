#!/usr/bin/env bash
# Two nianbao binaries compared on full HTML builds from scratch, run alternately so that both
# meet the same machine load (see BENCHMARKS.md): medians of the whole run and of the render
# phase (from NIANBAO_TIMINGS). Needs python3.
# usage: scripts/bench-ab.sh SITE RUNS BINARY_A BINARY_B
#   e.g. scripts/bench-ab.sh /mnt/j/b/site-1000 12 /tmp/nianbao-before target/release/nianbao
set -euo pipefail
[ $# -eq 4 ] || { sed -n 2,6p "$0" >&2; exit 2; }
site=$1 runs=$2 a=$3 b=$4
for _ in $(seq 1 "$runs"); do
  for x in A B; do
    if [ $x = A ]; then bin=$a; else bin=$b; fi
    rm -rf "$site/output" "$site/.output.nianbao-spare" "$site/.nianbao-cache"
    sync
    start=$(date +%s%N)
    out=$(NIANBAO_TIMINGS=1 "$bin" --root "$site" build --no-downloads 2>&1) ||
      { echo "build failed ($bin):" >&2; echo "$out" >&2; exit 1; }
    end=$(date +%s%N)
    phases=$(echo "$out" | grep -E "^NIANBAO_TIMINGS .* (page record loaded|rendered)" |
      awk '{print $2}' | tr '\n' ' ' || true)
    [ "$(echo "$phases" | wc -w)" -eq 2 ] ||
      { echo "no phase timings from $bin (NIANBAO_TIMINGS unsupported?)" >&2; exit 1; }
    echo "$x $(( (end - start) / 1000 )) $phases"
  done
done | python3 -c '
import sys, statistics as st
runs = {"A": [], "B": []}
for line in sys.stdin:
    x, us, before, rendered = line.split()
    runs[x].append((int(us) / 1000, float(rendered) - float(before)))
for x, v in runs.items():
    walls, renders = [w for w, _ in v], [r for _, r in v]
    print(f"{x}: build median {st.median(walls):.1f} ms (min {min(walls):.1f}), "
          f"render median {st.median(renders):.1f} ms (min {min(renders):.1f}), {len(v)} runs")
'
