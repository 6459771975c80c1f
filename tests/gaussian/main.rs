//! Gaussian GLN `explain`: the contributions of the base Gaussians to the predicted mean and
//! precision.
//!
//! What is checked: the prediction explained is bit for bit `predict_all`'s; both
//! decompositions sum to their output (within the stated tolerance) at every depth, bound or
//! not; when nothing binds they are the local linear maps (`μ_j ∂μ/∂μ_j`, `λ_j ∂π/∂λ_j`,
//! checked by moving one input); where the variance projection binds the precision
//! decomposition is reported as not the derivative (and is not) while the mean's still is;
//! where a base mean is clipped the explanation is the one at the clip bound; the weight box
//! changes nothing; and on a regression where one input is the target, that input dominates.

#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

// The Gaussian GLN: this file (explanations) and its parity scenario.
mod parity;

use gln::gaussian::{
    Gaussian, GaussianConfig, GaussianExplain, GaussianExplanation, GaussianGln1, GaussianGln2,
    GaussianGln3, GaussianGln4, GaussianInput, GaussianNetwork,
};
use gln::rng::SplitMix64;
use gln::{Error, Explanation, LearningRate};

const F: usize = 6;

fn normals<const D: usize>(rng: &mut SplitMix64, scale: f32) -> [f32; D] {
    core::array::from_fn(|_| rng.next_normal() * scale)
}

/// Variances in `[0.25, 4]` (inside the default bounds).
fn variances<const D: usize>(rng: &mut SplitMix64) -> [f32; D] {
    core::array::from_fn(|_| 0.25 + 3.75 * rng.next_f32())
}

/// A gated regression over `F` features: two targets (for two heads).
fn targets(x: &[f32; F], rng: &mut SplitMix64) -> [f32; 2] {
    let a = if x[0] > 0.0 { 1.5 * x[1] } else { -x[2] } + 0.1 * rng.next_normal();
    let b = 0.5 * x[3] - 0.25 * x[4] + 0.1 * rng.next_normal();
    [a, b]
}

fn train<M: GaussianNetwork<F, F, 2>>(m: &mut M, steps: usize, seed: u64) {
    let mut rng = SplitMix64::new(seed);
    for _ in 0..steps {
        let x: [f32; F] = normals(&mut rng, 1.0);
        let v: [f32; F] = variances(&mut rng);
        let t = targets(&x, &mut rng);
        m.learn_targets(&GaussianInput::with_variances(&x, &x, &v).unwrap(), &t)
            .unwrap();
    }
}

fn relative(e: &Explanation<F>) -> f32 {
    e.residual().abs() / (1.0 + e.magnitude())
}

/// What [`check_sums`] saw: explanations, linear ones (mean, precision), projected ones,
/// and the largest relative residuals (mean, precision).
#[derive(Debug, Default)]
struct Seen {
    total: usize,
    mean_linear: usize,
    precision_linear: usize,
    projected: usize,
    worst_mean: f32,
    worst_precision: f32,
}

