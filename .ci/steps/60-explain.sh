#!/usr/bin/env bash
# Issue 6, part 2: every prediction explained (Gaussian GLN and detector).
# - the explanation tests (also part of `cargo test`; run here by name so a failure is
#   attributed to this step);
# - the main job (simulated machine): every detection line must name its driver, and each
#   injected fault's detection must name the fault's channel.
# Run from the repository root. About 1-2 minutes on the 2-core machine (mostly builds).
set -euo pipefail

echo "== 60-explain: tests"
cargo test --quiet --test gaussian --test detection
cargo test --quiet --lib explain

echo "== 60-explain: cargo run --release --example anomaly (drivers)"
out=$(cargo run --quiet --release --example anomaly)
lines=$(echo "$out" | grep "ANOMALY" || true)
echo "$lines" | sed -E 's/ \(expected[^;]*;/;/'
[ -n "$lines" ] || { echo "FAIL: no detection lines"; exit 1; }
if echo "$lines" | grep -v -q "; driver: \(temperature\|vibration\) "; then
    echo "FAIL: a detection line does not name its driving channel"
    exit 1
fi
# A fault's detection line ends "<- <fault> on <channel> (injected ...)": its driver must be
# that channel.
bad=$(echo "$lines" | grep " on \(temperature\|vibration\) (injected" \
    | sed -E 's/.*; driver: ([a-z]+) .* on ([a-z]+) \(injected.*/\1 \2/' \
    | awk '$1 != $2' || true)
if [ -n "$bad" ]; then
    echo "FAIL: a fault's detection names another channel as its driver: $bad"
    exit 1
fi
echo "$out" | grep -q "faults found: 6 of 6" || { echo "FAIL: not every simulated fault was found"; exit 1; }
echo "== 60-explain: done"
