//! `explain`: the contributions of the base inputs to an output logit.
//!
//! What is checked: the contributions sum to the output logit (within the stated tolerance),
//! the output is the very logit `predict_all` uses, the contributions are the derivative of
//! the logit when no clip binds and are reported as not being it when one does, and on a task
//! where one feature decides the label that feature dominates the explanation.

#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

use gln::math::sigmoid;
use gln::rng::SplitMix64;
use gln::{
    Config, Error, Explain, Explanation, Gln1, Gln2, Gln3, Gln4, Input, LearningRate, Network,
};

fn normals<const D: usize>(rng: &mut SplitMix64, scale: f32) -> [f32; D] {
    core::array::from_fn(|_| rng.next_normal() * scale)
}

/// `clamp(σ(s), eps, 1 − eps)`, how a network turns its output logit into a probability.
fn probability(s: f32, eps: f32) -> f32 {
    let p = sigmoid(s);
    let p = if p < eps { eps } else { p };
    if p > 1.0 - eps { 1.0 - eps } else { p }
}

/// Learns `steps` samples of a 3-class task on `x_0 + x_1 > 0`, `x_2 > 0.5`, else.
fn train<const D: usize, M: Network<D, D, 3>>(m: &mut M, steps: usize, scale: f32, seed: u64) {
    let mut rng = SplitMix64::new(seed);
    for _ in 0..steps {
        let z: [f32; D] = normals(&mut rng, scale);
        let label = if z[0] + z[1] > 0.0 {
            0
        } else if z[2] > 0.5 * scale {
            1
        } else {
            2
        };
        m.learn_class(&Input::from_side(&z).unwrap(), label)
            .unwrap();
    }
}

/// For every head of `m` on `samples` inputs: the sum is within tolerance, the output is the
/// logit `predict_all` turned into its probability (bit for bit), and the explanation is the
/// same through the trait. Returns (explanations that were linear, largest relative residual).
fn check_sums<const D: usize, M: Network<D, D, 3> + Explain<D, D, 3>>(
    m: &M,
    samples: usize,
    scale: f32,
) -> (usize, f32) {
    let eps = m.config().eps;
    let mut rng = SplitMix64::new(99);
    let (mut linear, mut worst) = (0, 0.0f32);
    for _ in 0..samples {
        let z: [f32; D] = normals(&mut rng, scale);
        let x = Input::from_side(&z).unwrap();
        let p = m.predict_all(&x);
        for (h, &ph) in p.iter().enumerate() {
            let e = m.explain(&x, h).unwrap();
            assert_eq!(
                probability(e.output, eps).to_bits(),
                ph.to_bits(),
                "head {h}"
            );
            assert!(
                e.within_tolerance(),
                "head {h}: residual {} for magnitude {}",
                e.residual(),
                e.magnitude()
            );
            worst = worst.max(e.residual().abs() / (1.0 + e.magnitude()));
            linear += usize::from(e.is_linear());
        }
    }
    (linear, worst)
}

#[test]
fn contributions_sum_to_the_logit_at_every_depth() {
    const D: usize = 24;
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.01));
    let mut m1 = Box::new(Gln1::<D, D, 3, 8, 3>::new(1, config));
    let mut m2 = Box::new(Gln2::<D, D, 12, 3, 8, 3>::new(2, config));
    let mut m3 = Box::new(Gln3::<D, D, 12, 6, 3, 8, 3>::new(3, config));
    let mut m4 = Box::new(Gln4::<D, D, 12, 6, 4, 3, 8, 3>::new(4, config));
    train(&mut *m1, 2000, 0.5, 7);
    train(&mut *m2, 2000, 0.5, 7);
    train(&mut *m3, 2000, 0.5, 7);
    train(&mut *m4, 2000, 0.5, 7);
    // Small inputs and a gentle rate: no clip binds, so every explanation is the linear map.
    let results = [
        check_sums(&*m1, 200, 0.5),
        check_sums(&*m2, 200, 0.5),
        check_sums(&*m3, 200, 0.5),
        check_sums(&*m4, 200, 0.5),
    ];
    for (depth, (linear, worst)) in results.iter().enumerate() {
        // Most explanations are linear (no clip bound); the sum is checked on all of them.
        println!(
            "depth {}: {linear}/600 linear, worst relative residual {worst:e}",
            depth + 1
        );
        assert!(*linear >= 400, "depth {}: {linear}/600 linear", depth + 1);
        // The measured error is well inside the stated tolerance.
        assert!(
            *worst < 0.5 * Explanation::<D>::TOLERANCE,
            "depth {}: {worst}",
            depth + 1
        );
    }
}

