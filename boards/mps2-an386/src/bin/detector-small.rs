//! The detector board example, small model: `Detector<2, 8, 8, 8, SmallSensorModel>` over
//! the same stream as `detector`.
#![no_std]
#![no_main]
board_common::detector_main!(2, 8, 8, 8, gln::detector::SmallSensorModel);
