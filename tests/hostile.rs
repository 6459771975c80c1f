//! Hostile input at every public entry point that takes data: NaN, infinities, subnormals,
//! huge values, wrong lengths, out-of-range labels, hostile configurations. A rejected call
//! must change nothing; an accepted one must keep every weight finite and in its box and
//! every probability in `[eps, 1 - eps]`.

mod common;

use common::{NON_FINITE, ODD_FINITE, bytes, check_probs, check_weights};
use gln::math::{dot, exp, ln, logit, sigmoid};
use gln::rng::SplitMix64;
use gln::{
    Config, Error, Gln1, Gln2, Gln3, Gln4, Input, LearningRate, Network, Persist, Schedule,
    Standardizer, StepScale, WeightInit, argmax,
};

// ---------------------------------------------------------------------------------------
// Input

#[test]
fn input_rejects_nan_and_infinity_at_every_position() {
    let ok = [0.5f32; 4];
    for bad in NON_FINITE {
        for i in 0..4 {
            let mut z = ok;
            z[i] = bad;
            let want = Some(Error::NonFinite { index: i });
            assert_eq!(Input::<4, 4>::from_side(&z).err(), want);
            assert_eq!(Input::<4, 4>::from_side_slice(&z).err(), want);
            assert_eq!(Input::<4, 2>::new(&z, &[0.5; 2]).err(), want);
            assert_eq!(Input::<4, 2>::from_slices(&z, &[0.5; 2]).err(), want);
            assert_eq!(Input::<4, 2>::from_logits(&z, &[0.0; 2]).err(), want);
            // As a base probability: not a probability (NaN and both infinities).
            assert_eq!(
                Input::<2, 4>::new(&[0.0; 2], &z),
                Err(Error::NotAProbability { index: i })
            );
            // As a base logit: NaN is rejected, an infinity is a valid (clipped) logit.
            let r = Input::<2, 4>::from_logits(&[0.0; 2], &z);
            if bad.is_nan() {
                assert_eq!(r, Err(Error::NonFinite { index: i }));
            } else {
                assert!(r.is_ok());
            }
        }
    }
}

#[test]
fn input_accepts_subnormal_and_huge_finite_values() {
    for v in ODD_FINITE {
        let z = [v, 1.0, v];
        assert!(Input::<3, 3>::from_side(&z).is_ok(), "{v}");
        assert!(Input::<3, 1>::from_logits(&z, &[v]).is_ok(), "{v}");
    }
    // Base probabilities at and inside the ends of [0, 1], subnormals, -0.0.
    for p in [
        0.0,
        -0.0,
        1.0,
        f32::from_bits(1),
        1.0 - f32::EPSILON / 2.0,
        0.5,
    ] {
        let x = Input::<1, 1>::new(&[0.0], &[p]).unwrap();
        assert!(!x.base_logits()[0].is_nan(), "{p}");
    }
    for p in [1.0 + f32::EPSILON, -f32::from_bits(1), 2.0, -1.0, f32::MAX] {
        assert_eq!(
            Input::<1, 1>::new(&[0.0], &[p]),
            Err(Error::NotAProbability { index: 0 }),
            "{p}"
        );
    }
}

#[test]
fn input_rejects_wrong_lengths() {
    let long = [0.0f32; 1000];
    for n in [0usize, 2, 4, 1000] {
        let want = Some(Error::WrongLength {
            expected: 3,
            found: n,
        });
        assert_eq!(Input::<3, 3>::from_side_slice(&long[..n]).err(), want);
        assert_eq!(
            Input::<3, 2>::from_slices(&long[..n], &[0.5; 2]).err(),
            want
        );
        let want = (n != 2).then_some(Error::WrongLength {
            expected: 2,
            found: n,
        });
        assert_eq!(
            Input::<3, 2>::from_slices(&[0.0; 3], &long[..n]).err(),
            want
        );
    }
}

// ---------------------------------------------------------------------------------------
// Networks

