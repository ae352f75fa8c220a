#!/usr/bin/env bash
# Looks at the written report as a reader would: converts a .docx (or .xlsx) written by
# `diaoyan report` to PDF with LibreOffice (headless) and the chosen pages to PNG.
#
#   bash scripts/doc-pages.sh reports/形式主义调查/形式主义调查.docx [FIRST [LAST [DPI]]]
#
# Writes <file>.pdf and <file>-page-N.png beside the file and prints the page count.
# Needs LibreOffice (Writer for .docx, Calc for .xlsx) and poppler-utils:
#   apt-get install -y libreoffice-writer libreoffice-calc poppler-utils
set -euo pipefail
file="${1:?usage: doc-pages.sh FILE.docx [FIRST [LAST [DPI]]]}"
first="${2:-1}"; last="${3:-$first}"; dpi="${4:-60}"
for tool in libreoffice pdftoppm pdfinfo; do
  command -v "$tool" >/dev/null || { echo "需要 $tool：apt-get install -y libreoffice-writer libreoffice-calc poppler-utils" >&2; exit 2; }
done
dir="$(cd "$(dirname "$file")" && pwd)"; base="$(basename "$file")"; stem="${base%.*}"
libreoffice --headless --convert-to pdf --outdir "$dir" "$dir/$base" >/dev/null 2>&1 || true
pdf="$dir/$stem.pdf"
[ -s "$pdf" ] || { echo "LibreOffice 没能打开 $file（文件有问题，或缺少 Writer/Calc 组件）" >&2; exit 1; }
pdfinfo "$pdf" | grep -E '^Pages'
pdftoppm -png -r "$dpi" -f "$first" -l "$last" "$pdf" "$dir/$stem-page"
ls "$dir/$stem"-page-*.png
