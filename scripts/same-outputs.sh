#!/usr/bin/env bash
# Proves that a change leaves the report's figures untouched: runs `report` on the bundled
# example with the code at REV (default: HEAD) and with the working tree, and compares
# results.csv, tests.csv, columns.csv, issues.csv, every cell value of the workbook and
# every chart (SVG, which is text).
#
#   bash scripts/same-outputs.sh [REV]
#
# Exit 0 when everything is identical; otherwise prints the differences and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/old" "$rev" >/dev/null
# The debug profile and the usual target folder: the dependencies built for the tests serve.
target="$PWD/target"
run() { # $1 = source tree, $2 = output dir
  (cd "$1" && CARGO_TARGET_DIR="$target" cargo run --quiet -- report \
     -s surveys/example/survey.toml --units surveys/example/units.csv --charts svg \
     -o "$2" surveys/example >/dev/null)
}
run "$work/old" "$work/before"
run "$PWD" "$work/after"
CARGO_TARGET_DIR="$target" cargo build --quiet --example xlsx_cells
status=0
for f in results.csv tests.csv columns.csv issues.csv; do
  if cmp -s "$work/before/$f" "$work/after/$f"; then
    echo "same: $f ($(wc -l < "$work/after/$f") lines)"
  else
    echo "DIFFERENT: $f"; diff "$work/before/$f" "$work/after/$f" | head -20; status=1
  fi
done
book="$(cd "$work/after" && ls *.xlsx)"
"$target/debug/examples/xlsx_cells" "$work/before/$book" > "$work/before.cells"
"$target/debug/examples/xlsx_cells" "$work/after/$book" > "$work/after.cells"
if cmp -s "$work/before.cells" "$work/after.cells"; then
  echo "same: $book ($(wc -l < "$work/after.cells") cells)"
else
  echo "DIFFERENT: $book"; diff "$work/before.cells" "$work/after.cells" | head -20; status=1
fi
if diff -r "$work/before/charts" "$work/after/charts" >/dev/null; then
  echo "same: charts/ ($(ls "$work/after/charts" | wc -l) SVG files)"
else
  echo "DIFFERENT: charts/"; diff -rq "$work/before/charts" "$work/after/charts" | head -20; status=1
fi
exit $status
