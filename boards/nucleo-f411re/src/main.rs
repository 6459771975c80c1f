//! STM32F411 (Cortex-M4F at 100 MHz): the parity scenario and the cycles per step, over RTT.
//!
//! `cargo run --release` with a NUCLEO-F411RE (or a "Black Pill") on its debug probe.
#![no_std]
#![no_main]

use defmt_rtt as _;
use panic_probe as _;
use stm32f4xx_hal::{pac, prelude::*, rcc::Config};

#[cortex_m_rt::entry]
fn main() -> ! {
    let core = defmt::unwrap!(cortex_m::Peripherals::take());
    let dp = defmt::unwrap!(pac::Peripherals::take());
    // 100 MHz from the internal 16 MHz oscillator through the PLL (no crystal needed).
    let rcc = dp.RCC.freeze(Config::hsi().sysclk(100.MHz()));
    let hz = rcc.clocks.sysclk().raw();
    board_common::real::main(env!("CARGO_PKG_NAME"), "Cortex-M4F", hz, core.SYST)
}
