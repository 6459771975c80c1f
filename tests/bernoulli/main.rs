//! Behaviour of the public network API: determinism, no mutation on predict, rejected input,
//! learning on simple tasks at every depth, static placement, sizes.

// The Bernoulli GLN: this file (learning, shapes, rejected input), explanations, persistence.
#[path = "../common/mod.rs"]
mod common;
mod explain;
mod persist;

use gln::{
    Config, Error, Gln1, Gln2, Gln3, Gln4, Input, LearningRate, Network, Schedule, Standardizer,
    WeightInit,
};

/// A deterministic stream: `D` features in roughly [-3, 3] and a label from a fixed rule.
struct Stream {
    state: u64,
}

impl Stream {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }
    fn uniform(&mut self) -> f32 {
        self.state = self
            .state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.state >> 40) as f32 / (1u64 << 24) as f32) * 6.0 - 3.0
    }
    fn sample<const D: usize>(&mut self) -> [f32; D] {
        core::array::from_fn(|_| self.uniform())
    }
}

/// A non-linear binary rule a GLN can learn: the sign of `z0 * z1 + 0.5 z2`.
fn rule<const D: usize>(z: &[f32; D]) -> bool {
    z[0] * z[1] + 0.5 * z[2] > 0.0
}

fn bits<M: Network<D, B, N>, const D: usize, const B: usize, const N: usize>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.for_each_weight(&mut |w| v.push(w.to_bits()));
    v
}

fn accuracy_after<M: Network<6, 6, 1>>(m: &mut M, steps: usize) -> f64 {
    let mut s = Stream::new(3);
    for _ in 0..steps {
        let z = s.sample::<6>();
        m.learn_targets(&Input::from_side(&z).unwrap(), &[rule(&z)]);
    }
    let mut ok = 0;
    for _ in 0..2000 {
        let z = s.sample::<6>();
        let p = m.predict_all(&Input::from_side(&z).unwrap())[0];
        ok += usize::from((p > 0.5) == rule(&z));
    }
    ok as f64 / 2000.0
}

const LEARN: Config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.05));

#[test]
fn every_depth_learns_a_nonlinear_rule() {
    // A single gated neuron is a piecewise-linear model: it learns, but less.
    let a1 = accuracy_after(&mut Gln1::<6, 6, 6, 64>::new(1, LEARN), 20_000);
    let a2 = accuracy_after(&mut Gln2::<6, 6, 16, 4, 16>::new(1, LEARN), 20_000);
    let a3 = accuracy_after(&mut Gln3::<6, 6, 16, 8, 4, 16>::new(1, LEARN), 20_000);
    let a4 = accuracy_after(&mut Gln4::<6, 6, 16, 8, 8, 4, 16>::new(1, LEARN), 20_000);
    println!("accuracy: 1 layer {a1:.3}, 2 layers {a2:.3}, 3 layers {a3:.3}, 4 layers {a4:.3}");
    for (depth, a) in [(1, a1), (2, a2), (3, a3), (4, a4)] {
        assert!(a > 0.85, "{depth} layers: {a}");
    }
    // A constant guess gets about half right: the networks beat it by far.
    assert!(a3 > 0.9, "{a3}");
}

#[test]
fn same_seed_same_bits_different_seed_different_bits() {
    type M = Gln3<6, 6, 8, 4, 3, 8>;
    let run = |seed: u64| {
        let mut m = M::new(seed, LEARN);
        let mut s = Stream::new(9);
        let mut preds = Vec::new();
        for _ in 0..3000 {
            let z = s.sample::<6>();
            preds.push(m.learn(&Input::from_side(&z).unwrap(), rule(&z)).to_bits());
        }
        (m.fingerprint(), bits(&m), preds)
    };
    let (f1, w1, p1) = run(5);
    let (f2, w2, p2) = run(5);
    assert_eq!((f1, &w1, &p1), (f2, &w2, &p2));
    let (f3, w3, _) = run(6);
    assert_ne!(f1, f3);
    assert_ne!(w1, w3);
}

