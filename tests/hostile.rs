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
