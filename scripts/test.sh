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
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
cargo fmt --check && cargo clippy --all-targets -- -D warnings && cargo test
