//! RP2040 (Cortex-M0+ at 125 MHz, soft float): the parity scenario and the cycles per step,
//! over RTT.
//!
//! `cargo run --release` with a Raspberry Pi Pico on a debug probe (e.g. a second Pico
//! running the debugprobe firmware).
#![no_std]
#![no_main]

use defmt_rtt as _;
use panic_probe as _;
use rp2040_hal::{self as hal, clocks::Clock, pac};

/// The second-stage bootloader for the Pico's W25Q080 flash (see memory.x).
#[link_section = ".boot2"]
#[used]
pub static BOOT2_FIRMWARE: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

/// The Pico's crystal.
const XTAL_HZ: u32 = 12_000_000;

#[hal::entry]
fn main() -> ! {
    let mut pac = defmt::unwrap!(pac::Peripherals::take());
    let core = defmt::unwrap!(pac::CorePeripherals::take());
    let mut watchdog = hal::Watchdog::new(pac.WATCHDOG);
    let clocks = defmt::unwrap!(hal::clocks::init_clocks_and_plls(
        XTAL_HZ,
        pac.XOSC,
        pac.CLOCKS,
        pac.PLL_SYS,
        pac.PLL_USB,
        &mut pac.RESETS,
        &mut watchdog,
    )
    .ok());
    let hz = clocks.system_clock.freq().to_Hz();
    board_common::real::main(env!("CARGO_PKG_NAME"), "Cortex-M0+", hz, core.SYST)
}
