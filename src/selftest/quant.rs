//! Scenario `quant`: the integer GLN ([`crate::quant`]) learning a noisy linear rule from 16
//! integer readings, with integer arithmetic only (no `f32` on the learning path but the
//! learning-rate schedule).
//!
//! It touches the integer learning path end to end: Q10 side information (bursts saturate the
//! Q12 logits), base probabilities through the stretch table (exact 0 and the largest Q16
//! value on every 31st step), gating of three layers, the squash table, updates that hit the
//! weight box (`beta` is small on purpose), saturated neurons, a decaying learning rate with a
//! floor and fan-in scaling, `predict` between learning steps, and at the end the bytes the
//! model saves to ([`Persist`], kind 5), hashed as they stream out.

use super::{HashSink, NotFresh, Report};
use crate::hash::Fnv1a;
use crate::quant::{QGln3, QInput, fixed};
use crate::rng::SplitMix64;
use crate::{Config, LearningRate, Persist, Schedule, StepScale};

/// The scenario's shape: 16 readings, layers `[8, 4, 1]`, 2 halfspaces (4 contexts) per
/// neuron: 624 `i16` weights and 442 hyperplane values (`size_of::<Model>()` is about 2 KiB).
pub type Model = QGln3<16, 16, 8, 4, 2, 4>;

/// Number of readings per sample.
pub(crate) const FEATURES: usize = 16;

/// Seed of the hyperplanes.
#[doc(hidden)] // a fixture of the scenario, public for the board crates
pub const SEED: u64 = 0x676c_6e5f_7161_6e74;

/// Seed of the input stream.
pub(crate) const STREAM_SEED: u64 = 0x5145_4e53_4f52_5332;

/// The configuration: that of the [`bernoulli`](super::bernoulli) scenario (a small weight
/// box, a hyperbolic rate with a floor, hidden fan-in scaling).
#[doc(hidden)] // a fixture of the scenario, public for the board crates
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

/// Learning steps.
#[doc(hidden)] // a fixture of the scenario, public for the board crates
pub const STEPS: u32 = 512;

/// A `predict` follows every 4th learning step.
pub(crate) const PREDICT_EVERY: u32 = 4;

/// Every 7th step gives the base inputs as probabilities (through the stretch table).
pub(crate) const PROBABILITIES_EVERY: u32 = 7;

/// Every 31st step, the probabilities include exactly 0 and the largest Q16 value.
pub(crate) const EXTREME_EVERY: u32 = 31;

/// Every 29th sample is a burst (readings 16 times larger: saturated logits).
pub(crate) const BURST_EVERY: u32 = 29;

/// The reference: [`Report::fingerprint`] of this scenario on every target.
///
/// Changing the scenario, any arithmetic of the integer GLN or its saved layout changes it;
/// then update it here
/// and rerun `boards/run-emulated.sh --bless` for the boards' expected outputs.
pub const EXPECTED: u64 = 0x67d1_b12b_c354_2cbf;

/// A fresh model for this scenario, built at compile time in a `const` or `static`.
pub const fn model() -> Model {
    Model::new(SEED, CONFIG)
}

/// Sample `t` (from 1) of the integer stream: readings in Q10 of spreads from ±0.5 to ±4
/// (±16 times that in a burst) and the label `Σ_j ± z_j / 2^(j % 4) + noise > 0`.
fn sample(rng: &mut SplitMix64, t: u32) -> ([i16; FEATURES], bool) {
    let burst = t.is_multiple_of(BURST_EVERY);
    let mut z = [0i16; FEATURES];
    let mut score = 0i32;
    for (j, zj) in z.iter_mut().enumerate() {
        let u = i32::from((rng.next_u64() >> 48) as u16 as i16);
        let shift = 3u32.wrapping_add((j % 4) as u32);
        let v = if burst { u } else { u >> shift };
        *zj = v as i16;
        let w = v >> (j % 4);
        score = if j % 2 == 0 {
            score.wrapping_add(w)
        } else {
            score.wrapping_sub(w)
        };
    }
    let noise = i32::from((rng.next_u64() >> 48) as u16 as i16) >> 4;
    (z, score.wrapping_add(noise) > 0)
}

