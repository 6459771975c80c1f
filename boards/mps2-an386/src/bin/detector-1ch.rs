//! The detector board example on the temperature alone: `Detector<1, 16, 16, 16,
//! SensorModel>` (the reference detector of the README's detector tables); the vibration faults are
//! not expected.
#![no_std]
#![no_main]
board_common::detector_main!(1, 16, 16, 16, gln::detector::SensorModel);