#[test]
fn predict_never_mutates_and_learn_returns_the_prediction_before_the_update() {
    let mut m = Gln2::<6, 6, 8, 4, 16, 3>::new(2, LEARN);
    let mut s = Stream::new(4);
    for i in 0..500 {
        let z = s.sample::<6>();
        let x = Input::from_side(&z).unwrap();
        let (fp, w) = (m.fingerprint(), bits(&m));
        let before = m.predict_all(&x);
        let class = m.predict_class(&x);
        assert_eq!(
            (m.fingerprint(), bits(&m)),
            (fp, w),
            "predict changed the model"
        );
        let returned = m.learn_class(&x, i % 3).unwrap();
        assert_eq!(returned.map(f32::to_bits), before.map(f32::to_bits));
        assert_eq!(class, gln::argmax(&before));
        assert_ne!(m.fingerprint(), fp);
    }
    assert_eq!(m.steps(), 500);
}

#[test]
fn a_rejected_call_leaves_the_model_bit_identical() {
    let mut m = Gln3::<4, 4, 8, 4, 2, 4, 5>::new(3, LEARN);
    let mut s = Stream::new(8);
    for i in 0..200 {
        let z = s.sample::<4>();
        m.learn_class(&Input::from_side(&z).unwrap(), i % 5)
            .unwrap();
    }
    let snapshot = m.clone();
    let (fp, w, steps) = (m.fingerprint(), bits(&m), m.steps());
    let z = [0.5f32, -0.5, 1.0, 0.0];
    let x = Input::from_side(&z).unwrap();
    assert_eq!(
        m.learn_class(&x, 5),
        Err(Error::LabelOutOfRange {
            label: 5,
            classes: 5
        })
    );
    assert_eq!(
        m.learn_class(&x, usize::MAX),
        Err(Error::LabelOutOfRange {
            label: usize::MAX,
            classes: 5
        })
    );
    // Bad features never become an Input, so they cannot reach a weight.
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let z = [0.5, bad, 1.0, 0.0];
        assert_eq!(
            Input::<4, 4>::from_side(&z),
            Err(Error::NonFinite { index: 1 })
        );
    }
    assert_eq!(
        Input::<4, 4>::from_side_slice(&[0.0; 3]),
        Err(Error::WrongLength {
            expected: 4,
            found: 3
        })
    );
    assert_eq!((m.fingerprint(), bits(&m), m.steps()), (fp, w, steps));
    assert!(m == snapshot);
}

#[test]
fn extreme_inputs_keep_weights_in_the_box_and_predictions_in_range() {
    let config = Config::DEFAULT
        .with_beta(2.0)
        .with_learning_rate(LearningRate::constant(0.5));
    let mut m = Gln3::<3, 3, 8, 8, 3, 8>::new(4, config);
    let mut s = Stream::new(2);
    let extremes = [3.0e38f32, -3.0e38, 1e-45, -1e-45, 0.0, 1e10, -1e10];
    for i in 0..20_000usize {
        let mut z = s.sample::<3>();
        z[i % 3] = extremes[i % extremes.len()];
        let p = m.learn(&Input::from_side(&z).unwrap(), i % 2 == 0);
        assert!((0.01..=0.99).contains(&p), "{p}");
    }
    let mut n = 0;
    m.for_each_weight(|w| {
        assert!(w.is_finite() && w.abs() <= 2.0, "{w}");
        n += 1;
    });
    assert_eq!(n, Gln3::<3, 3, 8, 8, 3, 8>::WEIGHTS);
}

/// Built at compile time by the `const fn` constructor.
static STATIC_MODEL: Gln3<8, 8, 8, 4, 4, 16> = Gln3::new(11, Config::DEFAULT);

#[test]
fn a_static_model_equals_one_built_at_run_time() {
    let runtime = Gln3::<8, 8, 8, 4, 4, 16>::new(11, Config::DEFAULT);
    assert_eq!(STATIC_MODEL.fingerprint(), runtime.fingerprint());
    // Boxed (std): the same bits again.
    let boxed = Box::new(Gln3::<8, 8, 8, 4, 4, 16>::new(11, Config::DEFAULT));
    assert_eq!(boxed.fingerprint(), runtime.fingerprint());
}

