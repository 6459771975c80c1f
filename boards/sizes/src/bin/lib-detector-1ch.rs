//! Library only: `Detector<1, 16, 16, 16, gln::detector::SensorModel>` fed, nothing else.
#![no_std]
#![no_main]
gln_sizes::size_main!(1, 16, 16, 16, gln::detector::SensorModel);
