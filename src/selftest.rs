//! Parity self-tests: fixed scenarios whose result is known to the bit, for the host, the
//! boards and users' firmware.
//!
//! A scenario builds a model of a fixed shape from a fixed seed, feeds it a deterministic
//! stream generated in code (no data files), learns for a fixed number of steps and hashes
//! (FNV-1a, [`crate::hash::Fnv1a`]) every prediction it made and, at the end, the model's own
//! fingerprint. The expected hash is a constant of the scenario: a board that computes any
//! other bit (a different libm, a compiler that fused a multiply-add, a miscompiled FPU
//! instruction) fails.
//!
//! The host tests (`tests/parity/main.rs`, for the `std` and the `no_std` build), every board under
//! `boards/` and firmware that calls a scenario at boot run this very code.
//!
//! The supported items are each scenario's `Model`, `model()`, `run` and `EXPECTED`, and the
//! reports. The scenario's fixtures (seeds, stream parameters, the simulated machine) are
//! public for the board crates, hidden from these docs, and may change with a scenario.
//!
//! Each scenario is a module with the same items: `Model` (its shape), `SEED`, `CONFIG`,
//! `EXPECTED`, `model()` (a `const fn`, so the model can live in a `static`) and
//! `run(&mut Model)`, which returns a report with `passed()`.
//! - [`bernoulli`]: a three-layer binary classifier on standardised sensor-like readings,
//!   and the bytes it saves to ([`Persist`](crate::Persist)).
//! - [`anomaly`]: the streaming detector (Gaussian GLNs inside) on a simulated two-channel
//!   machine with injected faults ([`Machine`]), rejected readings, a gap and a frozen
//!   stretch.
//! - [`quant`]: the integer GLN ([`crate::quant`]) on an integer stream; the boards'
//!   `qbench-*` binaries run it.
//! - [`kernels`]: not a model but the Cortex-M FPU kernels (`src/kernels/fpu.rs`) against the
//!   portable code, on inputs chosen to tell them apart (nothing to check elsewhere).
//!
//! Together they take about 10 KiB of RAM (the micro:bit board runs both).
//!
//! # At boot
//! ```
//! use gln::selftest::bernoulli;
//!
//! // In firmware, a `static` (or `static_cell::ConstStaticCell`) keeps the model off the stack.
//! let mut model = bernoulli::model();
//! let report = bernoulli::run(&mut model)?;
//! assert!(report.passed(), "this core does not compute the reference bits: {report:?}");
//! # Ok::<(), gln::selftest::NotFresh>(())
//! ```
//! ```
//! use gln::selftest::anomaly;
//!
//! let mut detector = anomaly::model();
//! let report = anomaly::run(&mut detector)?;
//! assert!(report.passed(), "{report}");
//! assert_eq!(report.found, report.faults); // every injected fault was flagged
//! # Ok::<(), gln::selftest::NotFresh>(())
//! ```

pub mod anomaly;
pub mod bernoulli;
pub mod kernels;
mod machine;
pub mod quant;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
pub use machine::{CHANNELS, Fault, FaultKind, Machine, TEMPERATURE, VIBRATION, fault_at};

use core::fmt;

use crate::hash::Fnv1a;
use crate::math::sigmoid;
use crate::rng::SplitMix64;

/// What a scenario computed, and what it should have computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Report {
    /// The scenario's name (its module name).
    pub scenario: &'static str,
    /// Learning steps taken.
    pub steps: u32,
    /// Predictions made before learning that were on the right side of 0.5: the model did
    /// learn something (the stream's labels follow a noisy linear rule).
    pub correct: u32,
    /// FNV-1a of the bits of every prediction, in the order made.
    pub predictions: u64,
    /// The model's own [`fingerprint`](crate::Gln3::fingerprint) after the last step.
    pub model: u64,
    /// FNV-1a of the bytes the model (and its standardiser) save to
    /// ([`Persist`](crate::Persist)) after the last step.
    pub saved: u64,
    /// FNV-1a of every prediction, then of `model`, then of `saved`: the value compared
    /// with `expected`.
    pub fingerprint: u64,
    /// The scenario's stored reference value.
    pub expected: u64,
}

impl Report {
    /// Whether this target computed the reference bits.
    pub fn passed(&self) -> bool {
        self.fingerprint == self.expected
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} steps {} correct {} predictions {:016x} model {:016x} saved {:016x} fingerprint {:016x} expected {:016x}: {}",
            self.scenario,
            self.steps,
            self.correct,
            self.predictions,
            self.model,
            self.saved,
            self.fingerprint,
            self.expected,
            if self.passed() { "OK" } else { "MISMATCH" }
        )
    }
}

/// A scenario was given a model that has already learned, or that was built from another
/// seed or configuration: its result would not be comparable with the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NotFresh;

impl fmt::Display for NotFresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a self-test needs a fresh model from its scenario's `model()`")
    }
}

impl core::error::Error for NotFresh {}

/// A [`Sink`](crate::persist::Sink) that hashes what is saved into it (FNV-1a), so the
/// saved bytes of a model can be part of a fingerprint without a buffer of their size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HashSink(Fnv1a);

