#!/usr/bin/env bash
# Looks at the web page of the written report: takes a screenshot of it with headless
# Chromium, offline (the page needs nothing outside itself).
#
#   bash scripts/html-shot.sh reports/形式主义调查/形式主义调查.html [OUT.png [HEIGHT]]
#
# Needs Chromium: apt-get install -y chromium
set -euo pipefail
file="${1:?usage: html-shot.sh FILE.html [OUT.png [HEIGHT]]}"
out="${2:-${file%.*}-screen.png}"; height="${3:-2400}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "需要 Chromium：apt-get install -y chromium" >&2; exit 2; }
abs="$(cd "$(dirname "$file")" && pwd)/$(basename "$file")"
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --disable-network --window-size=1000,"$height" \
  --screenshot="$out" "file://$abs" >/dev/null 2>&1
ls -l "$out"