/// Configurations at the edges of what `Config::check` accepts.
fn edge_configs() -> [Config; 6] {
    [
        Config::DEFAULT,
        // The smallest eps: logit bound about 16.6.
        Config::DEFAULT.with_eps(3e-8),
        // A tiny box (Zero init allows it) and a huge rate.
        Config::DEFAULT
            .with_init(WeightInit::Zero)
            .with_beta(1e-3)
            .with_learning_rate(LearningRate::constant(1e30)),
        // The largest box and the largest finite rate.
        Config::DEFAULT
            .with_beta(Config::MAX_BETA)
            .with_eps(3e-8)
            .with_learning_rate(LearningRate::constant(f32::MAX)),
        // A large eps and a zero rate.
        Config::DEFAULT
            .with_eps(0.49)
            .with_learning_rate(LearningRate::constant(0.0)),
        // Huge hyperplane offsets and a decaying schedule with a subnormal floor.
        Config::DEFAULT
            .with_offset_std(1e30)
            .with_learning_rate(LearningRate {
                schedule: Schedule::Hyperbolic {
                    a: f32::MAX,
                    b: f32::MAX,
                    max: 1e10,
                },
                floor: f32::from_bits(1),
                scale: StepScale::HiddenFanIn {
                    reference: f32::from_bits(1),
                },
            }),
    ]
}

/// Feeds every odd finite value, at every position and everywhere at once, as side
/// information (and base logits) through `learn_class`, `learn_targets`, `predict_all` and
/// `predict_class`, checking the invariants after each call.
fn hammer<M, const D: usize, const N: usize>(make: impl Fn(Config) -> M)
where
    M: Network<D, D, N> + Persist + Clone + PartialEq + core::fmt::Debug,
{
    for config in edge_configs() {
        let mut m = make(config);
        let eps = config.eps;
        let mut rng = SplitMix64::new(1);
        let mut inputs: Vec<[f32; D]> = Vec::new();
        for v in ODD_FINITE {
            inputs.push([v; D]);
            for i in 0..D {
                let mut z: [f32; D] = core::array::from_fn(|_| 4.0 * rng.next_f32() - 2.0);
                z[i] = v;
                inputs.push(z);
            }
        }
        for (t, z) in inputs.iter().enumerate() {
            let x = Input::from_side(z).unwrap();
            let before = m.clone();
            let p = m.predict_all(&x);
            check_probs(&p, eps);
            let _ = m.predict_class(&x);
            assert_eq!(m, before, "predict mutated the model");
            let q = m.learn_class(&x, t % N).unwrap();
            assert_eq!(p.map(f32::to_bits), q.map(f32::to_bits));
            let targets: [bool; N] = core::array::from_fn(|i| (t + i) % 2 == 0);
            check_probs(&m.learn_targets(&x, &targets), eps);
            check_weights(&m);
            // Base logits of ±infinity (base probabilities 0 and 1) are clipped.
            let inf: [f32; D] = core::array::from_fn(|i| {
                if i % 2 == 0 {
                    f32::INFINITY
                } else {
                    f32::NEG_INFINITY
                }
            });
            let x = Input::from_logits(z, &inf).unwrap();
            check_probs(&m.learn_class(&x, 0).unwrap(), eps);
            check_weights(&m);
        }
        // Still a valid model: it saves and loads back.
        let b = bytes(&m);
        let mut back = make(Config::DEFAULT);
        back.load(&b).unwrap();
        assert_eq!(back.fingerprint(), m.fingerprint());
    }
}

#[test]
fn networks_take_subnormal_huge_and_infinite_inputs_in_their_stride() {
    hammer::<_, 3, 1>(|c| Gln1::<3, 3, 2, 4>::new(1, c));
    hammer::<_, 3, 4>(|c| Gln1::<3, 3, 2, 4, 4>::new(1, c));
    hammer::<_, 4, 1>(|c| Gln2::<4, 4, 5, 3, 8>::new(2, c));
    hammer::<_, 5, 3>(|c| Gln3::<5, 5, 6, 3, 2, 4, 3>::new(3, c));
    hammer::<_, 20, 1>(|c| Gln3::<20, 20, 17, 16, 4, 16>::new(4, c));
    hammer::<_, 2, 2>(|c| Gln4::<2, 2, 3, 3, 2, 1, 2, 2>::new(5, c));
}

#[test]
fn out_of_range_labels_change_nothing() {
    let mut m = Gln2::<3, 3, 4, 2, 4, 3>::new(9, Config::DEFAULT);
    let z = [0.1f32, -0.2, 0.3];
    let x = Input::from_side(&z).unwrap();
    m.learn_class(&x, 1).unwrap();
    let (before, b) = (m.clone(), bytes(&m));
    for label in [3, 4, 1000, usize::MAX] {
        assert_eq!(
            m.learn_class(&x, label),
            Err(Error::LabelOutOfRange { label, classes: 3 })
        );
        assert_eq!(
            Network::learn_class(&mut m, &x, label),
            Err(Error::LabelOutOfRange { label, classes: 3 })
        );
    }
    assert_eq!(m, before);
    assert_eq!(bytes(&m), b);
    assert_eq!(m.steps(), 1);
}

