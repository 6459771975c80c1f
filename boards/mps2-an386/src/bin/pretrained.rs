//! The pretrained board example: a detector trained on the host (`examples/pretrain`, four
//! days of the simulated machine) shipped in flash with `include_bytes!`, restored at boot,
//! then learning on `boards/data/machine-day4.csv` (the fifth day, embedded); prints the same
//! fingerprints as `cargo run --release --example replay -- boards/data/machine-day4.csv
//! --restore boards/target/pretrained/machine.bin` on the host.
//!
//! Built only with `--features pretrained`, after the bytes exist (GLN_PRETRAINED, see
//! .cargo/config.toml).
#![no_std]
#![no_main]
board_common::replay_main!(
    2,
    include_str!("../../../data/machine-day4.csv"),
    Some(include_bytes!(env!("GLN_PRETRAINED")))
);
