#!/usr/bin/env bash
# Builds every board crate, runs every emulated board under QEMU (each run under `timeout`,
# from the runner line of the board's .cargo/config.toml), and compares
#   - each run's output with boards/expected/<board>.run, or <board>-<binary>.run for a
#     board's other binaries (fingerprints, instruction counts
#     under -icount shift=0, stack depths: all deterministic), and its exit status (a board
#     exits with failure when its fingerprint is not the reference);
#   - every binary's .text/.data/.bss (arm-none-eabi-size) with boards/expected/sizes.txt
#     (.text to within TEXT_SLACK bytes, below);
#   - the replay and pretrained boards (mps2-an386 `replay`, `pretrained`) with the host: the
#     host's examples/replay on the same log (and examples/pretrain's saved bytes), run now,
#     must print the same tally and fingerprints as the board under QEMU. Nothing is stored:
#     a change of the detector changes both sides.
# Any difference, failure or timeout fails the script, loudly.
#
#   boards/run-emulated.sh            check everything
#   boards/run-emulated.sh --bless    after a deliberate change: rewrite the expected files
#                                     (refused if any board fails)
#   boards/run-emulated.sh --no-real  skip building the real boards (nRF52840, STM32F411,
#                                     RP2040); their sizes are then not checked
#
# Needs: the rustup targets thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf
# thumbv8m.main-none-eabihf, and qemu-system-arm, arm-none-eabi-size, timeout
# (.ci/steps/30-boards.sh installs them).
set -euo pipefail

# .data and .bss are compared exactly, .text to within this many bytes. The same commit built
# in two checkouts at different paths links its functions in a different order (cargo hashes
# a path dependency's location into its symbol names, and the order follows the names), so
# alignment padding moves .text by a few bytes (4 seen, on 2 of 16 binaries). Instruction
# counts are not affected: the instructions are the same, only placed elsewhere.
TEXT_SLACK=32

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
expected="$here/expected"

# Source paths end up in the binaries (panic locations), so without this the stored sizes and
# instruction counts would hold only for a checkout at a path of the same length: map the
# repository and cargo's home to fixed names. (No board sets rustflags of its own: the link
# scripts come from each build.rs.)
repo="$(cd "$here/.." && pwd)"
host_rustflags="${RUSTFLAGS:-}"
export RUSTFLAGS="--remap-path-prefix=$repo=/gln --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo ${RUSTFLAGS:-}"

bless=0
real=1
for arg in "$@"; do
    case "$arg" in
        --bless) bless=1 ;;
        --no-real) real=0 ;;
        -h | --help)
            sed -n '2,20p' "$0"
            exit 0
            ;;
        *)
            echo "unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

for tool in qemu-system-arm arm-none-eabi-size timeout cargo; do
    if ! command -v "$tool" >/dev/null; then
        echo "FAIL: $tool not found (apt-get install -y qemu-system-arm binutils-arm-none-eabi)" >&2
        exit 1
    fi
done

# board crate : binaries it runs under QEMU
emulated=(
    "microbit:microbit bench-tiny qbench-tiny qbench-parity qbench-reference"
    "lm3s6965evb:lm3s6965evb qbench-tiny"
    "mps2-an386:mps2-an386 bench-tiny bench-reference bench-large detector detector-small detector-1ch detector-small-1ch qbench-tiny qbench-parity qbench-reference qbench-reference-k2"
    "mps2-an500:mps2-an500 qbench-tiny-m7"
    "mps2-an505:mps2-an505 qbench-tiny"
)
# board crate : binary (built only; they need a debug probe to run, or, for `sizes`, are
# library-only size binaries that are never run)
physical=(
    "nrf52840-dk:nrf52840-dk"
    "nucleo-f411re:nucleo-f411re"
    "rpi-pico:rpi-pico"
    "nrf52840-dk-embassy:nrf52840-dk-embassy"
    "rpi-pico-embassy:rpi-pico-embassy"
    "nucleo-f411re-rtic:nucleo-f411re-rtic"
    "microbit-v2-imu:microbit-v2-imu"
    "sizes:lib-detector-small-1ch lib-detector-small lib-detector-1ch lib-detector"
    "sizes-m0:lib-detector-small-1ch lib-detector-small lib-detector-1ch lib-detector"
)

