//! The streaming anomaly detector's explanations, and saving and restoring the Gaussian GLNs
//! and the detector. (The detector's own behaviour and calibration are in `tests/detector.rs`
//! and `tests/detector_calibration.rs`.)

#[path = "../common/mod.rs"]
mod common;
mod explain;
mod persist;
