#!/usr/bin/env bash
# Benchmarks of nianbao on generated sites (see BENCHMARKS.md). Needs hyperfine (Debian).
# usage: scripts/bench.sh [SIZES...]   e.g. scripts/bench.sh 100 1000
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 1; }
sizes=("${@:-100 1000}")
cargo build --release --quiet --bin nianbao
# the generator needs no optimising across crates (the release profile's LTO would link it
# for minutes)
cargo build --release --quiet --config profile.release.lto=false \
  --config profile.release.codegen-units=4 --example gen-site
bin=$PWD/target/release/nianbao
gen=$PWD/target/release/examples/gen-site
work=${BENCH_DIR:-/tmp/nianbao-bench}
mkdir -p "$work"
for n in ${sizes[@]}; do
  orgs=$(( n / 20 )); [ "$orgs" -ge 1 ] || orgs=1
  dir="$work/site-$n"
  "$gen" --orgs "$orgs" --years 20 "$dir" >/dev/null
  echo "== $n reports ($orgs organisations × 20 years) in $dir"
  hyperfine --warmup 2 --runs 10 --export-markdown "$work/check-$n.md" \
    "$bin --root $dir check"
  hyperfine --warmup 1 --runs 5 --export-markdown "$work/build-$n.md" \
    "$bin --root $dir build --no-downloads"
done
