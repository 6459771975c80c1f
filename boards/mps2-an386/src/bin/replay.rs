//! The replay board example: `boards/data/machine-day4.csv` (a day of the simulated machine,
//! with a fault and five dropped samples), embedded at compile time, replayed through a fresh
//! `Detector<2, 16, 16, 16, SensorModel>`; prints the same tally and fingerprint as
//! `cargo run --release --example replay -- boards/data/machine-day4.csv` on the host.
#![no_std]
#![no_main]
board_common::replay_main!(2, include_str!("../../../data/machine-day4.csv"), None);
