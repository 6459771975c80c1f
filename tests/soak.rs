//! Soak: millions of learning steps on adversarial streams (constant input, alternating
//! labels, extreme magnitudes, sudden drift, pure noise), then proof that the model still
//! learns: its accuracy on a simple stationary task recovers to that of a fresh model.
//!
//! The same for the streaming anomaly detector: millions of readings on adversarial streams
//! (constant, alternating, extreme magnitudes up to `±MAX_READING`, sudden drift, bursts of
//! NaN, infinite and out-of-range readings with dropped samples and a frozen stretch, noise
//! whose scale jumps by 10^3), every verdict finite and the whole state valid throughout
//! (checked by the loader's own checks every 10 000 readings), then proof that it still
//! works: after clean readings its false alarms are those of a fresh detector and a clear
//! fault is flagged at once.
//!
//! ```text
//! cargo test --release --test soak -- --ignored --nocapture     # 10 million steps per model
//! GLN_SOAK_STEPS=50000000 cargo test --release --test soak -- --ignored --nocapture
//! ```
//! `cargo test` runs the short versions (`soak_short`, 60 000 steps per model;
//! `detector_soak_short`, 60 000 and 30 000 adversarial readings, then the recovery).

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
    // curve (2026-11-27, this test with more steps): 90.2% vs 93.3% at 40k steps, 95.3% vs 95.8% at 120k.
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

// ---------------------------------------------------------------------------------------
// The streaming anomaly detector

use gln::detector::{Detector, DetectorConfig, MAX_READING, SensorModel, SmallSensorModel};
use gln::gaussian::GaussianNetwork;

/// The detector's adversarial phases, cycled.
#[derive(Clone, Copy, Debug)]
enum DetPhase {
    /// Every channel exactly constant.
    Constant,
    /// Each channel alternating between two values every reading.
    Alternating,
    /// Magnitudes from subnormal to `MAX_READING`, signs and zeros mixed.
    Extreme,
    /// Level jumps of 1000 every 5 000 readings, ramps in between.
    Drift,
    /// Bursts of NaN, infinite and out-of-range readings, dropped samples (runs longer
    /// than the window), a frozen stretch.
    NanBursts,
    /// Noise whose scale changes by 10^3 every 20 000 readings.
    NoiseScales,
}

const DET_PHASES: [DetPhase; 6] = [
    DetPhase::Constant,
    DetPhase::Alternating,
    DetPhase::Extreme,
    DetPhase::Drift,
    DetPhase::NanBursts,
    DetPhase::NoiseScales,
];

const DET_EXTREME: [f32; 12] = [
    MAX_READING,
    -MAX_READING,
    9.99e14,
    -3e14,
    1e10,
    f32::from_bits(1),
    -f32::MIN_POSITIVE,
    0.0,
    -0.0,
    1e-30,
    65504.0,
    -7.5,
];

#[derive(Default, Debug)]
struct DetTally {
    readings: u64,
    rejected: u64,
    missing: u64,
    flagged: u64,
}

/// Every verdict value finite.
fn check_verdict<const CH: usize>(v: &gln::detector::Verdict<CH>) {
    for s in [v.score, v.instant, v.nll, v.instant_threshold]
        .into_iter()
        .chain(v.contributions)
    {
        assert!(s.is_finite(), "{v:?}");
    }
    for g in &v.expected {
        assert!(
            g.mean.is_finite() && g.variance.is_finite() && g.variance >= 0.0,
            "{v:?}"
        );
    }
}

/// The whole state valid: it saves, and the load's checks (every value finite, within its
/// bounds, every counter consistent) accept it; every model weight in its box.
fn check_detector<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    d: &Detector<CH, W, D, B, M>,
) where
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    let mut b = vec![0u8; <Detector<CH, W, D, B, M>>::SAVED_BYTES];
    d.save(&mut b).unwrap();
    <Detector<CH, W, D, B, M>>::check(&b).unwrap();
    for c in 0..CH {
        let m = d.model(c).unwrap();
        let beta = m.config().beta;
        m.for_each_weight(&mut |w| assert!(w.is_finite() && w.abs() <= beta, "weight {w}"));
    }
}

