#!/usr/bin/env bash
# Issue 4: the anomaly detector.
# - the README's main job (simulated machine, no data files);
# - the evaluation on NAB / SKAB / shuttle with the per-group AUC floors (skips with a
#   message when ../shared/data is absent);
# - the detector and Gaussian GLN on the thumb targets (no_std, micromath);
# - the I2C sensor crate's host tests (embedded-hal-mock) and its thumb build.
# Run from the repository root. Takes about 2-3 minutes on the 2-core machine (mostly builds).
set -euo pipefail

echo "== 40-anomaly: rustup targets"
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null

echo "== 40-anomaly: cargo run --release --example anomaly"
out=$(cargo run --release --example anomaly)
echo "$out" | tail -12
# The summary must show every injected fault found.
echo "$out" | grep -q "faults found: 6 of 6" || { echo "FAIL: not every simulated fault was found"; exit 1; }
echo "$out" | grep -qE "false alarms: [0-2] " || { echo "FAIL: more than 2 false alarms in the main job"; exit 1; }
echo "$out" | grep -q "^Legend" || { echo "FAIL: the main job's output has no legend"; exit 1; }

echo "== 40-anomaly: one configuration for every group (no per-group DetectorConfig)"
# The evaluation uses DetectorConfig::DEFAULT only: no configuration literal, no field set.
if grep -nE "DetectorConfig *\{|\.\.DetectorConfig|SENSOR_MODEL_CONFIG|with_model_config" examples/evaluate.rs; then
    echo "FAIL: examples/evaluate.rs builds its own DetectorConfig; it must use DetectorConfig::DEFAULT"
    exit 1
fi

echo "== 40-anomaly: evaluation on the real streams (AUC and false-alarm floors per group, DEFAULT)"
data="${GLN_DATA_DIR:-../shared/data}"
if [ -d "$data/nab" ] && [ -d "$data/skab" ] && [ -d "$data/shuttle" ]; then
    # With a plot per stream (--svg): the output is the same plus one line naming the count,
    # and that many SVG files are written (their well-formedness is the example's unit test).
    svg_dir=$(mktemp -d)
    out=$(cargo run --release --example evaluate -- --check --svg "$svg_dir") || {
        echo "$out"
        exit 1
    }
    echo "$out"
    n=$(echo "$out" | sed -nE 's/^plots: ([0-9]+) SVG files written to .*/\1/p')
    found=$(find "$svg_dir" -name '*.svg' -size +1k | wc -l)
    if [ -z "$n" ] || [ "$n" -lt 40 ] || [ "$found" -ne "$n" ]; then
        echo "FAIL: evaluate --svg said '${n:-nothing}' plots, $found SVG files in $svg_dir"
        exit 1
    fi
    for f in "$svg_dir"/*.svg; do
        head -c 5 "$f" | grep -q '^<svg' && tail -c 16 "$f" | grep -q '</svg>' ||
            { echo "FAIL: $f is not a complete SVG document"; exit 1; }
    done
    rm -rf "$svg_dir"
else
    echo "SKIP: anomaly data not found at $data (set GLN_DATA_DIR); evaluation not run"
fi

echo "== 40-anomaly: no_std builds"
cargo build --no-default-features --target thumbv7em-none-eabihf
cargo build --no-default-features --features micromath --target thumbv7em-none-eabihf
cargo build --no-default-features --target thumbv6m-none-eabi

echo "== 40-anomaly: micromath feature tests"
cargo test --features micromath --lib detector

echo "== 40-anomaly: boards/i2c-sensor (host tests with embedded-hal-mock, thumb build)"
(
    cd boards/i2c-sensor
    cargo test
    cargo clippy --all-targets -- -D warnings
    cargo build --target thumbv7em-none-eabihf
)
echo "== 40-anomaly: done"
