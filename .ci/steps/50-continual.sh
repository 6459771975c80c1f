#!/usr/bin/env bash
# Continual learning, shortened: split and permuted MNIST with 2000 training and 1000 test
# images per task; exits 1 unless the GLN forgets less than the online logistic regression in
# both settings (see examples/continual.rs). On the 2-core development VM: about 9 s for the
# benchmark and 4 s for the explain example after the release build (about a minute from
# scratch); peak memory about 0.8 GB (the GLN is 257 MiB). Skips (exit 0) when the MNIST files
# are absent.
# The explain tests (tests/bernoulli/explain.rs) run with `cargo test`; the explain example is run
# here on 10k training images as a smoke test (it exits 1 if any explanation's contributions
# do not sum to the output logit within the stated tolerance).
set -euo pipefail

data="${GLN_DATA_DIR:-../shared/data}/mnist"
if [[ ! -f "$data/train-images-idx3-ubyte.gz" ]]; then
    echo "50-continual: skipped, MNIST not found at $data (set GLN_DATA_DIR)"
    exit 0
fi

cargo build --release --example continual --example explain
cargo run --release --example continual -- --ci
cargo run --release --example explain -- --train 10000 --digits 0,1
