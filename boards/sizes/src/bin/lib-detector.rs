//! Library only: `Detector<2, 16, 16, 16, gln::detector::SensorModel>` fed, nothing else.
#![no_std]
#![no_main]
gln_sizes::size_main!(2, 16, 16, 16, gln::detector::SensorModel);
