#!/usr/bin/env bash
# The README's test command (and what CI runs, through .ci/run): installs what the tests
# need that is not in the repository — Debian's chromium and chromium-driver, for the
# browser test of `diaoyan serve` — when missing, then the format check (rustfmt.toml),
# the linter with warnings as errors, and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "安装浏览器测试所需的 chromium 和 chromium-driver……" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
    # Said loudly, and the browser test says it was left out; everything else still runs.
    echo "警告：无法安装 chromium / chromium-driver，浏览器测试（tests/cli/browser.rs）这次不运行" >&2
    export DIAOYAN_NO_BROWSER=1
  fi
fi
cargo fmt --check && cargo clippy --all-targets -- -D warnings && cargo test
