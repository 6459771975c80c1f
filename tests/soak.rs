//! Soak: millions of learning steps on adversarial streams (constant input, alternating
//! labels, extreme magnitudes, sudden drift, pure noise), then proof that the model still
//! learns: its accuracy on a simple stationary task recovers to that of a fresh model.
//!
//! ```text
//! cargo test --release --test soak -- --ignored --nocapture     # 10 million steps per model
//! GLN_SOAK_STEPS=50000000 cargo test --release --test soak -- --ignored --nocapture
//! ```
//! `cargo test` runs the short version (`soak_short`, 60 000 steps per model).

mod common;

use common::{check_probs, check_weights};
use gln::rng::SplitMix64;
use gln::{
    Config, Gln1, Gln2, Gln3, Input, LearningRate, Network, Persist, Schedule, Standardizer,
    StepScale, WeightInit,
};
use std::time::Instant;

/// The adversarial phases, cycled; each lasts `PHASE` steps.
#[derive(Clone, Copy, Debug)]
enum Phase {
    /// The same input every step, the same label.
    Constant,
    /// The same input every step, labels alternating.
    Alternating,
    /// Magnitudes from subnormal to `f32::MAX`, and base probabilities of exactly 0 and 1.
    Extreme,
    /// A linear rule whose sign flips every 5 000 steps, on inputs whose mean jumps.
    Drift,
    /// Random labels on random inputs.
    Noise,
    /// Raw values through a standardiser, with huge outliers mixed in.
    Standardised,
}

const PHASES: [Phase; 6] = [
    Phase::Constant,
    Phase::Alternating,
    Phase::Extreme,
    Phase::Drift,
    Phase::Noise,
    Phase::Standardised,
];

const EXTREME: [f32; 12] = [
    f32::MAX,
    f32::MIN,
    3e38,
    -1e30,
    1e20,
    f32::from_bits(1),
    -f32::MIN_POSITIVE,
    0.0,
    -0.0,
    1e-30,
    65504.0,
    -7.5,
];

#[derive(Default, Debug)]
struct Tally {
    steps: u64,
    rejected: u64,
    on_box: usize,
}

/// Runs `steps` adversarial steps on `m` (of `N` classes), checking the probabilities on
/// every step and every weight every `check_every` steps.
fn adversarial<M: Network<D, D, N>, const D: usize, const N: usize>(
    m: &mut M,
    steps: u64,
    phase_len: u64,
    seed: u64,
) -> Tally {
    let eps = m.config().eps;
    let mut r = SplitMix64::new(seed);
    let mut tally = Tally::default();
    let mut scale = Standardizer::<D>::new(1e-3);
    let constant: [f32; D] = core::array::from_fn(|i| 0.3 * i as f32 - 0.5);
    let check_every = 10_000;
    for t in 0..steps {
        let phase = PHASES[((t / phase_len) % PHASES.len() as u64) as usize];
        let mut z = [0.0f32; D];
        let label;
        let mut base_inf = false;
        match phase {
            Phase::Constant => {
                z = constant;
                label = N - 1;
            }
            Phase::Alternating => {
                z = constant;
                label = (t % 2) as usize % N;
            }
            Phase::Extreme => {
                for v in z.iter_mut() {
                    *v = EXTREME[(r.next_u64() % EXTREME.len() as u64) as usize];
                }
                label = (r.next_u64() % N as u64) as usize;
                base_inf = t % 3 == 0;
            }
            Phase::Drift => {
                let shift = if (t / 5_000) % 2 == 0 { 0.0 } else { 3.0 };
                for v in z.iter_mut() {
                    *v = 4.0 * r.next_f32() - 2.0 + shift;
                }
                let s = z[0] - z[D - 1] > 0.0;
                let flip = (t / 5_000) % 2 == 1;
                label = usize::from(s != flip) % N;
            }
            Phase::Noise => {
                for v in z.iter_mut() {
                    *v = 6.0 * r.next_f32() - 3.0;
                }
                label = (r.next_u64() % N as u64) as usize;
            }
            Phase::Standardised => {
                let mut raw = [0.0f32; D];
                for v in raw.iter_mut() {
                    *v = 1000.0 + 50.0 * r.next_f32();
                    if r.next_u64().is_multiple_of(1000) {
                        *v = if t % 2 == 0 { 3e38 } else { -3e38 };
                    }
                }
                label = usize::from(raw[0] > 1025.0) % N;
                match scale.update_transform(&raw) {
                    Ok(s) => z = s,
                    Err(_) => {
                        tally.rejected += 1;
                        continue;
                    }
                }
            }
        }
        let p = if base_inf {
            let inf: [f32; D] = core::array::from_fn(|i| {
                if (t as usize + i).is_multiple_of(2) {
                    f32::INFINITY
                } else {
                    f32::NEG_INFINITY
                }
            });
            m.learn_class(&Input::from_logits(&z, &inf).unwrap(), label)
        } else {
            m.learn_class(&Input::from_side(&z).unwrap(), label)
        }
        .unwrap();
        check_probs(&p, eps);
        tally.steps += 1;
        if (t + 1) % check_every == 0 {
            check_weights(m);
        }
    }
    tally.on_box = check_weights(m);
    tally
}

