//! The MNIST configurations and the one-pass protocol, shared by the `mnist` example and the
//! accuracy-floor test (`tests/mnist.rs`).

#![allow(dead_code)]

use crate::mnist_data::{PIXELS, Set};
use gln::{Config, Gln3, Input, LearningRate, Network, QGln3, Schedule, Standardizer, StepScale};
use std::time::Instant;

/// Configuration (a): pygln's shape, [4, 4, 1] per class with 4 halfspaces, to compare like
/// for like.
pub type ModelA = Gln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>;
/// Learning rate of (a): `min(0.1, 2000 / t)`; no fan-in scaling applies to 5 inputs.
pub const CONFIG_A: Config = Config::DEFAULT.with_learning_rate(LearningRate {
    schedule: Schedule::InverseTime {
        c: 2000.0,
        max: 0.1,
    },
    floor: 0.0,
    scale: StepScale::HiddenFanIn { reference: 5.0 },
});
/// Standardiser offset of (a): `z = (x - mean) / (std + 1)`, the authors' choice.
pub const STD_OFFSET_A: f32 = 1.0;

/// Configuration (qa): the integer GLN ([`gln::quant`]) in shape (a), with (a)'s
/// configuration ([`CONFIG_A`]) and standardiser; the side information is rounded to Q10 at
/// the input.
pub type ModelQA = QGln3<PIXELS, PIXELS, 4, 4, 4, 16, 10>;

/// Configuration (b), the best single-pass configuration found by `examples/mnist_sweep.rs`:
/// [16, 16, 1] per class with 8 halfspaces (256 contexts per neuron).
pub type ModelB = Gln3<PIXELS, PIXELS, 16, 16, 8, 256, 10>;
/// Learning rate of (b): `min(0.1, 3000 / t)`, hidden layers scaled by `5 / fan-in`.
pub const CONFIG_B: Config = Config::DEFAULT.with_learning_rate(LearningRate {
    schedule: Schedule::InverseTime {
        c: 3000.0,
        max: 0.1,
    },
    floor: 0.0,
    scale: StepScale::HiddenFanIn { reference: 5.0 },
});
/// Standardiser offset of (b).
pub const STD_OFFSET_B: f32 = 0.5;

/// What one run measured.
pub struct Outcome {
    pub test_accuracy: f64,
    pub online_accuracy: f64,
    /// Wall-clock seconds of the training pass.
    pub train_seconds: f64,
    /// Seconds the training thread spent on a CPU (Linux `/proc/thread-self/schedstat`):
    /// robust to other processes competing for the cores, unlike wall-clock time.
    pub train_cpu_seconds: Option<f64>,
    pub fingerprint: u64,
}

/// CPU time of the calling thread in seconds, where Linux tells it.
pub fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}

/// One pass over `train` (standardising online, scoring each image before learning it), then
/// the accuracy on `test` with the statistics and weights frozen.
pub fn run<M: Network<PIXELS, PIXELS, 10>>(
    name: &str,
    model: &mut M,
    std_offset: f32,
    train: &Set,
    test: &Set,
    quiet: bool,
) -> Result<Outcome, gln::Error> {
    let mut scale = Standardizer::<PIXELS>::new(std_offset);
    let cpu0 = thread_cpu_seconds();
    let start = Instant::now();
    let mut correct_online = 0usize;
    let every = (train.images.len() / 6).max(1);
    for (i, (img, &label)) in train.images.iter().zip(&train.labels).enumerate() {
        let z = scale.update_transform(img)?;
        let x = Input::from_side(&z)?;
        let p = model.learn_class(&x, label as usize)?;
        correct_online += usize::from(gln::argmax(&p) == label as usize);
        if !quiet && (i + 1) % every == 0 {
            let s = start.elapsed().as_secs_f64();
            println!(
                "  [{name}] {:>6} images  online accuracy {:6.2}%  {:6.2} s  {:>8.0} images/s",
                i + 1,
                100.0 * correct_online as f64 / (i + 1) as f64,
                s,
                (i + 1) as f64 / s
            );
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let train_cpu_seconds = thread_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let mut correct = 0usize;
    for (img, &label) in test.images.iter().zip(&test.labels) {
        let z = scale.transform(img)?;
        let x = Input::from_side(&z)?;
        correct += usize::from(model.predict_class(&x) == label as usize);
    }
    Ok(Outcome {
        test_accuracy: 100.0 * correct as f64 / test.images.len() as f64,
        online_accuracy: 100.0 * correct_online as f64 / train.images.len().max(1) as f64,
        train_seconds,
        train_cpu_seconds,
        fingerprint: model.fingerprint(),
    })
}
