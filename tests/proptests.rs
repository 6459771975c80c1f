//! Property tests: for arbitrary seeds, valid configurations and input streams (ordinary,
//! hostile and invalid values mixed), over several shapes (shapes are compile-time, so each
//! is its own concrete type), for the Bernoulli GLNs, the standardiser, the Gaussian GLNs and
//! the anomaly detector:
//! - every prediction is in `[eps, 1 - eps]` (Bernoulli), or a Gaussian with its variance
//!   within `[sigma2_min, sigma2_max]` and its mean within `±mean_bound` (Gaussian);
//! - every verdict of the detector is finite, and its whole state passes the load checks
//!   (finite, within its bounds, reachable) after every call;
//! - every weight stays finite and within `[-beta, beta]`;
//! - `predict` never mutates the model;
//! - save-then-load is the identity (same fingerprint and bytes, same bits afterwards);
//! - a rejected input (bad value, bad label, bad bytes) changes nothing.
//!
//! Each property runs `PROPTEST_CASES` cases (proptest's default, 256, in `cargo test`; the
//! reliability CI step sets more), each a stream of up to 48 samples (64 readings for the detector).

mod common;

use common::{ODD_FINITE, bytes, check_probs, check_weights};
use gln::{
    Config, Error, Gln1, Gln2, Gln3, Gln4, Input, LearningRate, Network, Persist, Schedule,
    Standardizer, StepScale, WeightInit,
};
use proptest::prelude::*;

/// Floats as a stream would hold them: mostly ordinary, sometimes hostile (NaN, infinities,
/// subnormals, huge), sometimes arbitrary bits.
fn feature() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -5.0f32..5.0,
        1 => prop::sample::select(ODD_FINITE.to_vec()),
        1 => any::<u32>().prop_map(f32::from_bits),
    ]
}

fn schedule() -> impl Strategy<Value = Schedule> {
    prop_oneof![
        (0.0f32..2.0).prop_map(|eta| Schedule::Constant { eta }),
        (0.0f32..100.0, 0.0f32..1.0).prop_map(|(c, max)| Schedule::InverseTime { c, max }),
        (0.0f32..10.0, 0.0f32..1.0, 0.0f32..1.0).prop_map(|(a, b, max)| Schedule::Hyperbolic {
            a,
            b,
            max
        }),
        // Rare huge rates.
        (1e10f32..f32::MAX).prop_map(|eta| Schedule::Constant { eta }),
    ]
}

/// Valid configurations, edges included.
fn config() -> impl Strategy<Value = Config> {
    (
        prop_oneof![3e-8f32..1e-4, 1e-4f32..0.49],
        prop_oneof![0.5f32..20.0, 20.0f32..Config::MAX_BETA, 1e-6f32..0.5],
        schedule(),
        prop_oneof![Just(0.0f32), 0.0f32..0.1],
        prop_oneof![Just(f32::INFINITY), 0.5f32..200.0],
        any::<bool>(),
        prop_oneof![0.0f32..1.0, 1.0f32..1e6],
    )
        .prop_map(
            |(eps, beta, schedule, floor, fan_in_ref, zero, offset_std)| {
                Config::DEFAULT
                    .with_eps(eps)
                    .with_beta(beta)
                    .with_learning_rate(LearningRate {
                        schedule,
                        floor,
                        scale: if fan_in_ref == f32::INFINITY {
                            StepScale::None
                        } else {
                            StepScale::HiddenFanIn {
                                reference: fan_in_ref,
                            }
                        },
                    })
                    // A box under 1/2 needs zero initial weights.
                    .with_init(if zero || beta < 0.5 {
                        WeightInit::Zero
                    } else {
                        WeightInit::Average
                    })
                    .with_offset_std(offset_std)
            },
        )
        .prop_filter("a valid configuration", |c| c.check().is_ok())
}

/// A stream step: side information, a label (sometimes out of range) and which call to make.
type Step = (Vec<f32>, usize, u8);

fn stream(d: usize, n: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (prop::collection::vec(feature(), d), 0..n + 2, any::<u8>()),
        1..48,
    )
}

