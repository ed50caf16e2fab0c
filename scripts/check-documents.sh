#!/usr/bin/env bash
# Document checks for the downloads (issue 4), run by .ci/run and by developers:
# builds the sample site and a generated site with all three formats, then
# - PDF: pdftotext finds the official labels and the figures; pdffonts shows every font
#   embedded; page counts are sane;
# - DOCX and XLSX: LibreOffice converts each one headless without error;
# - SHA256SUMS verifies, and a second build is byte-identical.
# Needs: poppler-utils, libreoffice-writer-nogui, libreoffice-calc-nogui.
set -euo pipefail
cd "$(dirname "$0")/.."
# NIANBAO_PROFILE=dev (as .ci/run sets) reuses the binaries `cargo test` has just built
profile=${NIANBAO_PROFILE:-release}
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin=${NIANBAO:-$PWD/target/$dir/nianbao}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cargo build --profile "$profile" --quiet --bin nianbao --example gen-site
"./target/$dir/examples/gen-site" --orgs 2 --years 9 --last-year 2022 "$work/gen" >/dev/null
"$bin" build --output "$work/sample" 2>/dev/null
"$bin" --root "$work/gen" build --output "$work/gen-out" 2>/dev/null
(cd "$work/sample" && sha256sum -c --quiet SHA256SUMS) || fail "sample SHA256SUMS"
(cd "$work/gen-out" && sha256sum -c --quiet SHA256SUMS) || fail "generated SHA256SUMS"
"$bin" --root "$work/gen" build --output "$work/gen-again" 2>/dev/null
diff -r "$work/gen-out" "$work/gen-again" >/dev/null || fail "two builds differ"

pdfs=0
for pdf in "$work"/sample/*/*/*.pdf "$work"/gen-out/*/*/*.pdf; do
  pdfs=$((pdfs + 1))
  text=$(pdftotext -enc UTF-8 "$pdf" - 2>/dev/null | tr -d ' \n')
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  [ "$pages" -ge 1 ] && [ "$pages" -le 40 ] || fail "$pdf has $pages pages"
  if pdffonts "$pdf" | awk 'NR>2 && $(NF-4) != "yes" {bad=1} END {exit !bad}'; then
    fail "$pdf has a font that is not embedded"
  fi
  case "$pdf" in
    */20[0-1][0-8]/*) ;; # custom-format years: their own tables
    *)
      for label in 一、本年新收政府信息公开申请数量 （一）予以公开 （七）总计 四、结转下年度继续办理 未经复议直接起诉 复议后起诉 第二十条第（一）项; do
        grep -q "$label" <<<"$text" || fail "$pdf lacks $label"
      done ;;
  esac
done
echo "PDF: $pdfs files checked"

# a row label of table 三 in the sample, in layout mode
sample_pdf_text=$(pdftotext -layout -enc UTF-8 "$work/sample/2024/sixia/sixia-2024.pdf" - 2>/dev/null)
grep -q "1.属于国家秘密" <<<"$sample_pdf_text" || fail "sample PDF lacks a row label"

profile="$work/lo-profile"
docs=0
for f in "$work"/sample/*/*/*.docx "$work"/sample/*/*/*.xlsx "$work"/gen-out/*/*/*.docx "$work"/gen-out/*/*/*.xlsx; do
  docs=$((docs + 1))
  out="$work/lo/$(basename "$f").d"
  mkdir -p "$out"
  timeout 120 libreoffice -env:UserInstallation="file://$profile" --headless --convert-to pdf "$f" --outdir "$out" >/dev/null 2>&1 \
    || fail "LibreOffice could not convert $f"
  ls "$out"/*.pdf >/dev/null 2>&1 || fail "LibreOffice produced nothing for $f"
done
echo "DOCX/XLSX: $docs files converted by LibreOffice"
echo "document checks passed"