/// For both heads of `m` on `samples` inputs: the prediction is `predict_all`'s bit for bit,
/// the outputs are its mean and `1 / variance`, both sums are within tolerance, and the trait
/// gives the same explanation.
fn check_sums<M: GaussianNetwork<F, F, 2> + GaussianExplain<F, F, 2>>(
    m: &M,
    samples: usize,
    scale: f32,
    explain: impl Fn(&GaussianInput<'_, F, F>, usize) -> GaussianExplanation<F>,
) -> Seen {
    let mut rng = SplitMix64::new(99);
    let mut seen = Seen::default();
    for _ in 0..samples {
        let x: [f32; F] = normals(&mut rng, scale);
        let v: [f32; F] = variances(&mut rng);
        let input = GaussianInput::with_variances(&x, &x, &v).unwrap();
        let p = m.predict_all(&input);
        for (h, ph) in p.iter().enumerate() {
            let e = explain(&input, h);
            assert_eq!(e, GaussianExplain::explain(m, &input, h).unwrap());
            assert_eq!(e.prediction, *ph, "head {h}");
            assert_eq!(e.mean.output.to_bits(), ph.mean.to_bits());
            assert_eq!(e.precision.output.to_bits(), (1.0 / ph.variance).to_bits());
            assert!(
                e.within_tolerance(),
                "head {h}: residuals {} / {} for magnitudes {} / {}",
                e.mean.residual(),
                e.precision.residual(),
                e.mean.magnitude(),
                e.precision.magnitude()
            );
            seen.total += 1;
            seen.worst_mean = seen.worst_mean.max(relative(&e.mean));
            seen.worst_precision = seen.worst_precision.max(relative(&e.precision));
            seen.mean_linear += usize::from(e.mean.is_linear());
            seen.precision_linear += usize::from(e.precision.is_linear());
            seen.projected += usize::from(e.precision.clipped_neurons > 0);
        }
    }
    seen
}

fn cfg(eta: f32) -> GaussianConfig {
    GaussianConfig::DEFAULT.with_learning_rate(LearningRate::constant(eta))
}

#[test]
fn contributions_sum_to_the_mean_and_the_precision_at_every_depth() {
    let mut m1 = GaussianGln1::<F, F, 3, 8, 2>::new(1, cfg(0.02));
    let mut m2 = GaussianGln2::<F, F, 8, 3, 8, 2>::new(2, cfg(0.02));
    let mut m3 = GaussianGln3::<F, F, 8, 6, 3, 8, 2>::new(3, cfg(0.02));
    let mut m4 = GaussianGln4::<F, F, 8, 6, 4, 3, 8, 2>::new(4, cfg(0.02));
    train(&mut m1, 3000, 7);
    train(&mut m2, 3000, 7);
    train(&mut m3, 3000, 7);
    train(&mut m4, 3000, 7);
    let results = [
        check_sums(&m1, 300, 1.0, |x, h| m1.explain(x, h).unwrap()),
        check_sums(&m2, 300, 1.0, |x, h| m2.explain(x, h).unwrap()),
        check_sums(&m3, 300, 1.0, |x, h| m3.explain(x, h).unwrap()),
        check_sums(&m4, 300, 1.0, |x, h| m4.explain(x, h).unwrap()),
    ];
    for (depth, s) in results.iter().enumerate() {
        println!("depth {}: {s:?}", depth + 1);
        // Inputs inside every bound and a gentle rate: most explanations bind nothing.
        assert!(s.mean_linear == s.total, "depth {}: {s:?}", depth + 1);
        assert!(
            s.precision_linear >= s.total / 2,
            "depth {}: {s:?}",
            depth + 1
        );
        // The measured error is well inside the stated tolerance.
        assert!(
            s.worst_mean < 0.5 * Explanation::<F>::TOLERANCE
                && s.worst_precision < 0.5 * Explanation::<F>::TOLERANCE,
            "depth {}: {s:?}",
            depth + 1
        );
    }
    assert_eq!(
        m3.explain(&GaussianInput::from_side(&[0.0; F], 1.0).unwrap(), 2),
        Err(Error::LabelOutOfRange {
            label: 2,
            classes: 2
        })
    );
}

/// The predicted precision `1 / variance`.
fn precision(p: Gaussian) -> f32 {
    1.0 / p.variance
}

#[test]
fn contributions_are_the_derivative_when_nothing_binds() {
    let mut m = GaussianGln3::<F, F, 8, 6, 3, 8, 2>::new(5, cfg(0.02));
    train(&mut m, 4000, 11);
    let mut rng = SplitMix64::new(12);
    let (mut checked_mean, mut checked_prec, mut worst_mean, mut worst_prec) =
        (0, 0, 0.0f32, 0.0f32);
    for _ in 0..200 {
        let x: [f32; F] = normals(&mut rng, 1.0);
        let v: [f32; F] = variances(&mut rng);
        let input = GaussianInput::with_variances(&x, &x, &v).unwrap();
        for h in 0..2 {
            let e = m.explain(&input, h).unwrap();
            // The mean is linear in the base means (the side information, hence the gating,
            // stays): removing base mean j removes exactly its contribution.
            if e.mean.is_linear() {
                let w = e.weights();
                for j in 0..F {
                    let mut x0 = x;
                    x0[j] = 0.0;
                    let moved = GaussianInput::with_variances(&x, &x0, &v).unwrap();
                    let p0 = m.predict_all(&moved)[h];
                    let diff = e.prediction.mean - p0.mean;
                    let err = (diff - e.mean.inputs[j]).abs() / (1.0 + e.mean.magnitude());
                    assert!(
                        err < 1e-5,
                        "head {h} input {j}: {diff} vs {}",
                        e.mean.inputs[j]
                    );
                    worst_mean = worst_mean.max(err);
                    // Its contribution is its weight times its mean.
                    let ew = (w[j] * x[j] - e.mean.inputs[j]).abs() / (1.0 + e.mean.magnitude());
                    assert!(ew < 1e-5, "{} vs {}", w[j] * x[j], e.mean.inputs[j]);
                }
                checked_mean += 1;
            }
            // The precision is linear in the base precisions: doubling λ_j adds its
            // contribution once more.
            if e.precision.is_linear() {
                for j in 0..F {
                    let mut v2 = v;
                    v2[j] = 0.5 * v[j];
                    let moved = GaussianInput::with_variances(&x, &x, &v2).unwrap();
                    let e2 = m.explain(&moved, h).unwrap();
                    if !e2.precision.is_linear() {
                        continue; // the doubled precision made a row project
                    }
                    let diff = precision(e2.prediction) - precision(e.prediction);
                    let err =
                        (diff - e.precision.inputs[j]).abs() / (1.0 + e2.precision.magnitude());
                    assert!(
                        err < 1e-5,
                        "head {h} input {j}: {diff} vs {}",
                        e.precision.inputs[j]
                    );
                    worst_prec = worst_prec.max(err);
                    checked_prec += 1;
                }
            }
        }
    }
    println!(
        "mean derivative checked on {checked_mean} explanations (worst {worst_mean:e}), \
         precision on {checked_prec} inputs (worst {worst_prec:e})"
    );
    assert!(
        checked_mean >= 300 && checked_prec >= 600,
        "{checked_mean} {checked_prec}"
    );
}

#[test]
fn where_the_variance_projection_binds() {
    // A noiseless target: the model grows confident until its precision meets the bound
    // 1/sigma2_min, and the output neuron's row is projected.
    let config = cfg(0.1).with_variance_bounds(0.05, 100.0);
    let mut m = GaussianGln2::<F, F, 4, 1, 2>::new(3, config);
    let mut rng = SplitMix64::new(4);
    for _ in 0..3000 {
        let x: [f32; F] = normals(&mut rng, 1.0);
        m.learn(&GaussianInput::from_side(&x, 1.0).unwrap(), x[2])
            .unwrap();
    }
    let (mut projected, mut pinned) = (0, 0);
    let (mut worst_mean, mut worst_prec) = (0.0f32, 0.0f32);
    for _ in 0..300 {
        let x: [f32; F] = normals(&mut rng, 1.0);
        let input = GaussianInput::from_side(&x, 1.0).unwrap();
        let e = m.explain(&input, 0).unwrap();
        assert!(e.within_tolerance(), "{e:?}");
        worst_mean = worst_mean.max(relative(&e.mean));
        worst_prec = worst_prec.max(relative(&e.precision));
        if e.precision.clipped_neurons == 0 {
            continue;
        }
        projected += 1;
        assert!(!e.precision.is_linear() && !e.is_linear());
        // The mean stays exactly linear in the base means: the projection depends on the
        // precisions only.
        assert!(e.mean.is_linear());
        for j in 0..F {
            let mut x0 = x;
            x0[j] = 0.0;
            let p0 = m.predict(&GaussianInput::new(&x, &x0, 1.0).unwrap());
            let diff = e.prediction.mean - p0.mean;
            assert!(
                (diff - e.mean.inputs[j]).abs() < 1e-5 * (1.0 + e.mean.magnitude()),
                "input {j}: {diff} vs {}",
                e.mean.inputs[j]
            );
        }
        // When the output neuron is at the bound, doubling a base precision leaves the
        // predicted precision where it is: the precision contributions are an exact split,
        // not the derivative (which is 0 there).
        if e.prediction.variance == config.sigma2_min {
            pinned += 1;
            let top = e.precision.dominant();
            assert!(e.precision.inputs[top].abs() > 1.0, "{e:?}");
            let mut v2 = [1.0f32; F];
            v2[top] = 0.5;
            let p2 = m.predict(&GaussianInput::with_variances(&x, &x, &v2).unwrap());
            assert_eq!(p2.variance, config.sigma2_min);
        }
    }
    println!(
        "{projected}/300 explanations with a projected row, {pinned} at the bound; worst \
         relative residuals: mean {worst_mean:e}, precision {worst_prec:e}"
    );
    assert!(projected >= 100 && pinned >= 50, "{projected} {pinned}");
}

#[test]
fn a_clipped_base_mean_enters_at_the_clip_bound() {
    let config = cfg(0.02).with_mean_bound(2.0);
    let mut m = GaussianGln2::<F, F, 8, 3, 8, 2>::new(6, config);
    train(&mut m, 2000, 3);
    let mut rng = SplitMix64::new(5);
    let mut clipped = 0;
    for _ in 0..200 {
        let x: [f32; F] = normals(&mut rng, 2.0);
        let v: [f32; F] = variances(&mut rng);
        let input = GaussianInput::with_variances(&x, &x, &v).unwrap();
        let at_bound = x.map(|m| m.clamp(-2.0, 2.0));
        let bounded = GaussianInput::with_variances(&x, &at_bound, &v).unwrap();
        for h in 0..2 {
            let e = m.explain(&input, h).unwrap();
            let eb = m.explain(&bounded, h).unwrap();
            let n = x.iter().filter(|m| m.abs() > 2.0).count();
            assert_eq!(e.mean.clipped_inputs, n);
            assert_eq!(eb.mean.clipped_inputs, 0);
            assert!(e.within_tolerance());
            // The same explanation as at the bound, apart from the count.
            assert_eq!(e.mean.inputs, eb.mean.inputs);
            assert_eq!(e.precision, eb.precision);
            clipped += usize::from(n > 0);
        }
    }
    assert!(clipped >= 100, "{clipped}");
}

#[test]
fn the_weight_box_changes_nothing_in_an_explanation() {
    let beta = 0.3;
    let mut m = GaussianGln2::<F, F, 8, 3, 8, 2>::new(8, cfg(0.05).with_beta(beta));
    train(&mut m, 3000, 9);
    let mut at_box = 0;
    m.for_each_weight(|w| at_box += usize::from(w.abs() == beta));
    assert!(at_box >= 20, "the box bound only {at_box} times");
    let mut rng = SplitMix64::new(10);
    let mut checked = 0;
    for _ in 0..100 {
        let x: [f32; F] = normals(&mut rng, 1.0);
        let input = GaussianInput::from_side(&x, 1.0).unwrap();
        for h in 0..2 {
            let e = m.explain(&input, h).unwrap();
            assert!(e.within_tolerance());
            if !e.mean.is_linear() {
                continue;
            }
            for j in 0..F {
                let mut x0 = x;
                x0[j] = 0.0;
                let p0 = m.predict_all(&GaussianInput::new(&x, &x0, 1.0).unwrap())[h];
                let diff = e.prediction.mean - p0.mean;
                assert!((diff - e.mean.inputs[j]).abs() < 1e-5 * (1.0 + e.mean.magnitude()));
            }
            checked += 1;
        }
    }
    println!("the box bound {at_box} weights; derivative checked on {checked} explanations");
    assert!(checked >= 150, "{checked}");
}

#[test]
fn the_input_that_is_the_target_dominates() {
    // Eight standard-normal features; the target is feature 3 plus a little noise. The
    // features are both the side information and the base means (variance 1).
    const G: usize = 8;
    let mut m = GaussianGln2::<G, G, 8, 2, 4>::new(21, cfg(0.02));
    let mut rng = SplitMix64::new(22);
    for _ in 0..4000 {
        let x: [f32; G] = normals(&mut rng, 1.0);
        let y = x[3] + 0.1 * rng.next_normal();
        m.learn(&GaussianInput::from_side(&x, 1.0).unwrap(), y)
            .unwrap();
    }
    let (mut mean_top, mut weight_top, mut prec_top) = (0, 0, 0);
    let (mut away, mut away_top) = (0, 0);
    let mut mag = [0.0f64; G];
    let mut weight = [0.0f64; G];
    for _ in 0..1000 {
        let x: [f32; G] = normals(&mut rng, 1.0);
        let e = m
            .explain(&GaussianInput::from_side(&x, 1.0).unwrap(), 0)
            .unwrap();
        assert!(e.within_tolerance());
        mean_top += usize::from(e.mean.dominant() == 3);
        // A mean contribution is weight times mean: where x_3 is near 0, so is its share.
        if x[3].abs() > 0.5 {
            away += 1;
            away_top += usize::from(e.mean.dominant() == 3);
        }
        prec_top += usize::from(e.precision.dominant() == 3);
        let w = e.weights();
        let wmax = (0..G).max_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap();
        weight_top += usize::from(wmax == 3);
        for j in 0..G {
            mag[j] += e.mean.inputs[j].abs() as f64 / 1000.0;
            weight[j] += w[j] as f64 / 1000.0;
        }
    }
    println!(
        "input 3 is the largest mean contribution in {mean_top}/1000 ({away_top}/{away} where \
         |x_3| > 0.5), the largest weight in {weight_top}/1000, the largest precision \
         contribution in {prec_top}/1000"
    );
    println!("mean |contribution|: {mag:.3?}");
    println!("mean weight: {weight:.3?}");
    let other = (0..G)
        .filter(|&j| j != 3)
        .map(|j| mag[j])
        .fold(0.0, f64::max);
    assert!(mean_top >= 850 && weight_top > 950 && prec_top > 950);
    assert!(away_top as f64 > 0.97 * away as f64, "{away_top}/{away}");
    assert!(mag[3] > 5.0 * other, "{mag:?}");
}
