#!/usr/bin/env bash
# nianbao and Hugo side by side on the same generated content (see BENCHMARKS.md).
# Needs hyperfine and hugo (Debian: apt-get install hyperfine hugo) and GNU time.
# usage: scripts/bench-hugo.sh [SIZES...]   e.g. scripts/bench-hugo.sh 100 1000 5000
# Results (hyperfine markdown tables and JSON, /usr/bin/time -v peaks) go to $BENCH_DIR
# (default /tmp/nianbao-bench-hugo); each size ends with the medians of every command and the
# Hugo/nianbao ratio of the full-build medians. RUNS sets the runs per measurement (default 5;
# 3 at 5,000 reports).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine hugo /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
sizes=("${@:-100 1000 5000}")
cargo build --release --quiet --bin nianbao
# the generators need no optimising across crates (the release profile's LTO would link each
# for minutes)
cargo build --release --quiet --config profile.release.lto=false \
  --config profile.release.codegen-units=4 --example gen-site --example hugo-export
bin=$PWD/target/release/nianbao
gen=$PWD/target/release/examples/gen-site
export_hugo=$PWD/target/release/examples/hugo-export
work=${BENCH_DIR:-/tmp/nianbao-bench-hugo}
mkdir -p "$work"
echo "machine: $(nproc) cores, $(uname -r), $(hugo version | cut -d' ' -f1-2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in ${sizes[@]}; do
  orgs=$(( n / 20 )); [ "$orgs" -ge 1 ] || orgs=1
  runs=${RUNS:-5}; [ -z "${RUNS:-}" ] && [ "$n" -ge 5000 ] && runs=3
  site="$work/site-$n"; hugo_site="$work/hugo-$n"
  rm -rf "$site" "$hugo_site"
  "$gen" --orgs "$orgs" --years 20 "$site" >/dev/null
  "$export_hugo" "$site" "$hugo_site" >/dev/null
  md=$(find "$site/content" -name report.md | sort | sed -n 1p)
  hmd=$(find "$hugo_site/content" -name '*.md' ! -name '_index.md' | sort | sed -n 1p)
  nb="$bin --root $site"
  hg="hugo --quiet --source $hugo_site --destination $hugo_site/public"
  echo "== $n reports ($orgs organisations × 20 years)"

  # 1. full HTML build from scratch (no output, no spare, no cache); the removal of the
  # last output is flushed before each run (`sync`), or it is written out during the next
  # run, and nianbao (which makes its output durable: syncfs) would wait for it
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/full-$n.md" --export-json "$work/full-$n.json" \
    --prepare "sh -c 'rm -rf $site/output $site/.output.nianbao-spare $site/.nianbao-cache; sync'" -n "nianbao build --no-downloads" "$nb build --no-downloads" \
    --prepare "sh -c 'rm -rf $hugo_site/public $hugo_site/resources; sync'" -n "hugo" "$hg"

  # 2. rebuild with nothing changed
  $nb build --no-downloads >/dev/null 2>&1; $hg
  hyperfine --warmup 1 --runs $((runs * 2)) --export-markdown "$work/noop-$n.md" --export-json "$work/noop-$n.json" \
    -n "nianbao build --no-downloads (no change)" "$nb build --no-downloads" \
    -n "hugo (no change)" "$hg"

  # 3. one report edited (a line appended before every run)
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-$n.md" --export-json "$work/edit-$n.json" \
    --prepare "echo \"修改 \$RANDOM\" >> $md" -n "nianbao build --no-downloads (one report edited)" "$nb build --no-downloads" \
    --prepare "echo \"修改 \$RANDOM\" >> $hmd" -n "hugo (one report edited)" "$hg"

  # 3b. one report's tables.toml edited (a comment line appended: the site-wide pages that
  # read the tables are compared again); Hugo has no separate tables file
  tt=$(dirname "$md")/tables.toml
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-tables-$n.md" --export-json "$work/edit-tables-$n.json" \
    --prepare "echo \"# 修改 \$RANDOM\" >> $tt" -n "nianbao build --no-downloads (one tables.toml edited)" "$nb build --no-downloads"

  # 3c. one value of a report's tables changed (行政许可 of a 2021-format report, which no
  # rule ties to another cell): data/all.csv and data/all.json change too (hyperfine's
  # --prepare runs in sh, which has no $RANDOM)
  tv=$(grep -l '^licensing = [0-9]*$' $(find "$site/content" -name tables.toml | sort) | sed -n 1p)
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-value-$n.md" --export-json "$work/edit-value-$n.json" \
    --prepare "sed -i \"s/^licensing = .*/licensing = \$(( \$(date +%s%N) % 99991 ))/\" $tv" -n "nianbao build --no-downloads (one value changed)" "$nb build --no-downloads"

  # 4. check alone
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/check-$n.md" --export-json "$work/check-$n.json" -n "nianbao check" "$nb check"

  # 5. peak memory of a full build
  rm -rf "$site/output" "$site/.output.nianbao-spare" "$site/.nianbao-cache" "$hugo_site/public"
  /usr/bin/time -v $nb build --no-downloads 2> "$work/mem-nianbao-$n.txt" >/dev/null
  /usr/bin/time -v $hg 2> "$work/mem-hugo-$n.txt" >/dev/null
  for t in nianbao hugo; do
    echo "peak memory $t $n: $(grep 'Maximum resident' "$work/mem-$t-$n.txt" | awk '{print $NF}') KB"
  done
  cat "$work/full-$n.md" "$work/noop-$n.md" "$work/edit-$n.md" "$work/edit-tables-$n.md" \
    "$work/edit-value-$n.md" "$work/check-$n.md"
  # medians (the figures the targets are judged by), and the full builds' ratio
  python3 - "$work" "$n" <<'EOF'
import json, sys
work, n = sys.argv[1], sys.argv[2]
full = {}
for name in ["full", "noop", "edit", "edit-tables", "edit-value", "check"]:
    for r in json.load(open(f"{work}/{name}-{n}.json"))["results"]:
        print(f"median {r['median'] * 1000:9.1f} ms  {r['command']}")
        if name == "full":
            full[r["command"].split()[0]] = r["median"]
if "hugo" in full and "nianbao" in full:
    print(f"full build, Hugo/nianbao (medians): {full['hugo'] / full['nianbao']:.2f}x")
EOF
done