/// Runs `steps` adversarial readings through `d`, checking every verdict and, every
/// 10 000 readings, the whole state.
fn det_adversarial<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    d: &mut Detector<CH, W, D, B, M>,
    phases: &[DetPhase],
    steps: u64,
    phase_len: u64,
    seed: u64,
) -> DetTally
where
    M: GaussianNetwork<D, B, 1>,
    Detector<CH, W, D, B, M>: Persist,
{
    let mut r = SplitMix64::new(seed);
    let mut tally = DetTally::default();
    let constant: [f32; CH] = core::array::from_fn(|c| 20.0 + 7.0 * c as f32);
    let mut level = [0.0f32; CH];
    for t in 0..steps {
        let phase = phases[((t / phase_len) % phases.len() as u64) as usize];
        let mut x = [0.0f32; CH];
        match phase {
            DetPhase::Constant => x = constant,
            DetPhase::Alternating => {
                for (c, v) in x.iter_mut().enumerate() {
                    *v = constant[c]
                        + if (t + c as u64).is_multiple_of(2) {
                            5.0
                        } else {
                            -5.0
                        };
                }
            }
            DetPhase::Extreme => {
                for v in x.iter_mut() {
                    *v = DET_EXTREME[(r.next_u64() % DET_EXTREME.len() as u64) as usize];
                }
            }
            DetPhase::Drift => {
                if t % 5_000 == 0 {
                    for l in level.iter_mut() {
                        *l += if r.next_u64().is_multiple_of(2) {
                            1000.0
                        } else {
                            -1000.0
                        };
                    }
                }
                for (c, v) in x.iter_mut().enumerate() {
                    *v = level[c] + 0.01 * (t % 5_000) as f32 + r.next_normal();
                }
            }
            DetPhase::NanBursts => {
                let k = t % 1_000;
                if k == 500 {
                    d.freeze(true);
                } else if k == 700 {
                    d.freeze(false);
                }
                if (100..120).contains(&k) || k % 37 == 0 {
                    d.missing();
                    tally.missing += 1;
                    continue;
                }
                for v in x.iter_mut() {
                    *v = 5.0 + r.next_normal();
                }
                if (300..340).contains(&k) || k % 11 == 0 {
                    let c = (r.next_u64() % CH as u64) as usize;
                    x[c] = [f32::NAN, f32::INFINITY, -f32::INFINITY, 2e15, -f32::MAX]
                        [(r.next_u64() % 5) as usize];
                }
            }
            DetPhase::NoiseScales => {
                let scale = [1e-3f32, 1.0, 1e3, 1e6][((t / 20_000) % 4) as usize];
                for v in x.iter_mut() {
                    *v = scale * r.next_normal();
                }
            }
        }
        match d.update(&x) {
            Ok(v) => {
                check_verdict(&v);
                tally.readings += 1;
                tally.flagged += u64::from(v.anomaly);
            }
            Err(_) => {
                assert!(x.iter().any(|v| v.is_nan() || v.abs() > MAX_READING));
                tally.rejected += 1;
            }
        }
        if (t + 1) % 10_000 == 0 {
            check_detector(d);
        }
    }
    d.freeze(false);
    check_detector(d);
    tally
}

/// A clean two-rhythm signal for channel `c`: a cycle of 500 readings and noise.
fn clean<const CH: usize>(t: u64, r: &mut SplitMix64) -> [f32; CH] {
    let phase = (t % 500) as f32 * (core::f32::consts::TAU / 500.0);
    core::array::from_fn(|c| 30.0 + 10.0 * c as f32 + 3.0 * phase.sin() + 0.2 * r.next_normal())
}

/// Learns `learn` clean readings, then counts flags over 10 000 more clean readings (the
/// false-alarm rate), then shifts channel 0 by +3 (15 noise standard deviations) for 300
/// readings: the delay to the first flag, if any.
fn det_recovery<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    d: &mut Detector<CH, W, D, B, M>,
    learn: u64,
) -> (f64, Option<u64>)
where
    M: GaussianNetwork<D, B, 1>,
{
    let mut r = SplitMix64::new(0xC1EA);
    for t in 0..learn {
        d.update(&clean(t, &mut r)).unwrap();
    }
    let mut flags = 0u32;
    for t in learn..learn + 10_000 {
        flags += u32::from(d.update(&clean(t, &mut r)).unwrap().anomaly);
    }
    let start = learn + 10_000;
    let mut delay = None;
    for t in start..start + 300 {
        let mut x = clean::<CH>(t, &mut r);
        x[0] += 3.0;
        if d.update(&x).unwrap().anomaly && delay.is_none() {
            delay = Some(t - start);
        }
    }
    (f64::from(flags) / 10_000.0, delay)
}