/// The sample's input: `z` as side information and base logits, or (every
/// [`PROBABILITIES_EVERY`]-th step) base probabilities `σ(z)` through the stretch table.
fn input(z: &[i16; FEATURES], t: u32) -> QInput<FEATURES, FEATURES> {
    if !t.is_multiple_of(PROBABILITIES_EVERY) {
        return QInput::from_side(z);
    }
    let mut p = z.map(|v| fixed::squash(i32::from(v) << 2).clamp(0, 65535) as u16);
    if t.is_multiple_of(EXTREME_EVERY) {
        p[0] = 0;
        p[FEATURES - 1] = u16::MAX;
    }
    QInput::new(z, &p)
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
    let mut rng = SplitMix64::new(STREAM_SEED);
    let mut predictions = Fnv1a::new();
    let mut correct = 0u32;
    for t in 1..=STEPS {
        let (z, label) = sample(&mut rng, t);
        let x = input(&z, t);
        let before = model.learn(&x, label);
        predictions.write_u64(u64::from(before));
        correct = correct.saturating_add(u32::from((before > 32768) == label));
        if t.is_multiple_of(PREDICT_EVERY) {
            predictions.write_u64(u64::from(model.predict(&x)));
        }
    }
    let model_hash = model.fingerprint();
    let mut sink = HashSink::new();
    // The sink cannot fail (its error type is `Infallible`).
    let Ok(()) = model.save_to(&mut sink);
    let saved = sink.finish();
    let mut all = predictions;
    all.write_u64(model_hash);
    all.write_u64(saved);
    Ok(Report {
        scenario: "quant",
        steps: u32::try_from(model.steps()).unwrap_or(u32::MAX),
        correct,
        predictions: predictions.finish(),
        model: model_hash,
        saved,
        fingerprint: all.finish(),
        expected: EXPECTED,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_exercises_what_it_claims() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        assert_eq!(r.steps, STEPS);
        assert!(r.correct > STEPS * 6 / 10, "{r}");
        let mut on_box = 0;
        m.for_each_weight(|w| on_box += usize::from(w.abs() == 2867.0 / 4096.0));
        assert!(on_box > 0, "no weight reached the box");
        // Saturated outputs occur: the probability is that of the clip bound.
        let mut again = model();
        let mut rng = SplitMix64::new(STREAM_SEED);
        let edge = fixed::squash(-crate::quant::QClip::of(&CONFIG).logit) as u16;
        let mut saturated = 0;
        for t in 1..=STEPS {
            let (z, label) = sample(&mut rng, t);
            let before = again.learn(&input(&z, t), label);
            saturated +=
                usize::from(before == edge || u32::from(before) == 65536 - u32::from(edge));
        }
        assert!(saturated > 0, "no saturated output");
        assert_eq!(again.fingerprint(), r.model);
    }

    #[test]
    fn the_saved_hash_is_the_hash_of_the_saved_bytes_and_they_load_back() {
        let mut m = model();
        let r = run(&mut m).unwrap();
        let mut buf = std::vec![0u8; Model::SAVED_BYTES];
        assert_eq!(m.save(&mut buf), Ok(buf.len()));
        let mut h = Fnv1a::new();
        h.write(&buf);
        assert_eq!(r.saved, h.finish());
        let mut back = Model::new(0, Config::DEFAULT);
        back.load(&buf).unwrap();
        assert_eq!(back.fingerprint(), r.model);
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
        assert_eq!(other.steps(), 0);
    }

    #[test]
    fn the_model_is_small() {
        assert!(core::mem::size_of::<Model>() <= 3 * 1024);
    }
}
