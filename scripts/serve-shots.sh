#!/usr/bin/env bash
# Screenshots of every tab of `diaoyan serve` on a copy of the bundled example, after a
# report run started through the page's own API (as the 开始统计 button does).
#
#   bash scripts/serve-shots.sh [OUT_DIR]        # default docs/images
#
# Needs a release build (cargo build --release), curl and Chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/images}"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[ -n "$browser" ] || { echo "需要 Chromium：apt-get install -y chromium" >&2; exit 2; }
proj="$(mktemp -d)/示例项目"
cp -r surveys/example "$proj"
log="$(mktemp)"
target/release/diaoyan serve "$proj" --no-browser >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
url="$(head -1 "$log")"
port="${url#http://127.0.0.1:}"; port="${port%%/*}"; token="${url##*token=}"
api=(-s -H "Cookie: diaoyan_$port=$token" -H "X-Diaoyan-Token: $token" -H "Origin: http://127.0.0.1:$port")
curl "${api[@]}" -X POST "http://127.0.0.1:$port/api/run" >/dev/null
until curl "${api[@]}" "http://127.0.0.1:$port/api/run" | grep -q '"phase":"done"'; do sleep 0.5; done
mkdir -p "$out"
for tab in questionnaire collect data results report; do
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,800 --virtual-time-budget=10000 \
    --screenshot="$out/serve-$tab.png" "$url#$tab" >/dev/null 2>&1
done
ls -l "$out"/serve-*.png
