//! Scenario `bernoulli`: a three-layer binary GLN learning a noisy linear rule from 16
//! standardised sensor-like readings.
//!
//! It is small enough for the smallest board (about 5 KiB of RAM, see [`Model`]) and touches
//! every part of the learning path: online standardisation (Welford, `sqrt`, division), base
//! probabilities through `sigmoid` and `logit` (libm `expf`/`logf`), exact 0 and 1
//! probabilities whose infinite logits must be clipped, halfspace gating, dot products of 16
//! inputs (the 16-lane order of [`crate::math::dot`]) and of fewer, updates that skip the
//! clip and updates that hit the weight box (`beta` is small on purpose), saturated neurons,
//! a decaying learning rate with a floor and fan-in scaling, `predict` between learning
//! steps, and at the end the saved bytes of the model and its standardiser ([`Persist`]:
//! little-endian layout, CRC-32), hashed as they stream out, so no buffer is needed.

use super::{HashSink, NotFresh, Report, Stream, base_probabilities};
use crate::hash::Fnv1a;
use crate::{Config, Gln3, Input, LearningRate, Persist, Schedule, Standardizer, StepScale};

/// The scenario's shape: 16 readings (side information and base inputs), layers `[8, 4, 1]`,
/// 2 halfspaces (4 contexts) per neuron. 1248 `f32` of weights (bias and their bounds
/// included) and 442 of hyperplanes: `size_of::<Model>()` is about 5 KiB.
pub type Model = Gln3<16, 16, 8, 4, 2, 4>;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Number of readings per sample.
pub const FEATURES: usize = 16;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Seed of the hyperplanes.
pub const SEED: u64 = 0x676c_6e5f_7061_7269;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Seed of the input stream ([`Stream`]).
pub const STREAM_SEED: u64 = 0x5345_4e53_4f52_5331;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// The configuration: a small weight box (so that it binds), a hyperbolic learning rate with
/// a floor, and hidden fan-in scaling (the second layer's 9 inputs get 3/9 of the step, the
/// output neuron's 5 inputs 3/5).
pub const CONFIG: Config = Config::DEFAULT
    .with_beta(0.7)
    .with_learning_rate(LearningRate {
        schedule: Schedule::Hyperbolic {
            a: 0.5,
            b: 0.02,
            max: 0.3,
        },
        floor: 0.02,
        scale: StepScale::HiddenFanIn { reference: 3.0 },
    });

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// The offset of the [`Standardizer`] (readings have standard deviations from 1 to 16).
pub const STANDARDIZER_OFFSET: f32 = 0.1;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Learning steps. Small enough for a boot check on a soft-float Cortex-M0.
pub const STEPS: u32 = 256;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// A `predict` follows every 4th learning step.
pub const PREDICT_EVERY: u32 = 4;

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// Every 31st step gives base probabilities of exactly 0 and 1.
pub const EXTREME_EVERY: u32 = 31;

/// The reference: [`Report::fingerprint`] of this scenario on every target.
///
/// Changing the scenario, any arithmetic on the learning path, or the saved byte layout
/// ([`crate::persist`]) changes it; then update it
/// here and rerun `boards/run-emulated.sh --bless` for the boards' expected outputs.
pub const EXPECTED: u64 = 0x9ef7_1dbe_efcd_53fa;

/// A fresh model for this scenario, built at compile time in a `const` or `static`.
pub const fn model() -> Model {
    Model::new(SEED, CONFIG)
}

/// Runs the scenario on `model`, which must be fresh from [`model()`] (it is left trained).
///
/// # Errors
/// [`NotFresh`] if `model` has learned already, or has another seed or configuration;
/// nothing changes then.
pub fn run(model: &mut Model) -> Result<Report, NotFresh> {
    if model.steps() != 0 || model.seed() != SEED || *model.config() != CONFIG {
        return Err(NotFresh);
    }
    let mut scale = Standardizer::<FEATURES>::new(STANDARDIZER_OFFSET);
    let mut stream = Stream::<FEATURES>::new(STREAM_SEED);
    let mut predictions = Fnv1a::new();
    let mut correct = 0u32;
    for t in 1..=STEPS {
        let sample = stream.next_sample();
        let Ok(z) = scale.update_transform(&sample.raw) else {
            predictions.write_u64(u64::MAX); // cannot happen; and it would not match
            continue;
        };
        let p = base_probabilities(&z, t, EXTREME_EVERY);
        let Ok(x) = Input::new(&z, &p) else {
            predictions.write_u64(u64::MAX);
            continue;
        };
        let before = model.learn(&x, sample.label);
        predictions.write_f32(before);
        correct = correct.saturating_add(u32::from((before > 0.5) == sample.label));
        if t.is_multiple_of(PREDICT_EVERY) {
            predictions.write_f32(model.predict(&x));
        }
    }
    let model_hash = model.fingerprint();
    let saved = saved_hash(model, &scale);
    let mut all = predictions;
    all.write_u64(model_hash);
    all.write_u64(saved);
    Ok(Report {
        scenario: "bernoulli",
        steps: u32::try_from(model.steps()).unwrap_or(u32::MAX),
        correct,
        predictions: predictions.finish(),
        model: model_hash,
        saved,
        fingerprint: all.finish(),
        expected: EXPECTED,
    })
}

