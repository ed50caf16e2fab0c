#!/usr/bin/env bash
# Fuzz every target under fuzz/ for SECONDS each (default 60), starting from the committed
# corpus (fuzz/corpus/<target>/, left unchanged: new inputs go to a scratch folder).
# Fails on the first crash, hang (>10 s per input) or memory blow-up (>2 GB); libFuzzer leaves
# the input in fuzz/artifacts/<target>/. See RELIABILITY.md.
#
#   scripts/fuzz.sh [SECONDS]
#
# Stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags; `--sanitizer none`
# because AddressSanitizer is a nightly-only (-Zsanitizer) option. The code is safe Rust, and
# libFuzzer still catches panics, hangs and out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
targets=(tables report import_docx import_html serve_path)

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  printf -- '--- fuzz %s for %s s\n' "$t" "$seconds"
  mkdir -p "$work/$t"
  if ! cargo fuzz run --sanitizer none "$t" "$work/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    tail -n 60 "$work/$t.log" >&2
    echo "FAIL: fuzz target $t found a problem (input saved under fuzz/artifacts/$t/)" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$work/$t.log" || true
done
echo "fuzzing: no crash in ${#targets[@]} targets × ${seconds} s"
