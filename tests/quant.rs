//! The integer GLN (`gln::quant`): its golden scenario for the `std` and the `no_std` build
//! (`cargo test --test quant`, `cargo test --no-default-features --test quant`; the boards
//! run the same scenario), hostile input, and properties over arbitrary streams:
//! - every prediction is a probability within the clip bounds; `learn` returns what
//!   `predict` said before it; `predict` never mutates;
//! - every weight stays within `[-beta, beta]` whatever the input (every `i16` is valid) and
//!   whatever the learning rate;
//! - the same seed and stream give the same fingerprint; a rejected label changes nothing;
//! - save-then-load is the identity; bytes of another kind or an inexact weight are refused.

use gln::persist::{PersistError, crc32};
use gln::quant::{QClip, QGln1, QGln2, QGln3, QGln4, QInput, fixed};
use gln::selftest::quant as scenario;
use gln::{Config, Error, Input, LearningRate, Network, Persist, Schedule, StepScale, WeightInit};
use proptest::prelude::*;

/// Which build of the library this test links.
const BUILD: &str = if cfg!(feature = "std") {
    "std"
} else {
    "no_std"
};

#[test]
fn quant_scenario_matches_the_reference() {
    let mut model = scenario::model();
    let report = scenario::run(&mut model).expect("a fresh model");
    println!("{BUILD}: {report}");
    assert_eq!(report.steps, scenario::STEPS);
    assert_eq!(
        report.fingerprint,
        scenario::EXPECTED,
        "{BUILD} build: {report}"
    );
    let mut again = scenario::model();
    assert_eq!(scenario::run(&mut again), Ok(report));
}

#[test]
fn a_model_in_a_static_is_the_runtime_model() {
    static MODEL: scenario::Model = scenario::model();
    let runtime = scenario::Model::try_new(scenario::SEED, scenario::CONFIG).unwrap();
    assert_eq!(MODEL.fingerprint(), runtime.fingerprint());
    assert_eq!(MODEL, runtime);
}

/// Every weight of `m` within `±beta` (as real values).
fn check_box(m: &Small, beta: f32) {
    m.for_each_weight(|w| assert!(w.abs() <= beta, "weight {w} outside ±{beta}"));
}

type Small = QGln3<4, 4, 5, 3, 2, 4, 3>;

#[test]
fn hostile_input_keeps_every_weight_in_the_box_and_the_model_recovers() {
    let huge = Config::DEFAULT.with_beta(2.0).with_learning_rate(
        LearningRate::constant(1e9), // saturates the Q24 rate
    );
    let normal = Config::DEFAULT.with_beta(2.0);
    for (config, recovers) in [(huge, false), (normal, true)] {
        let mut m = Small::new(3, config);
        let lo = fixed::squash(-QClip::of(&config).logit) as u16;
        let hi = fixed::squash(QClip::of(&config).logit) as u16;
        let extremes = [i16::MIN, i16::MAX, 0, -1, 1, i16::MIN + 1];
        for t in 0..600usize {
            let z: [i16; 4] = core::array::from_fn(|j| extremes[(t * 7 + j * 3) % extremes.len()]);
            let x = if t % 3 == 0 {
                QInput::from_side(&z)
            } else {
                QInput::new(&z, &[0, u16::MAX, 32768, (t as u16).wrapping_mul(977)])
            };
            for v in m.learn_class(&x, t % 3).unwrap() {
                assert!((lo..=hi).contains(&v), "{v} not in [{lo}, {hi}]");
            }
            check_box(&m, 2.0);
        }
        if !recovers {
            continue;
        }
        // After the abuse, the same model learns an ordinary rule from an ordinary stream.
        let mut correct = 0;
        for t in 0..3000usize {
            let label = t % 3;
            let z: [i16; 4] = core::array::from_fn(|j| {
                (if j == label { 1500 } else { -1500 }) + ((t * 37 + j * 101) % 600) as i16 - 300
            });
            let x = QInput::from_side(&z);
            if t >= 2000 {
                correct += usize::from(m.predict_class(&x) == label);
            }
            m.learn_class(&x, label).unwrap();
        }
        assert!(correct > 950, "{correct} of 1000");
    }
}