#[test]
fn contributions_are_the_derivative_when_no_clip_binds() {
    const D: usize = 16;
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.02));
    let mut m = Box::new(Gln3::<D, D, 8, 4, 3, 8, 3>::new(5, config));
    train(&mut *m, 3000, 0.5, 11);
    let mut rng = SplitMix64::new(12);
    let mut checked = 0;
    for _ in 0..20 {
        let side: [f32; D] = normals(&mut rng, 0.5);
        // Base logits apart from the side information, so moving one keeps every context.
        let base: [f32; D] = normals(&mut rng, 0.7);
        let x = Input::from_logits(&side, &base).unwrap();
        for h in 0..3 {
            let e = m.explain(&x, h).unwrap();
            if !e.is_linear() {
                continue; // a hidden neuron clipped: the next test is about that case
            }
            for j in 0..D {
                // The logit is linear in base logit j: a step of 0.25 moves it by a_j / 4.
                let mut moved = base;
                moved[j] += 0.25;
                let e2 = m
                    .explain(&Input::from_logits(&side, &moved).unwrap(), h)
                    .unwrap();
                if !e2.is_linear() {
                    continue;
                }
                let slope = (e2.output - e.output) / 0.25;
                let a_j = e.inputs[j] / base[j];
                assert!(
                    (slope - a_j).abs() <= 1e-4 * (1.0 + a_j.abs()) + 4e-6 * e.magnitude() / 0.25,
                    "head {h}, input {j}: derivative {slope}, explanation {a_j}"
                );
                checked += 1;
            }
        }
    }
    println!("{checked} of {} derivatives checked", 20 * 3 * D);
    assert!(checked >= 20 * 3 * D / 2, "{checked}");
}

#[test]
fn clipped_base_inputs_are_counted_and_the_sum_stays_exact() {
    const D: usize = 6;
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.02));
    let mut m = Gln2::<D, D, 4, 2, 4, 3>::new(8, config);
    train(&mut m, 2000, 0.5, 3);
    let bound = config.logit_bound();
    let side = [0.3f32, -0.2, 0.1, 0.0, 0.5, -0.4];
    // Inputs 1 and 4 beyond the bound (one of them infinite: probability 1).
    let base = [0.2f32, 9.0, -0.3, 0.1, f32::NEG_INFINITY, 0.4];
    let x = Input::from_logits(&side, &base).unwrap();
    for h in 0..3 {
        let e = m.explain(&x, h).unwrap();
        assert_eq!(e.clipped_inputs, 2);
        assert!(!e.is_linear());
        assert!(e.within_tolerance(), "{}", e.residual());
        // The clipped input enters with its clipped value ...
        let mut at_bound = base;
        at_bound[1] = bound;
        at_bound[4] = -bound;
        let e_bound = m
            .explain(&Input::from_logits(&side, &at_bound).unwrap(), h)
            .unwrap();
        assert_eq!(e_bound.clipped_inputs, 0);
        assert_eq!(e_bound.inputs, e.inputs);
        assert_eq!(e_bound.output.to_bits(), e.output.to_bits());
        // ... and moving it further changes nothing: its derivative is 0, not a_j.
        let mut further = base;
        further[1] = 20.0;
        let e_far = m
            .explain(&Input::from_logits(&side, &further).unwrap(), h)
            .unwrap();
        assert_eq!(e_far.output.to_bits(), e.output.to_bits());
        assert_ne!(e.inputs[1], 0.0);
    }
}