/// Clean readings learned before the recovery is judged: the standardisation forgets with a
/// horizon of 10 000 readings (`stats_horizon`), and after readings near `±1e15` its variance
/// is about 1e29, which takes about 70 horizons to forget down to the clean signal's 0.04.
const RECOVERY: u64 = 1_000_000;

/// Soaks one detector type: adversarial readings (ending with the worst, the extreme
/// magnitudes), then proof that it still works: after `RECOVERY` clean readings its false
/// alarms are within one point of a fresh detector's and a clear fault is flagged at once.
fn det_soak<const CH: usize, const W: usize, const D: usize, const B: usize, M>(
    name: &str,
    make: impl Fn() -> Detector<CH, W, D, B, M>,
    steps: u64,
    curve: bool,
) -> u64
where
    M: GaussianNetwork<D, B, 1> + Clone,
    Detector<CH, W, D, B, M>: Persist,
{
    let start = Instant::now();
    let mut d = make();
    let mut tally = det_adversarial(
        &mut d,
        &DET_PHASES,
        steps,
        (steps / 12).clamp(1, 200_000),
        11,
    );
    let tail = det_adversarial(&mut d, &[DetPhase::Extreme], 10_000, 10_000, 12);
    tally.readings += tail.readings;
    tally.flagged += tail.flagged;
    let seconds = start.elapsed().as_secs_f64();
    // It still saves and loads, and continues bit for bit.
    let mut b = vec![0u8; <Detector<CH, W, D, B, M>>::SAVED_BYTES];
    d.save(&mut b).unwrap();
    let mut back = make();
    back.load(&b).unwrap();
    assert_eq!(back.fingerprint(), d.fingerprint());
    let (fa_fresh, delay_fresh) = det_recovery(&mut make(), 20_000);
    println!(
        "{name}: {} readings ({} rejected, {} dropped, {} flagged) in {seconds:.2} s; a fresh \
         detector after 20000 clean readings: false alarms {:.2}%, shift flagged after \
         {delay_fresh:?}",
        tally.readings,
        tally.rejected,
        tally.missing,
        tally.flagged,
        100.0 * fa_fresh
    );
    if curve {
        for learn in [0u64, 100_000, 300_000, 500_000, 700_000] {
            let (fa, delay) = det_recovery(&mut d.clone(), learn);
            println!(
                "  after {learn} clean readings: false alarms {:.2}%, shift flagged after {delay:?}",
                100.0 * fa
            );
        }
    }
    let (fa, delay) = det_recovery(&mut d, RECOVERY);
    println!(
        "  after {RECOVERY} clean readings: false alarms {:.2}%, shift flagged after {delay:?}",
        100.0 * fa
    );
    check_detector(&d);
    assert!(
        delay.is_some_and(|t| t <= 10) && fa <= fa_fresh + 0.01,
        "{name}: did not recover: false alarms {fa} (fresh {fa_fresh}), delay {delay:?}"
    );
    tally.readings + tally.rejected + tally.missing
}

fn det_soak_all(steps: u64, curve: bool) -> u64 {
    let mut total = 0;
    total += det_soak(
        "Detector<2, 8, 8, 8, SmallSensorModel>, default configuration",
        || Detector::<2, 8, 8, 8, SmallSensorModel>::with_seed(5, DetectorConfig::DEFAULT),
        steps,
        curve,
    );
    total += det_soak(
        "Detector<1, 16, 16, 16, SensorModel>, default configuration",
        || Detector::<1, 16, 16, 16, SensorModel>::with_seed(6, DetectorConfig::DEFAULT),
        steps / 2,
        curve,
    );
    total
}

#[test]
fn detector_soak_short() {
    det_soak_all(60_000, false);
}

#[test]
#[ignore = "long: run with --release --ignored"]
fn detector_soak_long() {
    let steps = std::env::var("GLN_SOAK_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000_000);
    let start = Instant::now();
    let total = det_soak_all(steps, true);
    println!(
        "detector total: {total} adversarial readings in {:.1} s (recovery included)",
        start.elapsed().as_secs_f64()
    );
    assert!(total >= steps * 3 / 2);
}