#[test]
fn hostile_configurations_are_refused() {
    type M = Gln2<3, 3, 4, 2, 4>;
    let mut bad = Vec::new();
    for v in NON_FINITE
        .into_iter()
        .chain([-1.0, -f32::from_bits(1), f32::MAX])
    {
        bad.push(Config::DEFAULT.with_eps(v));
        bad.push(Config::DEFAULT.with_beta(v));
        bad.push(Config::DEFAULT.with_offset_std(v));
        bad.push(Config::DEFAULT.with_learning_rate(LearningRate::constant(v)));
        bad.push(Config::DEFAULT.with_learning_rate(LearningRate {
            floor: v,
            ..LearningRate::constant(0.1)
        }));
        bad.push(Config::DEFAULT.with_learning_rate(LearningRate {
            schedule: Schedule::InverseTime { c: v, max: 0.1 },
            floor: 0.0,
            scale: StepScale::HiddenFanIn { reference: 1.0 },
        }));
    }
    bad.retain(|c| {
        // `f32::MAX` is a valid offset_std, rate and floor; any finite positive fan-in reference is valid.
        c.check().is_err()
    });
    assert!(bad.len() >= 30, "{}", bad.len());
    // Subnormal eps (1 - eps rounds to 1), beta over MAX_BETA, a box that cuts the
    // initial weights, a zero fan-in reference.
    bad.extend([
        Config::DEFAULT.with_eps(f32::from_bits(1)),
        Config::DEFAULT.with_eps(1e-9),
        Config::DEFAULT.with_beta(1e10),
        Config::DEFAULT.with_beta(0.4),
        Config::DEFAULT.with_learning_rate(LearningRate {
            scale: StepScale::HiddenFanIn { reference: 0.0 },
            ..LearningRate::constant(0.1)
        }),
    ]);
    for c in bad {
        assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        assert!(
            matches!(M::try_new(1, c), Err(Error::InvalidConfig(_))),
            "{c:?}"
        );
        let r = std::panic::catch_unwind(|| M::new(1, c));
        assert!(r.is_err(), "new accepted {c:?}");
    }
}

