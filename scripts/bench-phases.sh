#!/usr/bin/env bash
# Where a full HTML build's time goes: RUNS builds from scratch, then per phase the median wall
# and CPU time (from NIANBAO_TIMINGS; CPU of all the process's threads) and the memory held at
# its end (resident set; 0 where the system does not say). Needs python3.
# usage: scripts/bench-phases.sh SITE [RUNS] [BINARY]
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,4p "$0" >&2; exit 2; }
site=$1 runs=${2:-9} bin=${3:-target/release/nianbao}
for _ in $(seq 1 "$runs"); do
  rm -rf "$site/output" "$site/.output.nianbao-spare" "$site/.nianbao-cache"
  sync
  out=$(NIANBAO_TIMINGS=1 "$bin" --root "$site" build --no-downloads 2>&1) ||
    { echo "build failed:" >&2; echo "$out" >&2; exit 1; }
  echo "$out" | grep "^NIANBAO_TIMINGS" || { echo "no NIANBAO_TIMINGS output" >&2; exit 1; }
done | python3 -c '
import re, sys, statistics as st
phases, order, last = {}, [], (0.0, 0.0)
for line in sys.stdin:
    m = re.match(r"NIANBAO_TIMINGS\s+([\d.]+) ms (.*?)(?: \(CPU ([\d.]+) ms(?:, resident (\d+) MB)?\))?$", line.strip())
    if not m:
        continue
    t, name, cpu = float(m.group(1)), m.group(2), float(m.group(3) or 0)
    mb = int(m.group(4) or 0)
    if name == "build started":
        last = (0.0, 0.0)
        continue
    if name not in phases:
        phases[name] = []
        order.append(name)
    phases[name].append((t - last[0], cpu - last[1], t, mb))
    last = (t, cpu)
for name in order:
    v = phases[name]
    print(f"{name:28s} wall {st.median(x[0] for x in v):7.1f}  CPU {st.median(x[1] for x in v):7.1f}"
          f"  at {st.median(x[2] for x in v):7.1f} ms  resident {st.median(x[3] for x in v):5.0f} MB")
'
