#!/usr/bin/env bash
# Regenerate the fuzz seed corpora under fuzz/corpus/ from the project's own fixtures: the
# sample site (content/), a site from examples/gen-site (custom, 2019 and 2021 formats), the
# Word files nianbao exports for them and the report pages it builds. Nothing comes from
# ../shared/reference (real published pages are never committed). Needs python3 (to repack
# the .docx files uncompressed, so that mutations reach the XML).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --bin nianbao --example gen-site
bin=$PWD/target/debug/nianbao
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
c=fuzz/corpus
mkdir -p $c/tables $c/report $c/import_docx $c/import_html $c/serve_path

mkdir -p "$work/sample" && cp -r site.toml content "$work/sample/"
[ -d themes ] && cp -r themes "$work/sample/"
"$bin" --root "$work/sample" build >/dev/null 2>&1
./target/debug/examples/gen-site --orgs 2 --years 9 --last-year 2025 "$work/gen" >/dev/null
"$bin" --root "$work/gen" build >/dev/null 2>&1

cp content/sixia/2024/tables.toml $c/tables/sixia-2024.toml
cp content/sixia/2024/report.md $c/report/sixia-2024.md
for f in "$work"/gen/content/*/*/tables.toml; do
  y=$(basename "$(dirname "$f")") o=$(basename "$(dirname "$(dirname "$f")")")
  cp "$f" "$c/tables/gen-$o-$y.toml"
  cp "$(dirname "$f")/report.md" "$c/report/gen-$o-$y.md"
done

cp "$work/sample/output/2024/sixia/sixia-2024.docx" $c/import_docx/
cp "$work/sample/output/2024/sixia/index.html" $c/import_html/sixia-2024.html
for p in 2024/org000 2019/org001 2017/org000; do
  cp "$work/gen/output/$p/$(basename $p)-${p%%/*}.docx" $c/import_docx/
  cp "$work/gen/output/$p/index.html" "$c/import_html/$(echo $p | tr / -).html"
done
python3 - "$c" <<'PY'
import glob, sys, zipfile
c = sys.argv[1]
def part(name):  # a fixed timestamp: the same bytes on every run
    return zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
for f in sorted(glob.glob(c + '/import_docx/*.docx')):
    if f.endswith(('-stored.docx', '-docxml.docx')):
        continue
    src = zipfile.ZipFile(f)
    with zipfile.ZipFile(f[:-5] + '-stored.docx', 'w', zipfile.ZIP_STORED) as z:
        for i in src.infolist():
            z.writestr(part(i.filename), src.read(i.filename))
    # the document part alone: a small input whose mutations reach the XML
    with zipfile.ZipFile(f[:-5] + '-docxml.docx', 'w', zipfile.ZIP_STORED) as z:
        for p in ('[Content_Types].xml', 'word/document.xml'):
            z.writestr(part(p), src.read(p))
page = open(c + '/import_html/sixia-2024.html', encoding='utf-8').read()
gbk = page.replace('charset="utf-8"', 'charset="gbk"').replace('charset=utf-8', 'charset=gbk')
open(c + '/import_html/sixia-2024-gbk.html', 'wb').write(gbk.encode('gbk', errors='replace'))
open(c + '/import_html/minimal.html', 'w', encoding='utf-8').write(
    '<html><body><h1>标题</h1><p>正文</p><table><tr><td rowspan="2">a</td>'
    '<td colspan="3">b</td></tr><tr><td>1</td></tr></table></body></html>')
PY

i=0
for u in / /index.html /2024/ /2024 /2024/sixia/ /2024/sixia/sixia-2024.pdf "/%E5%9B%9B%E5%B7%9D/" \
  "/a/../b" "/..%2f..%2fetc/passwd" "/%2e%2e/x" "/C:/x" '/a\b' "/a?b=c#d" "/search.json" \
  "//x//y/" "/a/%00" "/%zz" "/./a/./"; do
  i=$((i + 1))
  printf '%s' "$u" >"$c/serve_path/seed-$i"
done
du -sh $c/*
