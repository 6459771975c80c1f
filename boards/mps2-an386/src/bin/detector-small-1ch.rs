//! The detector board example on the temperature alone with the small model:
//! `Detector<1, 8, 8, 8, SmallSensorModel>`.
#![no_std]
#![no_main]
board_common::detector_main!(1, 8, 8, 8, gln::detector::SmallSensorModel);
