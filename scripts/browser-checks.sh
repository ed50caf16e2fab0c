#!/usr/bin/env bash
# Browser checks of the default theme (issue 6): axe-core on every page, the keyboard path,
# reflow at 320 px, the print stylesheet (tests/browser/check.mjs, headless Chromium), then the
# Nu HTML Checker over every built page. Installs Chromium and the npm packages when missing.
#
#   scripts/browser-checks.sh            # from anywhere in the repository
#   SCREENSHOTS=/tmp/shots scripts/browser-checks.sh   # also save 375/1280 px screenshots
#   NIANBAO_PROFILE=dev scripts/browser-checks.sh      # use the debug build instead of release
#
# Exits non-zero on any failure; the last line is the summary.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v java >/dev/null || need+=(default-jre-headless)
command -v npm >/dev/null || need+=(nodejs npm)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]}…"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -f tests/browser/node_modules/playwright-core/package.json ] \
  || [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] \
  || [ ! -f tests/browser/node_modules/vnu-jar/build/dist/vnu.jar ]; then
  (cd tests/browser && npm install --no-audit --no-fund playwright-core axe-core vnu-jar)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/nianbao-browser.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# NIANBAO_PROFILE=dev (as .ci/run sets) reuses the binaries `cargo test` has just built
profile=${NIANBAO_PROFILE:-release}
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
cargo build --profile "$profile" --quiet --bin nianbao --example gen-site
# a fixture site: 3 organisations × 8 years up to 2024 (custom, 2019 and 2021 formats)
"target/$dir/examples/gen-site" --orgs 3 --years 8 --last-year 2024 "$work/fixture" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
"target/$dir/nianbao" --root "$work/fixture" build --no-downloads --output "$work/fixture-out" \
  >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
# the repository's own sample site, with every download
"target/$dir/nianbao" --root "$repo" build --output "$work/sample-out" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }

status=0
node tests/browser/check.mjs "fixture=$work/fixture-out" "sample=$work/sample-out" | tee "$work/axe.log" || status=1
axe_summary="$(tail -n 1 "$work/axe.log")"

vnu_errors=0
if ! java -jar tests/browser/node_modules/vnu-jar/build/dist/vnu.jar --errors-only --skip-non-html \
  "$work/fixture-out" "$work/sample-out" 2>"$work/vnu.log"; then
  status=1
fi
vnu_errors="$(grep -c ': error: ' "$work/vnu.log" || true)"
if [ -s "$work/vnu.log" ]; then
  sed "s|$work/||g" "$work/vnu.log" | head -n 50
  [ "$vnu_errors" -gt 0 ] || vnu_errors="$(wc -l <"$work/vnu.log")"
fi

pages="$(sed -n 's/^browser checks: \([0-9]*\) pages.*/\1/p' <<<"$axe_summary")"
axe="$(sed -n 's/.* \([0-9]*\) axe violations.*/\1/p' <<<"$axe_summary")"
fails="$(sed -n 's/.* \([0-9]*\) failures.*/\1/p' <<<"$axe_summary")"
echo "browser checks: ${pages:-?} pages, ${axe:-?} axe violations, ${fails:-?} other failures, $vnu_errors vnu errors"
exit "$status"
