//! What every board crate under `boards/` shares, so that each board crate is only its memory
//! map, its runner line and (for real boards) its clock setup.
//!
//! - [`measure`]: SysTick counting (instructions under QEMU `-icount`, cycles on hardware),
//!   the calibration of one against the other, and stack painting.
//! - [`emulated`] (feature `semihosting`): the whole program of an emulated board (the parity
//!   scenario, work per step, stack) with output and exit code over semihosting, and the panic
//!   handler; [`emulated_main!`] and [`bench_main!`] write a board's `main`.
//! - [`detector`] (feature `semihosting`): the detector board example (a machine's sensor
//!   stream in flash, detections, instructions per reading); [`detector_main!`] writes its
//!   `main`.
//! - [`replay`] (feature `semihosting`): a recorded log embedded at compile time, replayed as
//!   the host's `examples/replay` does, with the same fingerprint; [`replay_main!`] writes
//!   its `main`.
//! - [`real`] (feature `defmt`): the same run on a real board, logged with `defmt`.
//! - [`firmware`] (feature `firmware`): what the sensor firmware shares (embassy, RTIC,
//!   embedded-hal): a verdict logged with `defmt`, checkpoints restored and saved.
#![no_std]

pub mod measure;

#[cfg(feature = "semihosting")]
pub mod emulated;

#[cfg(feature = "semihosting")]
pub mod detector;

#[cfg(feature = "semihosting")]
pub mod replay;

#[cfg(feature = "defmt")]
pub mod real;

#[cfg(feature = "firmware")]
pub mod firmware;

// For the macros, which expand in the board crates.
#[doc(hidden)]
pub use cortex_m_rt;
#[doc(hidden)]
pub use gln;
#[doc(hidden)]
pub use static_cell;

use core::fmt;

/// `num / den` printed with two decimals (rounded), without pulling float formatting into
/// the smallest boards' flash.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    /// Numerator.
    pub num: u64,
    /// Denominator (0 prints `n/a`).
    pub den: u64,
}

impl Ratio {
    /// `num / den` in hundredths, rounded to nearest.
    pub fn hundredths(&self) -> Option<u64> {
        if self.den == 0 {
            return None;
        }
        Some((self.num.saturating_mul(200) / self.den).div_ceil(2))
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hundredths() {
            Some(h) => write!(f, "{}.{:02}", h / 100, h % 100),
            None => f.write_str("n/a"),
        }
    }
}