/// Runs a stream through a model of type `M`, checking every property at every step.
fn check_stream<M, const D: usize, const N: usize>(
    make: fn(u64, Config) -> M,
    seed: u64,
    config: Config,
    steps: &[Step],
) -> Result<(), TestCaseError>
where
    M: Network<D, D, N> + Persist + Clone + PartialEq + core::fmt::Debug,
{
    let mut m = make(seed, config);
    check_probs_ok::<D, N, M>(&m, &[0.0; D], config.eps)?;
    for (z, label, op) in steps {
        let z: [f32; D] = z.as_slice().try_into().unwrap();
        let x = match Input::from_side(&z) {
            Ok(x) => x,
            Err(e) => {
                // Rejected before it reaches the model: only non-finite values are.
                prop_assert!(
                    matches!(e, Error::NonFinite { .. }),
                    "rejected with {:?}",
                    e
                );
                prop_assert!(z.iter().any(|v| !v.is_finite()));
                continue;
            }
        };
        prop_assert!(z.iter().all(|v| v.is_finite()));
        let (before, fp) = (m.clone(), m.fingerprint());
        let p = m.predict_all(&x);
        let _ = m.predict_class(&x);
        prop_assert_eq!(&m, &before, "predict mutated the model");
        prop_assert_eq!(m.fingerprint(), fp);
        check_probs(&p, config.eps);
        if *label < N {
            let q = if op % 3 == 0 {
                let t: [bool; N] = core::array::from_fn(|i| (op >> (i % 8)) & 1 == 1);
                m.learn_targets(&x, &t)
            } else {
                m.learn_class(&x, *label).unwrap()
            };
            // Learning returns what predict said before the update.
            prop_assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
            prop_assert_eq!(m.steps(), before.steps() + 1);
        } else {
            let b = bytes(&m);
            prop_assert_eq!(
                m.learn_class(&x, *label),
                Err(Error::LabelOutOfRange {
                    label: *label,
                    classes: N
                })
            );
            prop_assert_eq!(&m, &before);
            prop_assert_eq!(bytes(&m), b);
        }
        check_weights(&m);
    }

    // Save, then load into a model of another seed and configuration: the identity.
    let saved = bytes(&m);
    let mut other = make(seed ^ 0xFFFF, Config::DEFAULT);
    other.load(&saved).unwrap();
    prop_assert_eq!(other.fingerprint(), m.fingerprint());
    prop_assert_eq!(other.config(), m.config());
    prop_assert_eq!(bytes(&other), saved.clone());
    let z: [f32; D] = core::array::from_fn(|i| i as f32 * 0.37 - 1.0);
    let x = Input::from_side(&z).unwrap();
    for label in 0..N {
        let a = m.learn_class(&x, label).unwrap();
        let b = other.learn_class(&x, label).unwrap();
        prop_assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
    }
    prop_assert_eq!(other.fingerprint(), m.fingerprint());

    // A corrupted byte: rejected, target unchanged.
    let at = (seed as usize) % saved.len();
    let mut bad = saved.clone();
    bad[at] ^= 1 << ((seed >> 32) % 8);
    let (before, b) = (other.clone(), bytes(&other));
    prop_assert!(other.load(&bad).is_err());
    prop_assert_eq!(&other, &before);
    prop_assert_eq!(bytes(&other), b);
    Ok(())
}

fn check_probs_ok<const D: usize, const N: usize, M: Network<D, D, N>>(
    m: &M,
    z: &[f32; D],
    eps: f32,
) -> Result<(), TestCaseError> {
    check_probs(&m.predict_all(&Input::from_side(z).unwrap()), eps);
    Ok(())
}