#[test]
fn reset_returns_to_the_initial_state() {
    let fresh = Gln2::<4, 4, 4, 2, 4>::new(1, LEARN);
    let mut m = fresh.clone();
    let z = [1.0f32, -1.0, 0.5, 0.25];
    for _ in 0..50 {
        m.learn(&Input::from_side(&z).unwrap(), true);
    }
    assert_ne!(m.fingerprint(), fresh.fingerprint());
    m.reset();
    assert_eq!(m.fingerprint(), fresh.fingerprint());
    assert_eq!(m.steps(), 0);
}

#[test]
fn one_vs_all_moves_the_labelled_head_up_and_the_others_down() {
    let mut m = Gln2::<2, 2, 4, 1, 2, 4>::new(1, Config::DEFAULT.with_init(WeightInit::Zero));
    let z = [0.7f32, -0.2];
    let x = Input::from_side(&z).unwrap();
    let before = m.predict_all(&x);
    m.learn_class(&x, 2).unwrap();
    let after = m.predict_all(&x);
    assert!(after[2] > before[2]);
    for i in [0, 1, 3] {
        assert!(after[i] < before[i], "head {i}");
    }
}

#[test]
fn model_size_is_the_documented_formula() {
    // Weights and hyperplanes are the whole RAM but for a fixed overhead (config, seed, steps).
    fn overhead<T>(weights: usize, planes: usize, rows: usize) -> usize {
        // 4 bytes per weight, per plane value, and per row bound.
        size_of::<T>() - 4 * (weights + planes + rows)
    }
    type A = Gln3<784, 784, 4, 4, 4, 16, 10>;
    type B = Gln2<16, 16, 16, 4, 16>;
    type C = Gln1<3, 3, 1, 2>;
    let rows_a = 10 * (4 + 4 + 1) * 16;
    let rows_b = (16 + 1) * 16;
    let rows_c = 2;
    let o = overhead::<A>(A::WEIGHTS, A::PLANE_VALUES, rows_a);
    assert_eq!(o, overhead::<B>(B::WEIGHTS, B::PLANE_VALUES, rows_b));
    assert_eq!(o, overhead::<C>(C::WEIGHTS, C::PLANE_VALUES, rows_c));
    assert!(o <= 64, "{o}");
    println!("fixed overhead: {o} bytes; size_of A = {}", size_of::<A>());
}

#[test]
fn decaying_schedules_and_the_floor_drive_the_step() {
    // With a zero learning rate nothing moves; with a floor it keeps moving.
    let frozen = LearningRate {
        schedule: Schedule::InverseTime { c: 0.0, max: 0.1 },
        floor: 0.0,
        scale: gln::StepScale::None,
    };
    let mut m = Gln1::<2, 2, 1, 2>::new(1, Config::DEFAULT.with_learning_rate(frozen));
    let fp = bits(&m);
    let z = [1.0f32, 1.0];
    m.learn(&Input::from_side(&z).unwrap(), true);
    assert_eq!(bits(&m), fp);
    let floored = LearningRate {
        floor: 0.01,
        ..frozen
    };
    let mut m = Gln1::<2, 2, 1, 2>::new(1, Config::DEFAULT.with_learning_rate(floored));
    m.learn(&Input::from_side(&z).unwrap(), true);
    assert_ne!(bits(&m), fp);
}

#[test]
fn invalid_config_is_an_error_from_try_new() {
    let e = Gln1::<2, 2, 1, 2>::try_new(1, Config::DEFAULT.with_eps(0.7));
    assert_eq!(
        e.err(),
        Some(Error::InvalidConfig("eps must be in (0, 0.5)"))
    );
}

#[test]
fn standardized_stream_end_to_end() {
    // Raw sensor-like values with a large offset and scale: standardisation makes them usable.
    let mut scale = Standardizer::<3>::new(1e-3);
    let mut m = Gln2::<3, 3, 8, 3, 8>::new(1, LEARN);
    let mut s = Stream::new(12);
    let mut correct = 0;
    for i in 0..20_000 {
        let u = s.sample::<3>();
        let raw = [1000.0 + 50.0 * u[0], 0.001 * u[1], -20.0 + u[2]];
        let z = scale.update_transform(&raw).unwrap();
        let p = m.learn(&Input::from_side(&z).unwrap(), u[0] + u[1] > 0.0);
        if i >= 10_000 {
            correct += usize::from((p > 0.5) == (u[0] + u[1] > 0.0));
        }
    }
    assert!(correct > 9_000, "{correct}");
}
