#!/usr/bin/env bash
# Where the instructions of one `learn` of the reference shape go, on the emulated
# Cortex-M4F: runs mps2-an386's profile-reference binary with QEMU's execution log and
# prints instructions per step by function. Slow-ish (the log is a few hundred MB).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$here/mps2-an386" && cargo build --release --quiet --bin profile-reference)
elf="$here/target/thumbv7em-none-eabihf/release/profile-reference"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
timeout 300 qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -d in_asm,exec,nochain -D "$log" -kernel "$elf" >/dev/null
python3 "$here/tools/qemu-profile.py" "$log" "$elf" 64