impl HashSink {
    pub(crate) const fn new() -> Self {
        Self(Fnv1a::new())
    }

    pub(crate) const fn finish(&self) -> u64 {
        self.0.finish()
    }
}

impl crate::persist::Sink for HashSink {
    type Error = core::convert::Infallible;

    fn write(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.0.write(bytes);
        Ok(())
    }
}

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// One reading of [`Stream`]: `D` raw sensor values and a binary label.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Sample<const D: usize> {
    /// Raw readings, each with its own offset and scale (so they need standardising).
    pub raw: [f32; D],
    /// A noisy linear rule of the readings' deviations from their means.
    pub label: bool,
}

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// A deterministic, endless stream of sensor-like samples, generated from a seed with
/// [`SplitMix64`] and plain `f32` arithmetic in a fixed order (the same bits everywhere).
///
/// Reading `j` is `10 j − 50 + (1 + j) u_j` with `u_j` roughly standard normal; every 29th
/// sample is a burst with `u` six times larger (it drives neurons into saturation and weights
/// against their box). The label is `Σ_j ± u_j / (j + 1) + noise > 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stream<const D: usize> {
    rng: SplitMix64,
    t: u32,
}

impl<const D: usize> Stream<D> {
    /// Every 29th sample is a burst.
    pub const BURST_EVERY: u32 = 29;

    /// A stream drawn from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64::new(seed),
            t: 0,
        }
    }

    /// The next sample.
    pub fn next_sample(&mut self) -> Sample<D> {
        self.t = self.t.wrapping_add(1);
        let burst = if self.t.is_multiple_of(Self::BURST_EVERY) {
            6.0
        } else {
            1.0
        };
        let mut raw = [0.0f32; D];
        let mut score = 0.0f32;
        for (j, r) in raw.iter_mut().enumerate() {
            let u = self.rng.next_normal() * burst;
            let even = j.is_multiple_of(2);
            let j = j as f32;
            *r = 10.0 * j - 50.0 + (1.0 + j) * u;
            let w = u / (j + 1.0);
            score += if even { w } else { -w };
        }
        let noise = 0.3 * self.rng.next_normal();
        Sample {
            raw,
            label: score + noise > 0.0,
        }
    }
}

impl<const D: usize> Iterator for Stream<D> {
    type Item = Sample<D>;

    fn next(&mut self) -> Option<Sample<D>> {
        Some(self.next_sample())
    }
}

/// Base probabilities for standardised readings `z`: `sigmoid(z)`, except on every
/// `extreme_every`-th step (`t` counted from 1), where the first is exactly 0 and the last
/// exactly 1 (infinite logits, which the network must clip).
pub(crate) fn base_probabilities<const D: usize>(
    z: &[f32; D],
    t: u32,
    extreme_every: u32,
) -> [f32; D] {
    let mut p = z.map(sigmoid);
    if t.is_multiple_of(extreme_every) {
        if let Some(first) = p.first_mut() {
            *first = 0.0;
        }
        if let Some(last) = p.last_mut() {
            *last = 1.0;
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_repeat_from_their_seed_and_differ_between_seeds() {
        let a: std::vec::Vec<_> = Stream::<5>::new(1).take(50).collect();
        let b: std::vec::Vec<_> = Stream::<5>::new(1).take(50).collect();
        let c: std::vec::Vec<_> = Stream::<5>::new(2).take(50).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Both labels occur, and the readings have the documented offsets.
        let ones = a.iter().filter(|s| s.label).count();
        assert!((10..=40).contains(&ones), "{ones}");
        let mean3 = a.iter().map(|s| s.raw[3] as f64).sum::<f64>() / 50.0;
        assert!((mean3 + 20.0).abs() < 3.0, "{mean3}");
    }

    #[test]
    fn bursts_are_larger() {
        let mut s = Stream::<4>::new(3);
        let mut big = [0.0f32; 2];
        for t in 1..=29 * 40 {
            let x = s.next_sample();
            let dev = (x.raw[0] + 50.0).abs();
            let i = usize::from(t % 29 == 0);
            big[i] = big[i].max(dev);
        }
        assert!(big[1] > 2.0 * big[0], "{big:?}");
    }

    #[test]
    fn extreme_probabilities_on_schedule() {
        let z = [0.5f32, -1.0, 2.0];
        assert_eq!(base_probabilities(&z, 1, 4), z.map(sigmoid));
        assert_eq!(base_probabilities(&z, 8, 4), [0.0, sigmoid(-1.0), 1.0]);
    }

    #[test]
    fn report_passes_only_on_the_expected_value() {
        let mut r = Report {
            scenario: "x",
            steps: 1,
            correct: 1,
            predictions: 2,
            model: 3,
            saved: 6,
            fingerprint: 4,
            expected: 4,
        };
        assert!(r.passed());
        assert!(std::format!("{r}").ends_with("OK"));
        r.expected = 5;
        assert!(!r.passed());
        assert!(std::format!("{r}").ends_with("MISMATCH"));
    }
}