target_of() { sed -n 's/^target = "\(.*\)"/\1/p' "$1/.cargo/config.toml" | head -n 1; }

failures=()
fail() {
    echo "FAIL: $*" >&2
    failures+=("$*")
}

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
sizes="$out/sizes.txt"
printf '%-36s %8s %8s %8s\n' "binary" "text" "data" "bss" >"$sizes"

run_name() { # board binary -> name of its expected output
    if [ "$1" = "$2" ]; then echo "$1"; else echo "$1-$2"; fi
}

record_size() { # board binary
    local elf
    elf="$here/target/$(target_of "$1")/release/$2"
    arm-none-eabi-size "$elf" | awk -v name="$1/$2" 'NR == 2 { printf "%-36s %8d %8d %8d\n", name, $1, $2, $3 }' >>"$sizes"
}

boards=("${emulated[@]}")
if [ "$real" = 1 ]; then
    boards+=("${physical[@]}")
fi

for entry in "${boards[@]}"; do
    board="${entry%%:*}"
    echo "== build $board ($(target_of "$board"))"
    if ! (cd "$board" && cargo build --release --quiet); then
        fail "$board does not build"
        continue
    fi
    for bin in ${entry#*:}; do
        record_size "$board" "$bin"
    done
done

for entry in "${emulated[@]}"; do
    board="${entry%%:*}"
    for bin in ${entry#*:}; do
        name="$(run_name "$board" "$bin")"
        echo "== run $board/$bin"
        status=0
        # The runner line (.cargo/config.toml) wraps QEMU in `timeout`; this outer one also
        # bounds cargo itself.
        (cd "$board" && timeout 300 cargo run --release --quiet --bin "$bin") \
            >"$out/$name.run" 2>"$out/$name.err" || status=$?
        cat "$out/$name.run"
        if [ "$status" != 0 ]; then
            cat "$out/$name.err" >&2
            if [ "$status" = 124 ]; then
                fail "$board/$bin timed out"
            else
                fail "$board/$bin exited with status $status"
            fi
            continue
        fi
        if [ "$bless" = 0 ]; then
            if [ ! -f "$expected/$name.run" ]; then
                fail "$board/$bin: no expected output boards/expected/$name.run (run with --bless)"
            elif ! diff -u "$expected/$name.run" "$out/$name.run"; then
                fail "$board/$bin: output differs from boards/expected/$name.run (diff above)"
            fi
        fi
    done
done

# The host side of the replay checks, built as the README says (without the boards' flags).
host_example() { # example args...
    local example="$1"
    shift
    (cd "$repo" && RUSTFLAGS="$host_rustflags" cargo run --release --quiet --example "$example" -- "$@")
}

# The lines a board and the host replay must agree on: the tally, the restored and the final
# fingerprints.
agreed() {
    sed -n -E 's/^summary: (rows [0-9]+, dropped [0-9]+, rejected [0-9]+, flagged [0-9]+).*/\1/p
        s/^restored .*: ([0-9]+ readings learned, fingerprint [0-9a-f]{16})$/restored \1/p
        s/^detector fingerprint ([0-9a-f]{16})$/fingerprint \1/p' "$1"
}

host_check() { # name board-run-args... -- host-replay-args...
    local name="$1" board=() host=()
    shift
    while [ "$1" != -- ]; do board+=("$1"); shift; done
    shift
    host=("$@")
    echo "== run mps2-an386 ${board[*]} (checked against the host replay)"
    local status=0
    (cd mps2-an386 && timeout 300 cargo run --release --quiet "${board[@]}") \
        >"$out/$name.run" 2>"$out/$name.err" || status=$?
    cat "$out/$name.run"
    if [ "$status" != 0 ]; then
        cat "$out/$name.err" >&2
        fail "mps2-an386 $name exited with status $status"
        return
    fi
    if ! host_example replay "${host[@]}" >"$out/$name.host" 2>&1; then
        cat "$out/$name.host" >&2
        fail "host replay ${host[*]} failed"
        return
    fi
    if ! grep -q '^fingerprint ' <(agreed "$out/$name.host"); then
        fail "host replay ${host[*]}: no fingerprint"
    elif ! diff -u <(agreed "$out/$name.host") <(agreed "$out/$name.run"); then
        fail "mps2-an386 $name differs from the host replay (diff above: host, then board)"
    else
        echo "   same as the host: $(agreed "$out/$name.run" | tr '\n' ';')"
    fi
}

replay_log="$here/data/machine-day4.csv"
host_check replay --bin replay -- "$replay_log"

# A model trained on the host, shipped in flash: four days of the machine, then the fifth
# (the replay's log) on the board and on the host.
pretrained="$here/target/pretrained/machine.bin"
if host_example machine_log --to 2880 >"$out/train.csv" &&
    host_example pretrain "$out/train.csv" --out "$pretrained"; then
    GLN_PRETRAINED="$pretrained" host_check pretrained --features pretrained --bin pretrained \
        -- "$replay_log" --restore "$pretrained"
else
    fail "examples/pretrain failed"
fi

echo "== sizes"
cat "$sizes"
if [ "$bless" = 0 ]; then
    # Compare the rows of the binaries built this time.
    while read -r name _; do
        [ "$name" = binary ] && continue
        want="$(grep -E "^$name " "$expected/sizes.txt" 2>/dev/null || true)"
        got="$(grep -E "^$name " "$sizes")"
        if [ -z "$want" ]; then
            fail "$name: no stored size in boards/expected/sizes.txt (run with --bless)"
        elif [ "$want" != "$got" ]; then
            read -r _ wt wd wb <<<"$want"
            read -r _ gt gd gb <<<"$got"
            dt=$((gt - wt))
            if [ "$wd $wb" = "$gd $gb" ] && [ "${dt#-}" -le "$TEXT_SLACK" ]; then
                echo "note: $name .text is $gt bytes, stored $wt: within the $TEXT_SLACK bytes of layout noise"
            else
                fail "$name: size changed (text data bss)
  stored: $want
  now:    $got"
            fi
        fi
    done <"$sizes"
fi

if [ "${#failures[@]}" != 0 ]; then
    echo >&2
    echo "${#failures[@]} board check(s) FAILED:" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    if [ "$bless" = 1 ]; then
        echo "nothing blessed: fix the failures first" >&2
    fi
    exit 1
fi

if [ "$bless" = 1 ]; then
    mkdir -p "$expected"
    for entry in "${emulated[@]}"; do
        board="${entry%%:*}"
        for bin in ${entry#*:}; do
            name="$(run_name "$board" "$bin")"
            cp "$out/$name.run" "$expected/$name.run"
        done
    done
    if [ "$real" = 1 ]; then
        cp "$sizes" "$expected/sizes.txt"
    else
        # Keep the stored rows of the boards not built this time.
        { cat "$sizes"; grep -v -E "^binary " "$expected/sizes.txt" 2>/dev/null |
            grep -v -F -f <(awk 'NR > 1 { print $1 " " }' "$sizes") || true; } >"$out/merged"
        cp "$out/merged" "$expected/sizes.txt"
    fi
    echo "blessed: boards/expected/*.run and boards/expected/sizes.txt updated; review with git diff"
    exit 0
fi

echo "all boards OK: every emulated board printed its expected output and the reference fingerprint; sizes as stored (.text within $TEXT_SLACK bytes)"
