//! Library only: `Detector<1, 8, 8, 8, gln::detector::SmallSensorModel>` fed, nothing else.
#![no_std]
#![no_main]
gln_sizes::size_main!(1, 8, 8, 8, gln::detector::SmallSensorModel);