#[doc(hidden)] // a fixture of the scenario, public for the board crates
/// FNV-1a of the bytes [`Persist::save`] writes for `(model, scale)` (the two records back
/// to back), hashed as they stream out of [`Persist::save_to`]: the same bytes on every
/// target is part of parity, and no buffer of [`Persist::SAVED_BYTES`] is needed.
pub fn saved_hash(model: &Model, scale: &Standardizer<FEATURES>) -> u64 {
    let mut sink = HashSink::new();
    // The sink cannot fail (its error type is `Infallible`).
    let Ok(()) = model.save_to(&mut sink);
    let Ok(()) = scale.save_to(&mut sink);
    sink.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::abs;

    #[test]
    fn the_scenario_exercises_what_it_claims() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        assert_eq!(r.steps, STEPS);
        // It learns: clearly better than chance on a noisy linear rule.
        assert!(r.correct > STEPS * 6 / 10, "{r}");
        // The weight box binds: some weights sit exactly on it.
        let mut on_box = 0;
        m.for_each_weight(|w| on_box += usize::from(abs(w) == CONFIG.beta));
        assert!(on_box > 0, "no weight reached the box");
        // Saturated outputs occur (probability clamped to exactly eps or 1 - eps).
        let mut again = model();
        let mut scale = Standardizer::<FEATURES>::new(STANDARDIZER_OFFSET);
        let mut saturated = 0;
        for (t, s) in (1..=STEPS).zip(Stream::<FEATURES>::new(STREAM_SEED)) {
            let z = scale.update_transform(&s.raw).unwrap();
            let p = base_probabilities(&z, t, EXTREME_EVERY);
            let x = Input::new(&z, &p).unwrap();
            let before = again.learn(&x, s.label);
            saturated += usize::from(before == CONFIG.eps || before == 1.0 - CONFIG.eps);
        }
        assert!(saturated > 0, "no saturated output");
        assert_eq!(again.fingerprint(), r.model);
    }

    #[test]
    fn the_saved_hash_is_the_hash_of_the_saved_bytes() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        // Rebuild the standardiser the scenario ended with.
        let mut scale = Standardizer::<FEATURES>::new(STANDARDIZER_OFFSET);
        for s in Stream::<FEATURES>::new(STREAM_SEED).take(STEPS as usize) {
            scale.update_transform(&s.raw).unwrap();
        }
        let mut buf = std::vec![0u8; <(Model, Standardizer<FEATURES>)>::SAVED_BYTES];
        let n = (m.clone(), scale).save(&mut buf).unwrap();
        assert_eq!(n, buf.len());
        let mut h = Fnv1a::new();
        h.write(&buf);
        assert_eq!(r.saved, h.finish());
        assert_eq!(saved_hash(&m, &scale), r.saved);
        // And the bytes load back into the same model.
        let mut back = (
            Model::new(0, Config::DEFAULT),
            Standardizer::<FEATURES>::new(1.0),
        );
        back.load(&buf).unwrap();
        assert_eq!(back.0.fingerprint(), r.model);
    }

    #[test]
    fn a_used_or_foreign_model_is_refused_unchanged() {
        let mut m = model();
        run(&mut m).unwrap();
        let before = m.fingerprint();
        assert_eq!(run(&mut m), Err(NotFresh));
        assert_eq!(m.fingerprint(), before);
        let mut other = Model::new(SEED + 1, CONFIG);
        assert_eq!(run(&mut other), Err(NotFresh));
        let mut other = Model::new(SEED, Config::DEFAULT);
        assert_eq!(run(&mut other), Err(NotFresh));
        assert_eq!(other.steps(), 0);
    }

    #[test]
    fn the_model_fits_the_smallest_board() {
        // The micro:bit emulated board has 16 KiB of RAM; leave most of it to the program.
        assert!(core::mem::size_of::<Model>() <= 6 * 1024);
    }
}
