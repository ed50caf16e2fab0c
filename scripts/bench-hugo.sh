#!/usr/bin/env bash
# nianbao and Hugo side by side on the same generated content (see BENCHMARKS.md).
# Needs hyperfine and hugo (Debian: apt-get install hyperfine hugo) and GNU time.
# usage: scripts/bench-hugo.sh [SIZES...]   e.g. scripts/bench-hugo.sh 100 1000 5000
# Results (hyperfine markdown tables, /usr/bin/time -v peaks) go to $BENCH_DIR (default
# /tmp/nianbao-bench-hugo).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine hugo /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
sizes=("${@:-100 1000 5000}")
cargo build --release --quiet --bin nianbao --example gen-site --example hugo-export
bin=$PWD/target/release/nianbao
gen=$PWD/target/release/examples/gen-site
export_hugo=$PWD/target/release/examples/hugo-export
work=${BENCH_DIR:-/tmp/nianbao-bench-hugo}
mkdir -p "$work"
echo "machine: $(nproc) cores, $(uname -r), $(hugo version | cut -d' ' -f1-2), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in ${sizes[@]}; do
  orgs=$(( n / 20 )); [ "$orgs" -ge 1 ] || orgs=1
  runs=5; [ "$n" -ge 5000 ] && runs=3
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
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/full-$n.md" \
    --prepare "sh -c 'rm -rf $site/output $site/.output.nianbao-spare $site/.nianbao-cache; sync'" -n "nianbao build --no-downloads" "$nb build --no-downloads" \
    --prepare "sh -c 'rm -rf $hugo_site/public $hugo_site/resources; sync'" -n "hugo" "$hg"

  # 2. rebuild with nothing changed
  $nb build --no-downloads >/dev/null 2>&1; $hg
  hyperfine --warmup 1 --runs $((runs * 2)) --export-markdown "$work/noop-$n.md" \
    -n "nianbao build --no-downloads (no change)" "$nb build --no-downloads" \
    -n "hugo (no change)" "$hg"

  # 3. one report edited (a line appended before every run)
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-$n.md" \
    --prepare "echo \"修改 \$RANDOM\" >> $md" -n "nianbao build --no-downloads (one report edited)" "$nb build --no-downloads" \
    --prepare "echo \"修改 \$RANDOM\" >> $hmd" -n "hugo (one report edited)" "$hg"

  # 3b. one report's tables.toml edited (a comment line appended: the site-wide pages that
  # read the tables are compared again); Hugo has no separate tables file
  tt=$(dirname "$md")/tables.toml
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-tables-$n.md" \
    --prepare "echo \"# 修改 \$RANDOM\" >> $tt" -n "nianbao build --no-downloads (one tables.toml edited)" "$nb build --no-downloads"

  # 3c. one value of a report's tables changed (行政许可 of a 2021-format report, which no
  # rule ties to another cell): data/all.csv and data/all.json change too (hyperfine's
  # --prepare runs in sh, which has no $RANDOM)
  tv=$(grep -l '^licensing = [0-9]*$' $(find "$site/content" -name tables.toml | sort) | sed -n 1p)
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/edit-value-$n.md" \
    --prepare "sed -i \"s/^licensing = .*/licensing = \$(( \$(date +%s%N) % 99991 ))/\" $tv" -n "nianbao build --no-downloads (one value changed)" "$nb build --no-downloads"

  # 4. check alone
  hyperfine --warmup 1 --runs $runs --export-markdown "$work/check-$n.md" -n "nianbao check" "$nb check"

  # 5. peak memory of a full build
  rm -rf "$site/output" "$site/.output.nianbao-spare" "$site/.nianbao-cache" "$hugo_site/public"
  /usr/bin/time -v $nb build --no-downloads 2> "$work/mem-nianbao-$n.txt" >/dev/null
  /usr/bin/time -v $hg 2> "$work/mem-hugo-$n.txt" >/dev/null
  for t in nianbao hugo; do
    echo "peak memory $t $n: $(grep 'Maximum resident' "$work/mem-$t-$n.txt" | awk '{print $NF}') KB"
  done
  cat "$work/full-$n.md" "$work/noop-$n.md" "$work/edit-$n.md" "$work/edit-tables-$n.md" \
    "$work/edit-value-$n.md" "$work/check-$n.md"
done