/// Online accuracy on a stationary, linearly separable task: `steps` learning steps, scored
/// over the last quarter (each sample predicted before it is learned).
fn stationary_accuracy<M: Network<D, D, N>, const D: usize, const N: usize>(
    m: &mut M,
    steps: u64,
) -> f64 {
    let mut r = SplitMix64::new(0xACC);
    let mut correct = 0u64;
    let scored = steps / 4;
    for t in 0..steps {
        let z: [f32; D] = core::array::from_fn(|_| 4.0 * r.next_f32() - 2.0);
        let score = z[0] + 0.5 * z[1 % D];
        // N classes by thresholds on the score.
        let label = ((score + 3.0) / 6.0 * N as f32).clamp(0.0, N as f32 - 1.0) as usize;
        let p = m
            .learn_class(&Input::from_side(&z).unwrap(), label)
            .unwrap();
        if t >= steps - scored {
            correct += u64::from(gln::argmax(&p) == label);
        }
    }
    check_weights(m);
    correct as f64 / scored as f64
}

/// Soaks one model type: adversarial steps, then recovery against fresh models.
///
/// The fair baseline is a fresh model learning at the rate the soaked one has reached (a
/// decaying schedule is at its floor after millions of steps, and re-learns more slowly by
/// design); a fresh model on the full schedule is reported too.
fn soak<M, const D: usize, const N: usize>(
    name: &str,
    make: impl Fn(Config) -> M,
    config: Config,
    steps: u64,
    min_accuracy: f64,
) -> u64
where
    M: Network<D, D, N> + Persist + Clone,
{
    let start = Instant::now();
    let mut m = make(config);
    let tally = adversarial(&mut m, steps, (steps / 12).clamp(1, 200_000), 7);
    let seconds = start.elapsed().as_secs_f64();
    // It still saves and loads.
    let mut b = vec![0u8; M::SAVED_BYTES];
    m.save(&mut b).unwrap();
    let mut back = make(Config::DEFAULT);
    back.load(&b).unwrap();
    assert_eq!(back.fingerprint(), m.fingerprint());
    // And still learns. After millions of steps a decaying schedule is at its floor and the
    // model has saturated rows to unlearn: 120 000 steps (40 000 for the short soak). Measured
    // curve (notes/issue-5.md): 90.2% vs 93.3% at 40k steps, 95.3% vs 95.8% at 120k.
    let recovery_steps = if steps >= 1_000_000 { 120_000 } else { 40_000 };
    let lr = config.learning_rate;
    let reached = LearningRate {
        schedule: Schedule::Constant {
            eta: lr.at(m.steps().saturating_add(1)),
        },
        ..lr
    };
    let recovered = stationary_accuracy(&mut m, recovery_steps);
    let same_rate = stationary_accuracy(
        &mut make(config.with_learning_rate(reached)),
        recovery_steps,
    );
    let fresh = stationary_accuracy(&mut make(config), recovery_steps);
    println!(
        "{name}: {} steps ({} rejected by the standardiser) in {seconds:.2} s, {} weights on \
         the box; recovery accuracy {:.2}% (fresh model at the same rate {:.2}%, fresh model \
         on the full schedule {:.2}%)",
        tally.steps,
        tally.rejected,
        tally.on_box,
        100.0 * recovered,
        100.0 * same_rate,
        100.0 * fresh
    );
    assert!(
        recovered >= min_accuracy && recovered >= same_rate - 0.02,
        "{name}: did not recover: {recovered} vs fresh {same_rate}"
    );
    tally.steps
}

fn soak_all(steps: u64) -> u64 {
    let constant = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.05));
    let decaying = Config::DEFAULT.with_learning_rate(LearningRate {
        schedule: Schedule::InverseTime { c: 50.0, max: 0.1 },
        floor: 0.01,
        scale: StepScale::HiddenFanIn { reference: 16.0 },
    });
    let harsh = Config::DEFAULT
        .with_init(WeightInit::Zero)
        .with_beta(1.0)
        .with_eps(1e-4)
        .with_learning_rate(LearningRate::constant(0.5));
    let mut total = 0;
    total += soak::<_, 4, 1>(
        "Gln3<4,4,8,4,K=3> binary, constant rate",
        |c| Gln3::<4, 4, 8, 4, 3, 8>::new(1, c),
        constant,
        steps,
        0.9,
    );
    total += soak::<_, 6, 3>(
        "Gln2<6,6,8,K=3> 3 classes, decaying rate with a floor",
        |c| Gln2::<6, 6, 8, 3, 8, 3>::new(2, c),
        decaying,
        steps,
        0.8,
    );
    total += soak::<_, 3, 1>(
        "Gln1<3,3,K=2> binary, box 1, rate 0.5",
        |c| Gln1::<3, 3, 2, 4>::new(3, c),
        harsh,
        steps,
        0.85,
    );
    total
}

#[test]
fn soak_short() {
    soak_all(60_000);
}

#[test]
#[ignore = "long: run with --release --ignored (10 million steps per model)"]
fn soak_long() {
    let steps = std::env::var("GLN_SOAK_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let start = Instant::now();
    let total = soak_all(steps);
    println!(
        "total: {total} adversarial learning steps in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    assert!(total >= 3 * steps * 99 / 100);
}
