#!/usr/bin/env bash
# Runs the stable-toolchain fuzzer (examples/fuzz.rs) on every reader and on survey.toml,
# MINUTES minutes in all (split evenly), and keeps what crashed in fuzz/crashes/.
# An abort (which no panic handler sees) ends a run early: the input that caused it is
# fuzz/current.<kind>; it is kept and the run goes on with another seed.
# Not part of `cargo test`.  Usage: scripts/fuzz.sh [MINUTES]   (default 30)
set -uo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
cargo build --release --example fuzz -q
targets=(xlsx xls ods csv lines template toml)
per=$(( minutes * 60 / ${#targets[@]} ))
mkdir -p fuzz/crashes
for t in "${targets[@]}"; do
  left=$per
  while [ "$left" -gt 0 ]; do
    start=$(date +%s)
    seed=$RANDOM$RANDOM
    ./target/release/examples/fuzz "$t" "$left" "$seed"
    code=$?
    used=$(( $(date +%s) - start ))
    left=$(( left - used ))
    if [ $code -ne 0 ]; then
      echo "fuzz $t: the process died (exit $code) on fuzz/current.$t; kept as fuzz/crashes/abort_${t}_$seed.$t"
      cp "fuzz/current.$t" "fuzz/crashes/abort_${t}_$seed.$t" 2>/dev/null
    fi
  done
done
ls fuzz/crashes | wc -l | xargs echo "inputs kept in fuzz/crashes:"
