//! A temperature monitor for firmware: an LM75 (or compatible) sensor read over I2C through
//! the `lm75` driver, every reading fed to the `gln` anomaly detector, which learns what
//! normal looks like on the device itself.
//!
//! Generic over the `embedded-hal` 1.0 traits ([`I2c`] for the bus, [`DelayNs`] for the
//! sampling period), so the same code runs on any board with an `embedded-hal` 1.0 HAL, and
//! on the host against `embedded-hal-mock` (see `tests/`).
//!
//! ```ignore
//! // On a board (names from your HAL):
//! let i2c = hal::i2c::I2c::new(p.TWIM0, pins, Frequency::K100);
//! let mut monitor = Monitor::new(i2c, 0x48, MONITOR_CONFIG);
//! monitor.run(&mut delay, 1000, u32::MAX, |t, r| match r {
//!     Ok((temp, v)) if v.anomaly => defmt::warn!("{}: {} °C is anomalous ({})", t, temp, v.score),
//!     Ok(_) => {}
//!     Err(e) => defmt::error!("{}: {}", t, defmt::Debug2Format(&e)),
//! });
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use gln::detector::{Detector, DetectorConfig, SmallSensorModel, Verdict};
use lm75::{Lm75, ic};

pub use lm75;

/// The detector for one temperature channel: a window of 8 readings, the small model
/// (8 features, layers `[8, 1]`, 2 halfspaces): about 3 KB of RAM.
pub type TemperatureDetector = Detector<1, 8, 8, 8, SmallSensorModel>;

/// A detector configuration for a sensor read about once a second: a warm-up of 10 minutes
/// and thresholds that remember about 10 minutes of scores. Adjust both to the rhythm of
/// what is measured (a day for a room, a cycle for a machine).
pub const MONITOR_CONFIG: DetectorConfig = DetectorConfig::DEFAULT
    .with_warmup(600)
    .with_threshold_rate(1.0 / 600.0);

/// Why a poll gave no verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MonitorError<E> {
    /// The I2C transfer failed: the reading is counted as a dropped sample
    /// ([`Detector::missing`]) and the model is unchanged.
    Bus(E),
    /// The driver rejected the data.
    Driver,
    /// The detector rejected the value (it cannot be NaN or infinite from this sensor; this
    /// is here for completeness). Nothing was learned.
    Rejected(gln::Error),
}

/// An LM75 on an I2C bus and the detector that watches it.
pub struct Monitor<I2C> {
    sensor: Lm75<I2C, ic::Lm75>,
    detector: TemperatureDetector,
}

impl<I2C, E> Monitor<I2C>
where
    I2C: I2c<Error = E>,
{
    /// A monitor of the sensor at `address` (0x48 when A2..A0 are low) with a fresh detector.
    pub fn new(i2c: I2C, address: u8, config: DetectorConfig) -> Self {
        Self::with_detector(i2c, address, TemperatureDetector::with_seed(1, config))
    }

    /// A monitor around an existing detector (e.g. one restored or pre-trained).
    pub fn with_detector(i2c: I2C, address: u8, detector: TemperatureDetector) -> Self {
        Self {
            sensor: Lm75::new(i2c, address),
            detector,
        }
    }

    /// Reads the temperature once, scores it, then learns it.
    ///
    /// # Errors
    /// [`MonitorError::Bus`] if the I2C transfer failed (counted as a missing reading).
    pub fn poll(&mut self) -> Result<(f32, Verdict<1>), MonitorError<E>> {
        match self.sensor.read_temperature() {
            Ok(t) => self
                .detector
                .update(&[t])
                .map(|v| (t, v))
                .map_err(MonitorError::Rejected),
            Err(lm75::Error::I2C(e)) => {
                self.detector.missing();
                Err(MonitorError::Bus(e))
            }
            Err(_) => {
                self.detector.missing();
                Err(MonitorError::Driver)
            }
        }
    }

    /// Polls `readings` times, waiting `period_ms` after each poll, and hands each result
    /// (with its index) to `on_reading`.
    pub fn run(
        &mut self,
        delay: &mut impl DelayNs,
        period_ms: u32,
        readings: u32,
        mut on_reading: impl FnMut(u32, Result<(f32, Verdict<1>), MonitorError<E>>),
    ) {
        for i in 0..readings {
            on_reading(i, self.poll());
            delay.delay_ms(period_ms);
        }
    }

    /// The detector (its counters, thresholds, model, fingerprint).
    pub fn detector(&self) -> &TemperatureDetector {
        &self.detector
    }

    /// Stops (`true`) or resumes learning, e.g. during maintenance.
    pub fn freeze(&mut self, frozen: bool) {
        self.detector.freeze(frozen);
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.sensor.destroy()
    }
}