#[test]
fn learning_rate_schedules_stay_finite_at_the_extremes() {
    let schedules = [
        Schedule::Constant { eta: f32::MAX },
        Schedule::InverseTime {
            c: f32::MAX,
            max: f32::MAX,
        },
        Schedule::InverseTime { c: 0.0, max: 0.0 },
        Schedule::Hyperbolic {
            a: f32::MAX,
            b: f32::MAX,
            max: f32::MAX,
        },
        Schedule::Hyperbolic {
            a: 0.0,
            b: 0.0,
            max: 1.0,
        },
    ];
    for schedule in schedules {
        let lr = LearningRate {
            schedule,
            floor: f32::from_bits(1),
            scale: StepScale::HiddenFanIn {
                reference: f32::from_bits(1),
            },
        };
        for t in [0, 1, 2, u64::MAX / 2, u64::MAX] {
            let eta = lr.at(t);
            assert!(eta.is_finite() && eta >= 0.0, "{schedule:?} at {t}: {eta}");
        }
        for m in [0, 1, 785, usize::MAX] {
            let s = lr.for_layer(1.0, 1, m);
            assert!(s.is_finite() && (0.0..=1.0).contains(&s), "{m}: {s}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Standardizer

#[test]
fn standardizer_rejects_nan_and_infinity_and_changes_nothing() {
    let mut s = Standardizer::<3>::new(0.5);
    s.update(&[1.0, -2.0, 3.0]).unwrap();
    s.update(&[2.0, 0.5, -1.0]).unwrap();
    let before = s;
    for bad in NON_FINITE {
        for i in 0..3 {
            let mut x = [0.25f32; 3];
            x[i] = bad;
            let want = Err(Error::NonFinite { index: i });
            assert_eq!(s.update(&x), want);
            assert_eq!(s.transform(&x).map(|_| ()), want);
            assert_eq!(s.update_transform(&x).map(|_| ()), want);
            assert_eq!(s, before);
        }
    }
}

#[test]
fn standardizer_takes_subnormal_and_huge_values_or_reports_overflow() {
    for offset in [0.0, 1e-3, 1.0] {
        for v in ODD_FINITE {
            let mut s = Standardizer::<2>::new(offset);
            for x in [[1.0, v], [v, v], [-v, 0.5], [v, -v], [0.0, 0.0]] {
                let before = s;
                match s.update_transform(&x) {
                    Ok(z) => assert!(z.iter().all(|z| z.is_finite()), "{v}: {z:?}"),
                    Err(Error::Overflow { .. }) => assert_eq!(s, before),
                    Err(e) => panic!("{v}: {e:?}"),
                }
                assert!(s.mean().iter().all(|m| m.is_finite()));
                for j in 0..2 {
                    assert!(s.std_at(j).is_finite() && s.std_at(j) >= 0.0);
                }
                match s.transform(&x) {
                    Ok(z) => assert!(z.iter().all(|z| z.is_finite())),
                    Err(e) => assert!(matches!(e, Error::Overflow { .. })),
                }
            }
        }
    }
    // Subnormals alone are always accepted.
    let mut s = Standardizer::<1>::new(1.0);
    for _ in 0..100 {
        let z = s.update_transform(&[f32::from_bits(1)]).unwrap();
        assert!(z[0].is_finite());
    }
    // Out-of-range feature index.
    assert_eq!(s.std_at(1), 0.0);
    assert_eq!(s.std_at(usize::MAX), 0.0);
}

#[test]
fn standardizer_offsets_must_be_finite_and_non_negative() {
    for bad in NON_FINITE.into_iter().chain([-1.0, -f32::from_bits(1)]) {
        let r = std::panic::catch_unwind(|| Standardizer::<2>::new(bad));
        assert!(r.is_err(), "accepted offset {bad}");
    }
    for ok in [0.0, -0.0, f32::from_bits(1), f32::MAX] {
        let s = Standardizer::<2>::new(ok);
        assert_eq!(Standardizer::<2>::from_bytes(&bytes(&s)), Ok(s));
    }
}

// ---------------------------------------------------------------------------------------
// Free functions: documented pass-through of NaN, no panics.

#[test]
fn math_functions_pass_nan_through_and_saturate_at_infinity() {
    assert!(sigmoid(f32::NAN).is_nan());
    assert_eq!(sigmoid(f32::INFINITY), 1.0);
    assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
    assert_eq!(sigmoid(f32::MAX), 1.0);
    assert_eq!(sigmoid(f32::MIN), 0.0);
    assert_eq!(sigmoid(f32::from_bits(1)), 0.5);
    assert!(logit(-0.5).is_nan() && logit(1.5).is_nan() && logit(f32::NAN).is_nan());
    assert_eq!(logit(0.0), f32::NEG_INFINITY);
    assert!(logit(f32::from_bits(1)).is_finite());
    assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    assert!(ln(-1.0).is_nan());
    assert_eq!(dot(&[], &[1.0]), 0.0);
    assert_eq!(dot(&[2.0, 3.0], &[4.0]), 8.0); // the common length
    assert!(dot(&[f32::NAN], &[0.0]).is_nan());
}

#[test]
fn argmax_never_picks_nan() {
    assert_eq!(argmax(&[]), 0);
    assert_eq!(argmax(&[f32::NAN, f32::NAN]), 0);
    assert_eq!(argmax(&[f32::NAN, 0.2, f32::NAN, 0.7, 0.7]), 3);
    assert_eq!(argmax(&[f32::NEG_INFINITY, f32::NAN]), 0);
    assert_eq!(argmax(&[0.1, f32::INFINITY]), 1);
}

// ---------------------------------------------------------------------------------------
// Persist: random bytes of every length never load and never change the target.

#[test]
fn random_bytes_never_load() {
    type M = Gln2<3, 3, 4, 2, 4>;
    let mut target = M::new(3, Config::DEFAULT);
    let z = [0.3f32, 0.1, -0.7];
    target.learn(&Input::from_side(&z).unwrap(), true);
    let (before, b) = (target.clone(), bytes(&target));
    let mut rng = SplitMix64::new(42);
    let mut buf = vec![0u8; 2 * M::SAVED_BYTES];
    for n in 0..3000usize {
        let len = n % buf.len();
        for x in buf.iter_mut() {
            *x = rng.next_u64() as u8;
        }
        // Half of them start like a real record.
        if n % 2 == 0 {
            buf[..16].copy_from_slice(&b[..16]);
        }
        assert!(target.load(&buf[..len]).is_err());
        assert!(<(M, Standardizer<3>)>::check(&buf[..len]).is_err());
    }
    assert_eq!(target, before);
    assert_eq!(bytes(&target), b);
    // Saving into an empty buffer.
    assert!(target.save(&mut []).is_err());
}

// ---------------------------------------------------------------------------------------
// Gaussian GLN

use gln::detector::{Detector, DetectorConfig, MAX_READING, SmallSensorModel, Verdict};
use gln::gaussian::{
    Gaussian, GaussianConfig, GaussianGln1, GaussianGln2, GaussianGln3, GaussianGln4,
    GaussianInput, GaussianNetwork,
};

#[test]
fn gaussian_input_rejects_nan_and_infinity_at_every_position() {
    let ok = [0.5f32; 4];
    for bad in NON_FINITE {
        for i in 0..4 {
            let mut v = ok;
            v[i] = bad;
            let want = Some(Error::NonFinite { index: i });
            assert_eq!(GaussianInput::<4, 4>::from_side(&v, 1.0).err(), want);
            assert_eq!(GaussianInput::<4, 2>::new(&v, &[0.0; 2], 1.0).err(), want);
            assert_eq!(GaussianInput::<2, 4>::new(&[0.0; 2], &v, 1.0).err(), want);
            assert_eq!(GaussianInput::<4, 4>::from_slices(&v, &ok, &ok).err(), want);
            // As a variance: NaN and -inf are not variances; +inf is (the least confident).
            let r = GaussianInput::<2, 4>::with_variances(&[0.0; 2], &ok, &v);
            if bad == f32::INFINITY {
                assert!(r.is_ok());
            } else {
                assert_eq!(r, Err(Error::NotAVariance { index: i }));
            }
        }
    }
    // Negative variances (a negative subnormal too) are refused, zeros of both signs and
    // subnormals are valid (the network clips them to its smallest variance).
    for v in [-1.0f32, -f32::from_bits(1), f32::MIN] {
        assert_eq!(
            GaussianInput::<1, 1>::new(&[0.0], &[0.0], v),
            Err(Error::NotAVariance { index: 0 })
        );
    }
    for v in [0.0f32, -0.0, f32::from_bits(1), f32::MAX] {
        assert!(GaussianInput::<1, 1>::new(&[0.0], &[0.0], v).is_ok(), "{v}");
    }
    // Wrong lengths, each slice.
    let long = [0.0f32; 100];
    for n in [0usize, 2, 4, 100] {
        let want = Some(Error::WrongLength {
            expected: 3,
            found: n,
        });
        assert_eq!(
            GaussianInput::<3, 3>::from_slices(&long[..n], &[0.0; 3], &[1.0; 3]).err(),
            want
        );
        assert_eq!(
            GaussianInput::<3, 3>::from_slices(&[0.0; 3], &long[..n], &[1.0; 3]).err(),
            want
        );
        assert_eq!(
            GaussianInput::<3, 3>::from_slices(&[0.0; 3], &[0.0; 3], &long[..n]).err(),
            want
        );
    }
}

/// Gaussian configurations at the edges of what `GaussianConfig::check` accepts.
fn gaussian_edge_configs() -> [GaussianConfig; 6] {
    let d = GaussianConfig::DEFAULT;
    [
        d,
        // The widest bounds, the largest box and the largest finite rate.
        d.with_variance_bounds(1e-6, 1e6)
            .with_beta(1e6)
            .with_mean_bound(1e6)
            .with_learning_rate(LearningRate::constant(f32::MAX)),
        // The same with the authors' plain (unnormalised) step.
        d.with_variance_bounds(1e-6, 1e6)
            .with_beta(1e6)
            .with_mean_bound(1e6)
            .with_normalized(false)
            .with_learning_rate(LearningRate::constant(1e30)),
        // The narrowest: a variance range of one ulp, the smallest box, a tiny mean bound.
        d.with_variance_bounds(0.5, 0.500_000_06)
            .with_beta(0.25)
            .with_mean_bound(f32::from_bits(1))
            .with_learning_rate(LearningRate::constant(1.0)),
        // A zero rate and hyperplanes through the origin.
        d.with_offset_std(0.0)
            .with_learning_rate(LearningRate::constant(0.0)),
        // Huge hyperplane offsets and an extreme decaying schedule with a subnormal floor.
        d.with_offset_std(1e30).with_learning_rate(LearningRate {
            schedule: Schedule::Hyperbolic {
                a: f32::MAX,
                b: f32::MAX,
                max: 1e10,
            },
            floor: f32::from_bits(1),
            scale: StepScale::HiddenFanIn {
                reference: f32::from_bits(1),
            },
        }),
    ]
}

/// A prediction is a valid Gaussian for the configuration.
fn check_gaussians(p: &[Gaussian], c: &GaussianConfig) {
    for g in p {
        assert!(
            g.variance >= c.sigma2_min && g.variance <= c.sigma2_max,
            "variance {} outside [{}, {}]",
            g.variance,
            c.sigma2_min,
            c.sigma2_max
        );
        assert!(g.mean.abs() <= c.mean_bound, "mean {}", g.mean);
    }
}

fn check_gaussian_weights<
    M: GaussianNetwork<D, B, N>,
    const D: usize,
    const B: usize,
    const N: usize,
>(
    m: &M,
) {
    let beta = m.config().beta;
    m.for_each_weight(&mut |w| assert!(w.is_finite() && w.abs() <= beta, "weight {w}"));
}

/// Every odd finite value as side information, base mean, base variance and target, at
/// every position and everywhere at once, through every learning and predicting call, with
/// the invariants checked after each; NaN and infinite targets refused with nothing changed.
fn gaussian_hammer<M, const D: usize, const B: usize, const N: usize>(
    make: impl Fn(GaussianConfig) -> M,
) where
    M: GaussianNetwork<D, B, N> + Persist + Clone + PartialEq + core::fmt::Debug,
{
    let odd_var = [
        0.0f32,
        -0.0,
        f32::from_bits(1),
        1e-30,
        1.0,
        1e30,
        f32::MAX,
        f32::INFINITY,
    ];
    for config in gaussian_edge_configs() {
        let mut m = make(config);
        let mut rng = SplitMix64::new(2);
        // (side, base means, base variances, target)
        type Sample<const D: usize, const B: usize> = ([f32; D], [f32; B], [f32; B], f32);
        let mut samples: Vec<Sample<D, B>> = Vec::new();
        for (k, v) in ODD_FINITE.into_iter().enumerate() {
            let var = odd_var[k % odd_var.len()];
            samples.push(([v; D], [v; B], [var; B], v));
            for i in 0..D.max(B) {
                let mut z: [f32; D] = core::array::from_fn(|_| 4.0 * rng.next_f32() - 2.0);
                let mut mu: [f32; B] = core::array::from_fn(|_| 4.0 * rng.next_f32() - 2.0);
                let mut s: [f32; B] = core::array::from_fn(|_| rng.next_f32() + 0.1);
                z[i % D] = v;
                mu[i % B] = v;
                s[(i + 1) % B] = var;
                samples.push((z, mu, s, ODD_FINITE[(k + i) % ODD_FINITE.len()]));
            }
        }
        for (t, (z, mu, s, y)) in samples.iter().enumerate() {
            let x = GaussianInput::with_variances(z, mu, s).unwrap();
            let before = m.clone();
            let p = m.predict_all(&x);
            check_gaussians(&p, &config);
            assert_eq!(m, before, "predict mutated the model");
            // Refused targets change nothing.
            for bad in NON_FINITE {
                let mut targets = [*y; N];
                targets[t % N] = bad;
                assert_eq!(
                    m.learn_targets(&x, &targets),
                    Err(Error::NonFinite { index: t % N })
                );
                assert_eq!(
                    m.learn_with(&x, &mut |h, _| if h == t % N { bad } else { 0.0 }),
                    Err(Error::NonFinite { index: t % N })
                );
            }
            assert_eq!(m, before, "a refused target changed the model");
            let q = m.learn_targets(&x, &[*y; N]).unwrap();
            assert_eq!(
                p.map(|g| (g.mean.to_bits(), g.variance.to_bits())),
                q.map(|g| (g.mean.to_bits(), g.variance.to_bits()))
            );
            check_gaussian_weights(&m);
            let r = m.learn_with(&x, &mut |h, g| g.mean + h as f32).unwrap();
            check_gaussians(&r, &config);
            check_gaussian_weights(&m);
        }
        // Still a valid model: it saves and loads back, the same value.
        let b = bytes(&m);
        let mut back = make(GaussianConfig::DEFAULT);
        back.load(&b).unwrap();
        assert_eq!(back, m);
    }
}

#[test]
fn gaussian_networks_take_subnormal_huge_and_infinite_values_in_their_stride() {
    // 5 shapes x 6 edge configurations x 14 odd values x (1 + max(D, B)) samples each.
    gaussian_hammer::<_, 3, 3, 1>(|c| GaussianGln1::<3, 3, 2, 4>::new(1, c));
    gaussian_hammer::<_, 4, 4, 2>(|c| GaussianGln2::<4, 4, 5, 3, 8, 2>::new(2, c));
    gaussian_hammer::<_, 5, 3, 1>(|c| GaussianGln3::<5, 3, 6, 3, 2, 4>::new(3, c));
    gaussian_hammer::<_, 20, 20, 1>(|c| GaussianGln3::<20, 20, 17, 16, 4, 16>::new(4, c));
    gaussian_hammer::<_, 2, 2, 3>(|c| GaussianGln4::<2, 2, 3, 3, 2, 1, 2, 3>::new(5, c));
}

#[test]
fn gaussian_nll_refuses_non_finite_targets() {
    let m = GaussianGln2::<2, 2, 3, 2, 4>::new(1, GaussianConfig::DEFAULT);
    let x = GaussianInput::from_side(&[0.5, -0.5], 1.0).unwrap();
    for bad in NON_FINITE {
        assert_eq!(m.nll(&x, bad), Err(Error::NonFinite { index: 0 }));
    }
    for y in ODD_FINITE {
        // Finite, or +inf when (y - mu)^2 overflows: documented on `Gaussian::nll`.
        let v = m.nll(&x, y).unwrap();
        assert!(v.is_finite() || v == f32::INFINITY, "{y}: {v}");
    }
}

#[test]
fn hostile_gaussian_configurations_are_refused() {
    type M = GaussianGln2<3, 3, 4, 2, 4>;
    let d = GaussianConfig::DEFAULT;
    let mut bad = Vec::new();
    for v in NON_FINITE
        .into_iter()
        .chain([-1.0, -f32::from_bits(1), 0.0, f32::MAX])
    {
        bad.push(d.with_variance_bounds(v, 100.0));
        bad.push(d.with_variance_bounds(0.01, v));
        bad.push(d.with_beta(v));
        bad.push(d.with_mean_bound(v));
        bad.push(d.with_offset_std(v));
        bad.push(d.with_learning_rate(LearningRate::constant(v)));
        bad.push(d.with_learning_rate(LearningRate {
            floor: v,
            ..LearningRate::constant(0.1)
        }));
    }
    // Some of these are valid (a rate of 0 or f32::MAX, offsets of 0 or f32::MAX, ...).
    bad.retain(|c| c.check().is_err());
    assert!(bad.len() >= 40, "{}", bad.len());
    bad.extend([
        d.with_variance_bounds(1e-7, 1.0), // below 1e-6
        d.with_variance_bounds(2.0, 1.0),  // min above max
        d.with_variance_bounds(1.0, 1.0),  // equal
        d.with_variance_bounds(1e-3, 2e6), // max above 1e6
        d.with_beta(0.2),                  // cuts the initial weights
        d.with_beta(2e6),
        d.with_mean_bound(2e6),
    ]);
    println!("{} hostile Gaussian configurations refused", bad.len());
    for c in bad {
        assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        assert!(
            matches!(M::try_new(1, c), Err(Error::InvalidConfig(_))),
            "{c:?}"
        );
        let r = std::panic::catch_unwind(|| M::new(1, c));
        assert!(r.is_err(), "new accepted {c:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Detector

type Det3 = Detector<3, 8, 8, 8, SmallSensorModel>;

fn verdict_is_finite<const CH: usize>(v: &Verdict<CH>) {
    for x in [v.score, v.instant, v.nll, v.instant_threshold]
        .into_iter()
        .chain(v.contributions)
    {
        assert!(x.is_finite(), "{v:?}");
    }
    for g in &v.expected {
        assert!(
            g.mean.is_finite() && g.variance.is_finite() && g.variance >= 0.0,
            "{v:?}"
        );
    }
}

#[test]
fn detector_rejects_bad_readings_at_every_channel_and_changes_nothing() {
    let mut d = Det3::with_seed(1, DetectorConfig::DEFAULT);
    let mut r = SplitMix64::new(4);
    let mut next = |t: u32| -> [f32; 3] {
        [
            20.0 + (t as f32 * 0.05).sin() + 0.1 * r.next_normal(),
            -3.0 + 0.2 * r.next_normal(),
            1000.0 + 5.0 * r.next_f32(),
        ]
    };
    for t in 0..400 {
        d.update(&next(t)).unwrap();
    }
    let (twin, b, fp) = (d.clone(), bytes(&d), d.fingerprint());
    let above = f32::from_bits(MAX_READING.to_bits() + 1);
    let mut refused = 0;
    for c in 0..3 {
        let ok = next(400);
        for bad in NON_FINITE {
            let mut x = ok;
            x[c] = bad;
            assert_eq!(d.update(&x), Err(Error::NonFinite { index: c }));
            assert_eq!(d.update_slice(&x), Err(Error::NonFinite { index: c }));
            refused += 2;
        }
        for bad in [above, -above, 1e30, f32::MAX, f32::MIN, -3e38] {
            let mut x = ok;
            x[c] = bad;
            assert_eq!(d.update(&x), Err(Error::Overflow { index: c }));
            refused += 1;
        }
    }
    // Wrong lengths: nothing is read.
    for n in [0usize, 1, 2, 4, 1000] {
        let v = vec![0.0f32; n];
        assert_eq!(
            d.update_slice(&v),
            Err(Error::WrongLength {
                expected: 3,
                found: n
            })
        );
        refused += 1;
    }
    assert_eq!(
        (bytes(&d), d.fingerprint()),
        (b, fp),
        "a refused reading changed the detector"
    );
    // And the future is the same as if they had never come.
    let mut twin = twin;
    for t in 400..700 {
        let x = next(t);
        assert_eq!(d.update(&x).unwrap(), twin.update(&x).unwrap());
    }
    assert_eq!(bytes(&d), bytes(&twin));
    assert_eq!(refused, 53);
}

#[test]
fn detector_takes_odd_finite_readings_and_dropped_samples() {
    let odd = [
        0.0f32,
        -0.0,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::MIN_POSITIVE,
        1e-30,
        MAX_READING,
        -MAX_READING,
        9.99e14,
        -7.0,
        65504.0,
    ];
    for config in [
        DetectorConfig::DEFAULT,
        DetectorConfig::DEFAULT
            .with_warmup(0)
            .with_smoothing(1.0)
            .with_threshold_rate(1.0)
            .with_stats_horizon(1.0)
            .with_error_horizon(1.0)
            .with_cross_horizon(1.0)
            .with_calibration(1.0)
            .with_learn_clip(f32::INFINITY)
            .with_std_floor(0.0)
            .with_level_weight(1e6)
            .with_two_sided(false),
        DetectorConfig::DEFAULT
            .with_smoothing(f32::from_bits(1))
            .with_threshold_k(1e6)
            .with_sustained_k(f32::from_bits(1))
            .with_threshold_rate(f32::from_bits(1))
            .with_stats_horizon(f32::MAX)
            .with_learn_clip(f32::from_bits(1))
            .with_std_floor(0.999_999_9)
            .with_level_weight(0.0),
    ] {
        let mut d = Det3::with_seed(2, config);
        let mut r = SplitMix64::new(6);
        for t in 0..3000u32 {
            match t % 50 {
                // Runs of dropped samples, one longer than the window.
                0..=2 => d.missing(),
                10 if t % 500 == 10 => (0..9).for_each(|_| d.missing()),
                _ => {
                    let x: [f32; 3] = core::array::from_fn(|c| match (t + c as u32) % 7 {
                        0 => odd[(r.next_u64() % odd.len() as u64) as usize],
                        1 => odd[c],
                        _ => 50.0 * r.next_normal(),
                    });
                    let v = d.update(&x).unwrap();
                    verdict_is_finite(&v);
                }
            }
        }
        // The state is finite and within its bounds: it saves and loads (the load checks
        // every value), and the models' weights are in their boxes.
        let b = bytes(&d);
        let back = Det3::from_bytes(&b).unwrap();
        assert_eq!(back.fingerprint(), d.fingerprint());
        for c in 0..3 {
            let m = d.model(c).unwrap();
            check_gaussian_weights(m);
        }
        assert!(d.model(3).is_none());
    }
}

#[test]
fn hostile_detector_configurations_are_refused() {
    let d = DetectorConfig::DEFAULT;
    let mut bad = Vec::new();
    for v in NON_FINITE
        .into_iter()
        .chain([-1.0, -f32::from_bits(1), 0.0, 0.5, 2.0, 2e6])
    {
        bad.push(d.with_smoothing(v));
        bad.push(d.with_threshold_k(v));
        bad.push(d.with_sustained_k(v));
        bad.push(d.with_threshold_rate(v));
        bad.push(d.with_stats_horizon(v));
        bad.push(d.with_error_horizon(v));
        bad.push(d.with_cross_horizon(v));
        bad.push(d.with_calibration(v));
        bad.push(d.with_learn_clip(v));
        bad.push(d.with_std_floor(v));
        bad.push(d.with_level_weight(v));
    }
    // Many of these are valid (0.5 is a fine smoothing, 2.0 a fine horizon, ...).
    bad.retain(|c| c.check().is_err());
    assert!(bad.len() >= 70, "{}", bad.len());
    println!("{} hostile detector configurations refused", bad.len());
    for c in bad {
        assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        let r = std::panic::catch_unwind(|| Det3::with_seed(1, c));
        assert!(r.is_err(), "accepted {c:?}");
    }
    // A NaN level weight used to pass the check: every score would then be NaN.
    assert!(d.with_level_weight(f32::NAN).check().is_err());
}
