#!/usr/bin/env bash
# Reliability (issue 5): property tests with more cases, the persistence tests (Bernoulli and
# Gaussian GLNs, standardiser, anomaly detector), the flash checkpoint tests (power cut at
# every byte of a save), a shortened soak of the networks and the detector, and each fuzz
# target (load, learn, detect) for a bounded time.
# Run from the repository root. Installs what it needs (thumb targets, nightly, cargo-fuzz).
#
# Knobs (environment): PROPTEST_CASES (default 2048), GLN_SOAK_STEPS (default 1000000 per
# model or detector), GLN_FUZZ_SECONDS (default 60 per target).
# Timing: about 7 minutes with cargo-fuzz installed and
# builds cached on the 2-core development VM, about 15 minutes at worst on a fresh machine.
set -euo pipefail

cases="${PROPTEST_CASES:-2048}"
soak_steps="${GLN_SOAK_STEPS:-1000000}"
fuzz_seconds="${GLN_FUZZ_SECONDS:-60}"
start=$SECONDS

echo "== reliability: no_std builds with the storage feature"
rustup target add thumbv6m-none-eabi thumbv7em-none-eabihf >/dev/null
cargo build --no-default-features --features storage --target thumbv6m-none-eabi
cargo build --no-default-features --features storage --target thumbv7em-none-eabihf

# One optimised profile with overflow checks on (see Cargo.toml) and one feature set, so the
# library is compiled once for all of these.
opt=(--profile test-opt --features storage)

echo "== reliability: property tests, $cases cases per property"
PROPTEST_CASES="$cases" cargo test "${opt[@]}" --test proptests

echo "== reliability: persistence, hostile input, recovery from any single value, flash checkpoints"
echo "   (power cut at every byte, alone and with read disturbs, wrapping sequences, worn regions)"
cargo test "${opt[@]}" --test bernoulli --test detection --test parity --test hostile \
    --test durability

echo "== reliability: soak, $soak_steps adversarial steps per model (and per small detector)"
GLN_SOAK_STEPS="$soak_steps" cargo test "${opt[@]}" --test soak -- --include-ignored --nocapture

echo "== reliability: fuzzing, ${fuzz_seconds}s per target"
if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
for target in load learn detect; do
    # New corpus entries go to a scratch directory, so the repository keeps only the seeds.
    corpus="$(mktemp -d)"
    cp fuzz/seeds/"$target"/* "$corpus"/
    max_len=4096
    [ "$target" != load ] && max_len=1024
    log="$(mktemp)"
    if ! (cd fuzz && cargo +nightly fuzz run -O "$target" "$corpus" -- \
        -max_total_time="$fuzz_seconds" -max_len="$max_len" -print_final_stats=1) >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target failed (crash input saved under fuzz/artifacts/$target)"
        exit 1
    fi
    grep -E '^Done [0-9]+ runs|stat::number_of_executed_units' "$log" | sed "s/^/  $target: /"
    rm -rf "$corpus" "$log"
done

echo "== reliability: done in $((SECONDS - start)) s"
