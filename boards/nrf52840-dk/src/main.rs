//! nRF52840 (Cortex-M4F at 64 MHz): the parity scenario and the cycles per step, over RTT.
//!
//! `cargo run --release` with an nRF52840 DK (or any nRF52840 board) on its debug probe.
#![no_std]
#![no_main]

use defmt_rtt as _;
use nrf52840_hal::{clocks::Clocks, pac};
use panic_probe as _;

#[cortex_m_rt::entry]
fn main() -> ! {
    let core = defmt::unwrap!(cortex_m::Peripherals::take());
    let p = defmt::unwrap!(pac::Peripherals::take());
    // The core runs at 64 MHz either way; the crystal makes the clock exact.
    let _clocks = Clocks::new(p.CLOCK).enable_ext_hfosc();
    board_common::real::main(env!("CARGO_PKG_NAME"), "Cortex-M4F", 64_000_000, core.SYST)
}
