#!/usr/bin/env bash
# Screenshots of every tab of `diaoyan serve`, taken by the browser test itself
# (tests/cli/browser.rs: Chromium through chromedriver, from an empty project to a
# downloaded report on the bundled example), written into OUT_DIR.
#
#   bash scripts/serve-shots.sh [OUT_DIR]        # default docs/images
#
# Needs chromium and chromium-driver (scripts/test-deps.sh installs them when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-docs/images}")"
mkdir -p "$out"
DIAOYAN_SHOTS="$out" cargo test --test cli browser -- --exact browser::from_exports_to_a_downloaded_report_in_a_real_browser
ls -l "$out"/serve-*.png
