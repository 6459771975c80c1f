#!/usr/bin/env bash
# Boards (issue 3): the same learner on emulated and real Cortex-M cores, bit-exact with the
# host. Installs what it needs (rustup targets, qemu-system-arm, binutils-arm-none-eabi),
# checks the host parity fingerprint for the std and no_std builds, then builds every board
# crate (real boards included), runs every emulated board under QEMU and compares outputs
# (fingerprints, instruction counts, stack) and sizes with boards/expected/, and checks the
# replay and pretrained boards against the host replay (computed now). The sensor firmware
# (embassy, RTIC, embedded-hal) and the library-only size binaries are built and sized. A
# failing, hanging or changed board fails this step.
set -euo pipefail
start=$SECONDS

targets=(thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf thumbv8m.main-none-eabihf)
if ! rustup target add "${targets[@]}"; then
    echo "30-boards: FAIL: rustup could not install ${targets[*]}" >&2
    echo "(shared/docs/targets.md describes a fallback: Debian's rustc-web with -Zbuild-std=core)" >&2
    exit 1
fi

missing=()
command -v qemu-system-arm >/dev/null || missing+=(qemu-system-arm)
command -v arm-none-eabi-size >/dev/null || missing+=(binutils-arm-none-eabi)
if [ "${#missing[@]}" != 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== host parity (std and no_std builds of the library)"
cargo test --quiet --test parity --test quant
cargo test --quiet --no-default-features --test parity --test quant

echo "== boards"
bash boards/run-emulated.sh

echo "30-boards: OK in $((SECONDS - start)) s"