proptest! {
    #[test]
    fn gln1_binary(seed: u64, config in config(), steps in stream(2, 1)) {
        check_stream::<_, 2, 1>(Gln1::<2, 2, 1, 2>::new, seed, config, &steps)?;
    }

    #[test]
    fn gln1_four_heads(seed: u64, config in config(), steps in stream(3, 4)) {
        check_stream::<_, 3, 4>(Gln1::<3, 3, 3, 8, 4>::new, seed, config, &steps)?;
    }

    #[test]
    fn gln2_binary(seed: u64, config in config(), steps in stream(4, 1)) {
        check_stream::<_, 4, 1>(Gln2::<4, 4, 5, 2, 4>::new, seed, config, &steps)?;
    }

    #[test]
    fn gln3_three_heads(seed: u64, config in config(), steps in stream(5, 3)) {
        check_stream::<_, 5, 3>(Gln3::<5, 5, 8, 4, 3, 8, 3>::new, seed, config, &steps)?;
    }

    #[test]
    fn gln3_wide_inputs(seed: u64, config in config(), steps in stream(17, 1)) {
        // 17 inputs: the 16-lane dot product path with a remainder.
        check_stream::<_, 17, 1>(Gln3::<17, 17, 4, 3, 2, 4>::new, seed, config, &steps)?;
    }

    #[test]
    fn gln4_two_heads(seed: u64, config in config(), steps in stream(3, 2)) {
        check_stream::<_, 3, 2>(Gln4::<3, 3, 4, 3, 2, 2, 4, 2>::new, seed, config, &steps)?;
    }

    #[test]
    fn standardizer_stream(
        offset in prop_oneof![Just(0.0f32), 0.0f32..10.0, 1e30f32..f32::MAX],
        xs in prop::collection::vec(prop::collection::vec(feature(), 3), 1..64),
    ) {
        let mut s = Standardizer::<3>::new(offset);
        for x in &xs {
            let x: [f32; 3] = x.as_slice().try_into().unwrap();
            let before = s;
            match s.update_transform(&x) {
                Ok(z) => {
                    prop_assert!(z.iter().all(|v| v.is_finite()));
                    // One more observation, or statistics started afresh (from this value,
                    // or from the recent block: see `Standardizer`'s "No reading wrecks it").
                    prop_assert!(s.count() == before.count() + 1 || s.count() <= before.count());
                }
                Err(Error::NonFinite { index }) => {
                    prop_assert!(!x[index].is_finite());
                    prop_assert_eq!(s, before);
                }
                Err(Error::Overflow { .. }) => prop_assert_eq!(s, before),
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
            prop_assert!(s.mean().iter().all(|m| m.is_finite()));
            let saved = bytes(&s);
            let back = Standardizer::<3>::from_bytes(&saved).unwrap();
            prop_assert_eq!(back, s);
            prop_assert_eq!(bytes(&back), saved);
        }
    }

    #[test]
    fn arbitrary_bytes_never_load_into_a_model(
        raw in prop::collection::vec(any::<u8>(), 0..600),
        keep_header in any::<bool>(),
    ) {
        type M = Gln2<4, 4, 5, 2, 4>;
        let mut m = M::new(1, Config::DEFAULT);
        let mut raw = raw;
        if keep_header && raw.len() >= 64 {
            // A real header, so the checks past the magic, version and shape run.
            let good = bytes(&m);
            raw[..64].copy_from_slice(&good[..64]);
        }
        let (before, b) = (m.clone(), bytes(&m));
        if m.load(&raw).is_ok() {
            // Only possible if the random tail has the right CRC; then it must be valid.
            check_weights(&m);
        } else {
            prop_assert_eq!(&m, &before);
            prop_assert_eq!(bytes(&m), b);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Gaussian GLN and detector

use gln::detector::{Detector, DetectorConfig, MAX_READING};
use gln::gaussian::{
    Gaussian, GaussianConfig, GaussianGln1, GaussianGln2, GaussianGln3, GaussianInput,
    GaussianNetwork,
};

/// Valid Gaussian configurations, edges included.
fn gaussian_config() -> impl Strategy<Value = GaussianConfig> {
    (
        prop_oneof![1e-6f32..1e-3, 1e-3f32..1.0, 1.0f32..1e3],
        prop_oneof![1.0001f32..10.0, 10.0f32..1e6],
        prop_oneof![0.25f32..2.0, 2.0f32..1e6],
        prop_oneof![1e-3f32..10.0, 10.0f32..1e6],
        schedule(),
        prop_oneof![Just(0.0f32), 0.0f32..0.1],
        prop_oneof![Just(f32::INFINITY), 0.5f32..200.0],
        any::<bool>(),
        prop_oneof![0.0f32..1.0, 1.0f32..1e6],
    )
        .prop_map(
            |(vmin, ratio, beta, mean_bound, schedule, floor, fan_in_ref, normalized, off)| {
                GaussianConfig::DEFAULT
                    .with_variance_bounds(vmin, (vmin * ratio).min(1e6))
                    .with_beta(beta)
                    .with_mean_bound(mean_bound)
                    .with_learning_rate(LearningRate {
                        schedule,
                        floor,
                        scale: if fan_in_ref == f32::INFINITY {
                            StepScale::None
                        } else {
                            StepScale::HiddenFanIn {
                                reference: fan_in_ref,
                            }
                        },
                    })
                    .with_normalized(normalized)
                    .with_offset_std(off)
            },
        )
        .prop_filter("a valid configuration", |c| c.check().is_ok())
}

/// Variances as a stream would hold them: mostly ordinary, sometimes 0, subnormal, huge,
/// infinite, negative or NaN.
fn variance() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => 0.0f32..4.0,
        1 => prop::sample::select(vec![0.0f32, -0.0, f32::from_bits(1), 1e30, f32::MAX, f32::INFINITY, -1.0, f32::NAN]),
        1 => any::<u32>().prop_map(f32::from_bits),
    ]
}

/// A Gaussian stream step: side information, base means, base variances, a target, an op.
type GStep = (Vec<f32>, Vec<f32>, Vec<f32>, f32, u8);

fn gaussian_stream(d: usize, b: usize) -> impl Strategy<Value = Vec<GStep>> {
    prop::collection::vec(
        (
            prop::collection::vec(feature(), d),
            prop::collection::vec(feature(), b),
            prop::collection::vec(variance(), b),
            feature(),
            any::<u8>(),
        ),
        1..48,
    )
}

fn check_gaussians(p: &[Gaussian], c: &GaussianConfig) -> Result<(), TestCaseError> {
    for g in p {
        prop_assert!(
            g.variance >= c.sigma2_min && g.variance <= c.sigma2_max,
            "variance {} outside [{}, {}]",
            g.variance,
            c.sigma2_min,
            c.sigma2_max
        );
        prop_assert!(g.mean.abs() <= c.mean_bound, "mean {}", g.mean);
    }
    Ok(())
}

fn gbits(p: &[Gaussian]) -> Vec<(u32, u32)> {
    p.iter()
        .map(|g| (g.mean.to_bits(), g.variance.to_bits()))
        .collect()
}

/// Runs a stream through a Gaussian GLN of type `M`, checking every property at every step.
fn check_gaussian_stream<M, const D: usize, const B: usize, const N: usize>(
    make: fn(u64, GaussianConfig) -> M,
    seed: u64,
    config: GaussianConfig,
    steps: &[GStep],
) -> Result<(), TestCaseError>
where
    M: GaussianNetwork<D, B, N> + Persist + Clone + PartialEq + core::fmt::Debug,
{
    let mut m = make(seed, config);
    for (z, mu, var, y, op) in steps {
        let z: [f32; D] = z.as_slice().try_into().unwrap();
        let mu: [f32; B] = mu.as_slice().try_into().unwrap();
        let var: [f32; B] = var.as_slice().try_into().unwrap();
        let x = match GaussianInput::with_variances(&z, &mu, &var) {
            Ok(x) => x,
            Err(Error::NonFinite { .. }) => {
                prop_assert!(z.iter().chain(&mu).any(|v| !v.is_finite()));
                continue;
            }
            Err(Error::NotAVariance { index }) => {
                prop_assert!(var[index].is_nan() || var[index] < 0.0);
                continue;
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e:?}"))),
        };
        prop_assert!(var.iter().all(|v| *v >= 0.0));
        let (before, fp) = (m.clone(), m.fingerprint());
        let p = m.predict_all(&x);
        prop_assert_eq!(&m, &before, "predict mutated the model");
        prop_assert_eq!(m.fingerprint(), fp);
        check_gaussians(&p, &config)?;
        let targets: [f32; N] = core::array::from_fn(|h| if h == 0 { *y } else { -*y });
        if y.is_finite() {
            let q = if op % 2 == 0 {
                m.learn_targets(&x, &targets).unwrap()
            } else {
                // A robust target, limited to 3 sigma of the prediction.
                m.learn_with(&x, &mut |h, g| {
                    let lim = 3.0 * g.std();
                    g.mean + (targets[h] - g.mean).clamp(-lim, lim)
                })
                .unwrap()
            };
            // Learning returns what predict said before the update.
            prop_assert_eq!(gbits(&p), gbits(&q));
            prop_assert_eq!(m.steps(), before.steps() + 1);
        } else {
            let b = bytes(&m);
            prop_assert_eq!(
                m.learn_targets(&x, &targets),
                Err(Error::NonFinite { index: 0 })
            );
            prop_assert_eq!(&m, &before);
            prop_assert_eq!(bytes(&m), b);
        }
        let beta = config.beta;
        let mut bad = None;
        m.for_each_weight(&mut |w| {
            if !(w.is_finite() && w.abs() <= beta) {
                bad = Some(w);
            }
        });
        prop_assert_eq!(bad, None, "a weight left the box");
    }
    // Save, then load into a model of another seed and configuration: the identity.
    let saved = bytes(&m);
    let mut other = make(seed ^ 0xFFFF, GaussianConfig::DEFAULT);
    other.load(&saved).unwrap();
    prop_assert_eq!(&other, &m);
    prop_assert_eq!(bytes(&other), saved.clone());
    let z: [f32; D] = core::array::from_fn(|i| i as f32 * 0.37 - 1.0);
    let mu: [f32; B] = core::array::from_fn(|i| 0.5 - i as f32 * 0.2);
    let x = GaussianInput::new(&z, &mu, 0.7).unwrap();
    let a = m.learn_targets(&x, &[0.3; N]).unwrap();
    let b = other.learn_targets(&x, &[0.3; N]).unwrap();
    prop_assert_eq!(gbits(&a), gbits(&b));
    prop_assert_eq!(other.fingerprint(), m.fingerprint());
    // A corrupted byte: rejected, target unchanged.
    let at = (seed as usize) % saved.len();
    let mut bad = saved.clone();
    bad[at] ^= 1 << ((seed >> 32) % 8);
    let (before, b) = (other.clone(), bytes(&other));
    prop_assert!(other.load(&bad).is_err());
    prop_assert_eq!(&other, &before);
    prop_assert_eq!(bytes(&other), b);
    Ok(())
}

/// The detector of the property tests: two channels, a window of 4, a small model.
type PropDet = Detector<2, 4, 4, 4, GaussianGln2<4, 4, 3, 2, 4>>;

/// Readings as a sensor would give them, with the hostile ones mixed in.
fn reading() -> impl Strategy<Value = f32> {
    prop_oneof![
        12 => -50.0f32..50.0,
        2 => prop::sample::select(ODD_FINITE.to_vec()),
        1 => prop::sample::select(vec![MAX_READING, -MAX_READING, 1e15 * 1.0000001, f32::NAN, f32::INFINITY]),
        1 => any::<u32>().prop_map(f32::from_bits),
    ]
}

fn detector_config() -> impl Strategy<Value = DetectorConfig> {
    (
        0u32..40,
        prop_oneof![Just(1.0f32), 1e-3f32..1.0],
        1.0f32..20.0,
        prop_oneof![Just(1.0f32), 1e-4f32..1.0],
        prop_oneof![Just(1.0f32), 1.0f32..1e5],
        prop_oneof![Just(f32::INFINITY), 0.5f32..10.0],
        prop_oneof![Just(0.0f32), 0.0f32..10.0],
        any::<bool>(),
    )
        .prop_map(
            |(warmup, smoothing, k, rate, horizon, clip, level_weight, two_sided)| {
                DetectorConfig::DEFAULT
                    .with_warmup(warmup)
                    .with_smoothing(smoothing)
                    .with_threshold_k(k)
                    .with_sustained_k(k / 2.0)
                    .with_threshold_rate(rate)
                    .with_stats_horizon(horizon)
                    .with_error_horizon(horizon.sqrt().max(1.0))
                    .with_cross_horizon(horizon)
                    .with_learn_clip(clip)
                    .with_calibration(horizon)
                    .with_level_weight(level_weight)
                    .with_two_sided(two_sided)
            },
        )
        .prop_filter("a valid configuration", |c| c.check().is_ok())
}

proptest! {
    #[test]
    fn gaussian_gln2_binary(seed: u64, config in gaussian_config(), steps in gaussian_stream(3, 3)) {
        check_gaussian_stream::<_, 3, 3, 1>(GaussianGln2::<3, 3, 4, 2, 4>::new, seed, config, &steps)?;
    }

    #[test]
    fn gaussian_gln3_two_heads(seed: u64, config in gaussian_config(), steps in gaussian_stream(4, 2)) {
        // Side and base sizes differ; two heads share the gating.
        check_gaussian_stream::<_, 4, 2, 2>(GaussianGln3::<4, 2, 5, 3, 2, 4, 2>::new, seed, config, &steps)?;
    }

    #[test]
    fn gaussian_gln1_wide(seed: u64, config in gaussian_config(), steps in gaussian_stream(17, 17)) {
        // 17 inputs: the 16-lane dot product path with a remainder.
        check_gaussian_stream::<_, 17, 17, 1>(GaussianGln1::<17, 17, 3, 8>::new, seed, config, &steps)?;
    }

    #[test]
    fn detector_stream(
        seed: u64,
        config in detector_config(),
        // Two readings and what to do: read them, drop a sample, or toggle the freeze.
        steps in prop::collection::vec((reading(), reading(), any::<u8>()), 1..64),
    ) {
        let mut d = PropDet::with_seed(seed, config);
        for (a, b, op) in &steps {
            match op % 16 {
                0 => d.missing(),
                1 => d.freeze(!d.is_frozen()),
                _ => {
                    let x = [*a, *b];
                    let (before, fp) = (bytes(&d), d.fingerprint());
                    match d.update(&x) {
                        Ok(v) => {
                            prop_assert!(x.iter().all(|v| v.abs() <= MAX_READING));
                            for s in [v.score, v.instant, v.nll, v.instant_threshold].into_iter().chain(v.contributions) {
                                prop_assert!(s.is_finite(), "{:?}", v);
                            }
                            for g in &v.expected {
                                prop_assert!(g.mean.is_finite() && g.variance.is_finite() && g.variance >= 0.0);
                            }
                            prop_assert!(!(v.anomaly && v.warming_up));
                        }
                        Err(Error::NonFinite { index }) => {
                            prop_assert!(!x[index].is_finite());
                            prop_assert_eq!(bytes(&d), before);
                            prop_assert_eq!(d.fingerprint(), fp);
                        }
                        Err(Error::Overflow { index }) => {
                            prop_assert!(x.iter().all(|v| v.is_finite()) && x[index].abs() > MAX_READING);
                            prop_assert_eq!(bytes(&d), before);
                            prop_assert_eq!(d.fingerprint(), fp);
                        }
                        Err(e) => prop_assert!(false, "unexpected {:?}", e),
                    }
                }
            }
            // The state is always valid: finite, within its bounds, reachable (the load checks
            // all of it), and every model weight in its box.
            let saved = bytes(&d);
            prop_assert_eq!(PropDet::check(&saved), Ok(()));
            for c in 0..2 {
                let m = d.model(c).unwrap();
                let beta = m.config().beta;
                let mut ok = true;
                m.for_each_weight(|w| ok &= w.is_finite() && w.abs() <= beta);
                prop_assert!(ok);
            }
        }
        // Save, then load into a detector of another seed and configuration: the identity,
        // and the same verdicts from then on.
        let saved = bytes(&d);
        let mut other = PropDet::with_seed(seed ^ 1, DetectorConfig::DEFAULT);
        other.load(&saved).unwrap();
        prop_assert_eq!(bytes(&other), saved.clone());
        prop_assert_eq!(other.fingerprint(), d.fingerprint());
        for t in 0..20 {
            let x = [t as f32 * 0.5, 3.0 - t as f32];
            prop_assert_eq!(d.update(&x), other.update(&x));
        }
        prop_assert_eq!(bytes(&other), bytes(&d));
        // A corrupted byte: rejected, target unchanged.
        let at = (seed as usize) % saved.len();
        let mut bad = saved;
        bad[at] ^= 1 << ((seed >> 32) % 8);
        let before = bytes(&other);
        prop_assert!(other.load(&bad).is_err());
        prop_assert_eq!(bytes(&other), before);
    }

    #[test]
    fn arbitrary_bytes_never_load_into_a_gaussian_model_or_a_detector(
        raw in prop::collection::vec(any::<u8>(), 0..1200),
        keep_header in any::<bool>(),
        detector in any::<bool>(),
    ) {
        let mut raw = raw;
        if detector {
            let mut d = PropDet::with_seed(1, DetectorConfig::DEFAULT);
            let good = bytes(&d);
            if keep_header && raw.len() >= 64 {
                raw[..64].copy_from_slice(&good[..64]);
            }
            if d.load(&raw).is_err() {
                prop_assert_eq!(bytes(&d), good);
            }
        } else {
            type M = GaussianGln2<3, 3, 4, 2, 4>;
            let mut m = M::new(1, GaussianConfig::DEFAULT);
            let good = bytes(&m);
            if keep_header && raw.len() >= 64 {
                raw[..64].copy_from_slice(&good[..64]);
            }
            let before = m.clone();
            if m.load(&raw).is_err() {
                prop_assert_eq!(&m, &before);
            }
        }
    }
}