#[test]
fn a_bad_label_or_config_is_rejected_and_changes_nothing() {
    let mut m = Small::new(1, Config::DEFAULT);
    let x = QInput::from_side(&[100, -200, 300, 0]);
    m.learn_class(&x, 1).unwrap();
    let before = m.clone();
    assert_eq!(
        m.learn_class(&x, 3),
        Err(Error::LabelOutOfRange {
            label: 3,
            classes: 3
        })
    );
    assert_eq!(m, before);
    assert_eq!(m.fingerprint(), before.fingerprint());
    for bad in [
        Config::DEFAULT.with_beta(8.0),
        Config::DEFAULT.with_eps(1e-4),
        Config::DEFAULT.with_eps(0.6),
        Config::DEFAULT.with_learning_rate(LearningRate::constant(-1.0)),
    ] {
        assert!(matches!(
            gln::quant::check(&bad),
            Err(Error::InvalidConfig(_))
        ));
        assert!(matches!(
            Small::try_new(1, bad),
            Err(Error::InvalidConfig(_))
        ));
    }
}

#[test]
fn the_f32_face_is_the_integer_model_on_rounded_input() {
    let mut a = QGln2::<3, 3, 4, 2, 4, 2>::new(9, Config::DEFAULT);
    let mut b = a.clone();
    for t in 0..200 {
        let z = [
            (t as f32 * 0.37).sin() * 3.0,
            (t as f32 * 0.11).cos(),
            t as f32 * 0.01,
        ];
        let x = Input::from_side(&z).unwrap();
        let q = QInput::from_input(&x);
        let pa = Network::learn_class(&mut a, &x, t % 2).unwrap();
        let pb = b.learn_class(&q, t % 2).unwrap();
        assert_eq!(pa, pb.map(|p| p as f32 / 65536.0));
    }
    assert_eq!(a.fingerprint(), b.fingerprint());
}

#[test]
fn every_depth_learns_and_weights_are_half_the_f32_bytes() {
    let x = QInput::from_side(&[800, -900, 50]);
    let mut m1 = QGln1::<3, 3, 2, 4>::new(1, Config::DEFAULT);
    let mut m4 = QGln4::<3, 3, 4, 4, 4, 2, 4>::new(1, Config::DEFAULT);
    let (p1, p4) = (m1.predict(&x), m4.predict(&x));
    for _ in 0..50 {
        m1.learn(&x, true);
        m4.learn(&x, true);
    }
    assert!(m1.predict(&x) > p1 && m4.predict(&x) > p4);
    // Weights are i16: the integer model is at most about half the f32 model's bytes.
    type F = gln::Gln3<16, 16, 16, 16, 4, 16>;
    type Q = QGln3<16, 16, 16, 16, 4, 16>;
    assert_eq!(Q::WEIGHTS, F::WEIGHTS);
    assert!(
        2 * size_of::<Q>() <= size_of::<F>() + 2 * 4096,
        "{} vs {}",
        size_of::<Q>(),
        size_of::<F>()
    );
}