#[test]
fn a_clipped_hidden_neuron_keeps_the_sum_exact_but_is_not_the_derivative() {
    // One hidden neuron, trained until it is confident; then an input twice as strong
    // drives its logit past the bound.
    const D: usize = 4;
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.1));
    let mut m = Gln2::<D, D, 1, 1, 2>::new(1, config);
    let side = [1.0f32; D];
    let x = Input::from_logits(&side, &[1.0; D]).unwrap();
    for _ in 0..2000 {
        m.learn(&x, true);
    }
    let strong = Input::from_logits(&side, &[2.0; D]).unwrap();
    let e = m.explain(&strong, 0).unwrap();
    assert_eq!(e.clipped_neurons, 1, "{e:?}");
    assert_eq!(e.clipped_inputs, 0);
    assert!(!e.is_linear());
    assert!(e.within_tolerance(), "{}", e.residual());
    // Every input gets a share of the output...
    assert!(e.inputs.iter().all(|&c| c > 0.0), "{:?}", e.inputs);
    // ... but none moves it: through the clipped neuron the derivative is 0.
    for j in 0..D {
        let mut b = [2.0f32; D];
        b[j] = 2.5;
        let moved = m
            .explain(&Input::from_logits(&side, &b).unwrap(), 0)
            .unwrap();
        assert_eq!(moved.output.to_bits(), e.output.to_bits());
    }
    // Below the bound the same model is linear again.
    let weak = Input::from_logits(&side, &[0.1; D]).unwrap();
    let e = m.explain(&weak, 0).unwrap();
    assert!(e.is_linear(), "{e:?}");
    assert!(e.within_tolerance());
}

#[test]
fn the_only_feature_that_matters_dominates() {
    // Eight standard-normal features; the label is the sign of feature 3. Features 0-2 and
    // 4-7 are noise.
    const D: usize = 8;
    const KEY: usize = 3;
    let config = Config::DEFAULT.with_learning_rate(LearningRate::constant(0.02));
    let mut m = Gln2::<D, D, 8, 2, 4>::new(21, config);
    let mut rng = SplitMix64::new(5);
    for _ in 0..5000 {
        let z: [f32; D] = normals(&mut rng, 1.0);
        m.learn(&Input::from_side(&z).unwrap(), z[KEY] > 0.0);
    }
    let (mut dominant, mut correct) = (0, 0);
    let mut mean_abs = [0.0f32; D];
    let n = 1000;
    for _ in 0..n {
        let z: [f32; D] = normals(&mut rng, 1.0);
        let x = Input::from_side(&z).unwrap();
        correct += usize::from((m.predict(&x) > 0.5) == (z[KEY] > 0.0));
        let e = m.explain(&x, 0).unwrap();
        assert!(e.within_tolerance());
        dominant += usize::from(e.dominant() == KEY);
        for j in 0..D {
            mean_abs[j] += e.inputs[j].abs() / n as f32;
        }
    }
    println!(
        "accuracy {correct}/{n}, feature {KEY} dominant in {dominant}/{n}, mean |contribution| {mean_abs:?}"
    );
    assert!(
        correct > 900,
        "the model did not learn the task: {correct}/{n}"
    );
    assert!(
        dominant > 900,
        "feature {KEY} dominated {dominant}/{n} explanations"
    );
    let noise = mean_abs
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != KEY)
        .map(|(_, v)| *v)
        .fold(0.0f32, f32::max);
    assert!(
        mean_abs[KEY] > 5.0 * noise,
        "mean |contribution| {mean_abs:?}"
    );
}

#[test]
fn a_head_out_of_range_is_an_error_and_changes_nothing() {
    let mut m = Gln2::<3, 3, 4, 2, 4, 2>::new(1, Config::DEFAULT);
    let z = [0.1f32, 0.2, 0.3];
    let x = Input::from_side(&z).unwrap();
    m.learn_class(&x, 1).unwrap();
    let before = m.fingerprint();
    assert_eq!(
        m.explain(&x, 2),
        Err(Error::LabelOutOfRange {
            label: 2,
            classes: 2
        })
    );
    assert_eq!(m.fingerprint(), before);
    assert!(m.explain(&x, 1).is_ok());
}
