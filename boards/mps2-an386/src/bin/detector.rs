//! The detector board example, reference model: `Detector<2, 16, 16, 16, SensorModel>` (the
//! reference sensor model per channel) over a machine's temperature and vibration stored in
//! flash; prints each detection and a summary, fails if a fault is not found.
#![no_std]
#![no_main]
board_common::detector_main!(2, 16, 16, 16, gln::detector::SensorModel);