#[test]
fn a_saved_integer_model_loads_back_and_nothing_else_does() {
    let mut m = Small::new(5, Config::DEFAULT);
    let stream: Vec<[i16; 4]> = (0..300)
        .map(|t: i32| core::array::from_fn(|j| ((t * 911 + j as i32 * 3001) % 4000 - 2000) as i16))
        .collect();
    for (t, z) in stream.iter().enumerate().take(200) {
        m.learn_class(&QInput::from_side(z), t % 3).unwrap();
    }
    let mut buf = [0u8; Small::SAVED_BYTES];
    assert_eq!(m.save(&mut buf), Ok(Small::SAVED_BYTES));
    assert_eq!(
        u16::from_le_bytes([buf[6], buf[7]]),
        gln::persist::kind::INTEGER_GLN
    );
    let mut back = Small::new(0, Config::DEFAULT.with_beta(1.0));
    back.load(&buf).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.fingerprint(), m.fingerprint());
    for (t, z) in stream.iter().enumerate().skip(200) {
        let x = QInput::from_side(z);
        assert_eq!(back.learn_class(&x, t % 3), m.learn_class(&x, t % 3));
    }
    assert_eq!(back.fingerprint(), m.fingerprint());
    // The f32 GLN of the same shape refuses the bytes, and the integer GLN refuses its.
    type F32 = gln::Gln3<4, 4, 5, 3, 2, 4, 3>;
    assert!(matches!(
        F32::check(&buf),
        Err(Error::Persist(PersistError::WrongKind { .. }))
    ));
    let mut fbuf = [0u8; F32::SAVED_BYTES];
    F32::new(5, Config::DEFAULT).save(&mut fbuf).unwrap();
    assert!(matches!(
        Small::check(&fbuf),
        Err(Error::Persist(PersistError::WrongKind { .. }))
    ));
    // A weight that is not a multiple of 2^-12 (with a valid CRC) is refused, unchanged.
    let mut bad = buf;
    let w = f32::from_le_bytes(bad[128..132].try_into().unwrap());
    bad[128..132].copy_from_slice(&(w + 1.0 / 16384.0).to_le_bytes());
    let n = bad.len();
    let crc = crc32(&bad[..n - 4]);
    bad[n - 4..].copy_from_slice(&crc.to_le_bytes());
    let before = back.clone();
    assert!(matches!(
        back.load(&bad),
        Err(Error::Persist(PersistError::BadValue { offset: 128, .. }))
    ));
    assert_eq!(back, before);
}

fn rate() -> impl Strategy<Value = LearningRate> {
    (0.0f32..4.0, 0.0f32..0.1, prop::bool::ANY).prop_map(|(eta, floor, scaled)| LearningRate {
        schedule: Schedule::Constant { eta },
        floor,
        scale: if scaled {
            StepScale::HiddenFanIn { reference: 3.0 }
        } else {
            StepScale::None
        },
    })
}

proptest! {
    #[test]
    fn predictions_are_bounded_weights_boxed_and_learning_is_reproducible(
        seed in any::<u64>(),
        beta in 0.5f32..7.99,
        eps in 4e-4f32..0.3,
        lr in rate(),
        zero in prop::bool::ANY,
        stream in prop::collection::vec((any::<[i16; 4]>(), 0usize..3, prop::bool::ANY), 1..48),
    ) {
        let init = if zero { WeightInit::Zero } else { WeightInit::Average };
        let config =
            Config::DEFAULT.with_beta(beta).with_eps(eps).with_init(init).with_learning_rate(lr);
        let mut m = Small::new(seed, config);
        let mut twin = Small::new(seed, config);
        let clip = QClip::of(&config);
        let lo = fixed::squash(-clip.logit) as u16;
        let hi = fixed::squash(clip.logit) as u16;
        for (z, label, probs) in &stream {
            let x = if *probs {
                QInput::new(z, &z.map(|v| v as u16))
            } else {
                QInput::from_side(z)
            };
            let before = m.clone();
            let predicted = m.predict_all(&x);
            prop_assert_eq!(&m, &before);
            for p in predicted {
                prop_assert!((lo..=hi).contains(&p), "{} not in [{}, {}]", p, lo, hi);
            }
            let learned = m.learn_class(&x, *label).unwrap();
            prop_assert_eq!(learned, predicted);
            twin.learn_class(&x, *label).unwrap();
            let mut inside = true;
            m.for_each_weight(|w| inside &= w.abs() <= beta);
            prop_assert!(inside);
        }
        prop_assert_eq!(m.fingerprint(), twin.fingerprint());
        // Save-then-load is the identity.
        let mut buf = [0u8; Small::SAVED_BYTES];
        m.save(&mut buf).unwrap();
        let mut back = Small::new(seed ^ 1, Config::DEFAULT);
        back.load(&buf).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.fingerprint(), m.fingerprint());
    }
}
