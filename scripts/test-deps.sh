#!/usr/bin/env bash
# Set-up of the README's test command (and of CI, .ci/run):
#   bash scripts/test-deps.sh && cargo fmt --check && cargo clippy --all-targets -- -D warnings && cargo test
# Installs what the tests need that is not in the repository — Debian's chromium and
# chromium-driver, for the browser test of `diaoyan serve` — when missing. When they cannot
# be installed it says so and leaves target/no-browser.txt with the reason: the browser
# test then says it was left out instead of failing (everything else still runs).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
rm -f target/no-browser.txt
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
echo "安装浏览器测试所需的 chromium 和 chromium-driver……" >&2
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null; then
  exit 0
fi
echo "警告：无法安装 chromium / chromium-driver，浏览器测试（tests/cli/browser.rs）这次不运行" >&2
echo "无法安装 chromium / chromium-driver（scripts/test-deps.sh）" > target/no-browser.txt
exit 0
