//! What a Gaussian GLN does beyond the generic network: predict, learn and score through
//! [`GaussianInput`]s, and the [`GaussianNetwork`] trait for code generic over the depth.
//!
//! The same shape rules as the Bernoulli networks ([`crate::Gln3`]): side-information size
//! `D`, base Gaussians `B`, hidden widths `H1, H2, ...`, halfspaces per neuron `K`, contexts
//! `C = 2^K`, heads `N` (targets predicted at once, sharing the hyperplanes; 1 by default).
//! The aliases [`GaussianGln1`](crate::gaussian::GaussianGln1) to
//! [`GaussianGln4`](crate::gaussian::GaussianGln4) name the shapes.

use crate::Error;
use crate::error::check_finite;
use crate::gaussian::family::{GaussianFamily, Params, output};
use crate::gaussian::layer::{Bounds, Prepared};
use crate::gaussian::{Gaussian, GaussianConfig, GaussianInput};
use crate::math::clamp;
use crate::net::{Model, Net, Stack};

impl<const D: usize, const B: usize, S: Stack<GaussianFamily, D, B>, const N: usize>
    Net<GaussianFamily, D, B, S, N>
{
    /// The predicted Gaussian of each head's target for `x`: variance within
    /// `[sigma2_min, sigma2_max]`, mean within `±mean_bound`. No learning, no mutation.
    pub fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N] {
        let p = self.params();
        let base = Prepared::new(x.means(), x.variances(), &p.b);
        self.outputs(x.side(), &base, &p).map(|m| output(m, &p.b))
    }

    /// Learns one sample with a target for every head; returns each head's prediction
    /// *before* the update (equal to [`Self::predict_all`]), so a stream can be scored
    /// before it is learned.
    ///
    /// Each layer is updated from the outputs it computed before its update, and those
    /// pre-update outputs feed the next layer. Targets are clipped to `±mean_bound` for
    /// learning.
    ///
    /// # Errors
    /// [`Error::NonFinite`] with the index of the first NaN or infinite target; nothing
    /// changes then.
    pub fn learn_targets(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        targets: &[f32; N],
    ) -> Result<[Gaussian; N], Error> {
        check_finite(targets)?;
        let p = self.params();
        let base = Prepared::new(x.means(), x.variances(), &p.b);
        let y = targets.map(|t| clamp(t, -p.b.mean, p.b.mean));
        Ok(self
            .learn_outputs(x.side(), &base, &y, &p)
            .map(|m| output(m, &p.b)))
    }

    /// Learns one sample whose targets depend on the prediction: `target(head, p)` gives
    /// each head's target from its pre-update prediction `p` (for example a robust target,
    /// limited to a few σ around the prediction). Returns the pre-update predictions. One
    /// forward pass: the same bits as [`Self::predict_all`] followed by
    /// [`Self::learn_targets`] with those targets, at about two thirds of the cost.
    ///
    /// # Errors
    /// [`Error::NonFinite`] with the index of the first head whose target is NaN or
    /// infinite; nothing changes then.
    pub fn learn_with(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        mut target: impl FnMut(usize, &Gaussian) -> f32,
    ) -> Result<[Gaussian; N], Error> {
        let p = self.params();
        let base = Prepared::new(x.means(), x.variances(), &p.b);
        let mut out = [Gaussian {
            mean: 0.0,
            variance: 1.0,
        }; N];
        self.learn_outputs_with(x.side(), &base, &p, |m| {
            let mut targets = [0.0f32; N];
            for (h, ((t, o), m)) in targets.iter_mut().zip(out.iter_mut()).zip(m).enumerate() {
                *o = output(*m, &p.b);
                *t = target(h, o);
            }
            check_finite(&targets)?;
            Ok(targets.map(|t| clamp(t, -p.b.mean, p.b.mean)))
        })?;
        Ok(out)
    }

    pub(super) fn params(&self) -> Params {
        let c = &self.config;
        Params {
            b: Bounds::new(c.sigma2_min, c.sigma2_max, c.beta, c.mean_bound),
            normalized: c.normalized,
        }
    }
}

impl<const D: usize, const B: usize, S: Stack<GaussianFamily, D, B>>
    Net<GaussianFamily, D, B, S, 1>
{
    /// The predicted Gaussian of the target for `x`. No learning, no mutation.
    pub fn predict(&self, x: &GaussianInput<'_, D, B>) -> Gaussian {
        let [p] = self.predict_all(x);
        p
    }

    /// Learns one sample with target `y`; returns the prediction made *before* the update.
    ///
    /// # Errors
    /// [`Error::NonFinite`] (index 0) for a NaN or infinite `y`; nothing changes then.
    pub fn learn(&mut self, x: &GaussianInput<'_, D, B>, y: f32) -> Result<Gaussian, Error> {
        let [p] = self.learn_targets(x, &[y])?;
        Ok(p)
    }

    /// The negative log-likelihood of `y` under the prediction for `x` (nats), without
    /// learning. Finite for every finite `y`: where `(y − μ)²` overflows `f32`, it is
    /// `f32::MAX`.
    ///
    /// # Errors
    /// [`Error::NonFinite`] (index 0) for a NaN or infinite `y`.
    pub fn nll(&self, x: &GaussianInput<'_, D, B>, y: f32) -> Result<f32, Error> {
        check_finite(&[y])?;
        Ok(self.predict(x).nll(y).min(f32::MAX))
    }
}

/// What every Gaussian GLN ([`GaussianGln1`](crate::gaussian::GaussianGln1) to
/// [`GaussianGln4`](crate::gaussian::GaussianGln4)) can do, for code that is generic over
/// the depth: side-information size `D`, base Gaussians `B`, heads `N` (with what every
/// model does, from [`Model`]).
///
/// Each method forwards to the inherent method of the same name.
pub trait GaussianNetwork<const D: usize, const B: usize, const N: usize>:
    Model<Config = GaussianConfig>
{
    /// See [`Net::predict_all`].
    fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N];
    /// See [`Net::learn_targets`].
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite target; nothing changes then.
    fn learn_targets(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        targets: &[f32; N],
    ) -> Result<[Gaussian; N], Error>;
    /// See [`Net::learn_with`].
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a target is NaN or infinite; nothing changes then.
    fn learn_with(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        target: &mut dyn FnMut(usize, &Gaussian) -> f32,
    ) -> Result<[Gaussian; N], Error>;
    /// A fresh network: the same as the alias's `new` (not `const`: trait methods cannot
    /// be).
    ///
    /// # Panics
    /// As `new`, for an invalid `config`.
    fn build(seed: u64, config: GaussianConfig) -> Self
    where
        Self: Sized;
}

impl<const D: usize, const B: usize, S: Stack<GaussianFamily, D, B>, const N: usize>
    GaussianNetwork<D, B, N> for Net<GaussianFamily, D, B, S, N>
{
    fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N] {
        Self::predict_all(self, x)
    }
    fn learn_targets(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        targets: &[f32; N],
    ) -> Result<[Gaussian; N], Error> {
        Self::learn_targets(self, x, targets)
    }
    fn learn_with(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        target: &mut dyn FnMut(usize, &Gaussian) -> f32,
    ) -> Result<[Gaussian; N], Error> {
        Self::learn_with(self, x, target)
    }
    // The documented panic (as `new`) for an invalid config.
    #[allow(clippy::panic)]
    fn build(seed: u64, config: GaussianConfig) -> Self {
        match Self::try_new(seed, config) {
            Ok(m) => m,
            Err(e) => panic!("{}", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LearningRate;
    use crate::gaussian::{GaussianGln1, GaussianGln2, GaussianGln3};
    use crate::rng::SplitMix64;

    type Small = GaussianGln3<3, 3, 6, 4, 2, 4>;

    fn cfg() -> GaussianConfig {
        GaussianConfig::DEFAULT
            .with_variance_bounds(0.05, 20.0)
            .with_learning_rate(LearningRate::constant(0.01))
    }

    /// A noisy piecewise target of three features (the features are also the base means).
    fn sample(r: &mut SplitMix64) -> ([f32; 3], f32) {
        let x = [r.next_normal(), r.next_normal(), r.next_normal()];
        let y = if x[0] > 0.0 { 1.5 * x[1] } else { -x[2] } + 0.1 * r.next_normal();
        (x, y)
    }

    fn check_state<const D: usize, const B: usize, M: GaussianNetwork<D, B, 1>>(
        m: &M,
        x: &GaussianInput<'_, D, B>,
        c: &GaussianConfig,
    ) {
        let [p] = m.predict_all(x);
        assert!(
            p.variance >= c.sigma2_min && p.variance <= c.sigma2_max,
            "variance {} outside [{}, {}]",
            p.variance,
            c.sigma2_min,
            c.sigma2_max
        );
        assert!(p.mean.is_finite() && p.mean.abs() <= c.mean_bound);
        m.for_each_weight(&mut |w| assert!(w.is_finite() && w.abs() <= c.beta, "{w}"));
    }

    #[test]
    fn learns_a_gated_regression_and_scores_before_learning() {
        let mut m = Small::new(3, cfg());
        let mut r = SplitMix64::new(11);
        let (mut early, mut late) = (0.0f64, 0.0f64);
        for t in 0..12_000 {
            let (x, y) = sample(&mut r);
            let input = GaussianInput::from_side(&x, 1.0).unwrap();
            let predicted = m.predict(&input);
            let before = m.learn(&input, y).unwrap();
            assert_eq!(before, predicted, "learn returns the pre-update prediction");
            let nll = before.nll(y) as f64;
            if t < 500 {
                early += nll;
            } else if t >= 11_500 {
                late += nll;
            }
        }
        let (early, late) = (early / 500.0, late / 500.0);
        // A unit-variance Gaussian scores about 1.4 nats on this target (its variance is
        // about 1.6); the model must do much better once trained.
        assert!(
            late < early - 0.5 && late < 0.9,
            "early {early}, late {late}"
        );
        assert_eq!(m.steps(), 12_000);
    }

    #[test]
    fn variance_and_weight_bounds_hold_after_every_update() {
        // Random configurations, random streams (including wild ones), a check after every
        // single update, at the sample just learned and at a fresh random one.
        let mut r = SplitMix64::new(99);
        for case in 0..24 {
            let vmin = [1e-4f32, 1e-2, 0.5][case % 3];
            let c = GaussianConfig::DEFAULT
                .with_variance_bounds(vmin, vmin * [10.0, 1e3, 1e5][case / 3 % 3])
                .with_beta([1.0f32, 1000.0][case / 9 % 2])
                .with_mean_bound([10.0f32, 1000.0][case / 12 % 2])
                .with_learning_rate(LearningRate::constant([0.01f32, 0.3, 3.0][case % 3]));
            let mut m = GaussianGln2::<3, 3, 5, 3, 8>::new(case as u64, c);
            let scale = [1.0f32, 30.0, 1e4][case / 2 % 3];
            for _ in 0..400 {
                let x = [
                    r.next_normal() * scale,
                    r.next_normal(),
                    r.next_f32() * scale,
                ];
                let var = [r.next_f32() * 3.0, 0.0, f32::INFINITY];
                let y = r.next_normal() * scale + x[0];
                let input = GaussianInput::with_variances(&x, &x, &var).unwrap();
                m.learn(&input, y).unwrap();
                check_state(&m, &input, &c);
                let other = [r.next_normal() * 5.0, r.next_normal(), r.next_normal()];
                check_state(&m, &GaussianInput::from_side(&other, 0.3).unwrap(), &c);
            }
        }
    }

    #[test]
    fn extreme_finite_values_never_poison_a_weight() {
        let c = GaussianConfig::DEFAULT;
        let mut m = GaussianGln2::<2, 2, 4, 2, 4>::new(5, c);
        let big = f32::MAX;
        let cases: [([f32; 2], f32); 5] = [
            ([big, -big], big),
            ([-big, big], -big),
            ([1e30, 1e-30], 1e30),
            ([0.0, 0.0], -big),
            ([big, big], 0.0),
        ];
        for _ in 0..50 {
            for (x, y) in cases {
                let input = GaussianInput::with_variances(&x, &x, &[0.0, big]).unwrap();
                let p = m.learn(&input, y).unwrap();
                assert!(p.mean.is_finite() && p.variance.is_finite());
                check_state(&m, &input, &c);
            }
        }
    }

    #[test]
    fn same_seed_same_bits_and_seeds_matter() {
        let run = |seed: u64| {
            let mut m = Small::new(seed, cfg());
            let mut r = SplitMix64::new(1);
            for _ in 0..300 {
                let (x, y) = sample(&mut r);
                m.learn(&GaussianInput::from_side(&x, 1.0).unwrap(), y)
                    .unwrap();
            }
            m
        };
        let (a, b, c) = (run(7), run(7), run(8));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert!(a == b);
        assert_ne!(a.fingerprint(), c.fingerprint());
        let mut n = 0;
        a.for_each_weight(|_| n += 1);
        assert_eq!(n, Small::WEIGHTS);
        assert_eq!(Small::WEIGHTS, 6 * 4 * 6 + 4 * 4 * 9 + 4 * 7);
        // Resetting keeps the hyperplanes and restores the initial weights.
        let mut r = a.clone();
        r.reset();
        assert_eq!(r.fingerprint(), Small::new(7, cfg()).fingerprint());
    }

    #[test]
    fn nll_is_finite_for_every_finite_target() {
        // Issue 11: `(y − μ)²` overflows for a far target; the NLL saturates instead of
        // returning `Ok(inf)`.
        let m = GaussianGln1::<1, 1, 1, 2>::new(1, GaussianConfig::DEFAULT);
        let input = GaussianInput::from_side(&[0.5], 1.0).unwrap();
        for y in [f32::MAX, -f32::MAX, 1e30, 0.0] {
            let nll = m.nll(&input, y).unwrap();
            assert!(nll.is_finite(), "{y}: {nll}");
        }
        assert!(
            m.predict(&input).nll(f32::MAX).is_infinite(),
            "the case is real"
        );
        assert_eq!(m.nll(&input, f32::MAX), Ok(f32::MAX));
    }

    #[test]
    fn rejected_calls_change_nothing() {
        let mut m = GaussianGln2::<2, 2, 4, 2, 4, 2>::new(1, cfg());
        let x = [0.3f32, -0.2];
        let input = GaussianInput::from_side(&x, 1.0).unwrap();
        m.learn_targets(&input, &[0.5, -0.5]).unwrap();
        let before = m.clone();
        let fp = m.fingerprint();
        for bad in [
            [f32::NAN, 0.0],
            [0.0, f32::INFINITY],
            [f32::NEG_INFINITY, f32::NAN],
        ] {
            let e = m.learn_targets(&input, &bad).unwrap_err();
            assert!(matches!(e, Error::NonFinite { .. }), "{e:?}");
        }
        assert_eq!(
            m.learn_targets(&input, &[0.0, f32::NAN]),
            Err(Error::NonFinite { index: 1 })
        );
        assert!(m == before);
        assert_eq!(m.fingerprint(), fp);
        assert_eq!(m.steps(), 1);
        let mut one = GaussianGln1::<2, 2, 1, 2>::new(1, cfg());
        let fp = one.fingerprint();
        assert_eq!(
            one.learn(&input, f32::NAN),
            Err(Error::NonFinite { index: 0 })
        );
        assert_eq!(
            one.nll(&input, f32::INFINITY),
            Err(Error::NonFinite { index: 0 })
        );
        assert_eq!(one.fingerprint(), fp);
    }

    #[test]
    fn a_static_model_equals_a_runtime_one() {
        static S: GaussianGln3<4, 4, 4, 4, 3, 8> = GaussianGln3::new(21, GaussianConfig::DEFAULT);
        let m = GaussianGln3::<4, 4, 4, 4, 3, 8>::new(21, GaussianConfig::DEFAULT);
        assert_eq!(S.fingerprint(), m.fingerprint());
        assert!(S == m);
    }

    #[test]
    fn heads_are_independent_targets() {
        // Two heads on one input: each learns its own target, sharing the gating.
        let mut m = GaussianGln2::<3, 3, 6, 2, 4, 2>::new(4, cfg());
        let mut r = SplitMix64::new(3);
        for _ in 0..4000 {
            let (x, y) = sample(&mut r);
            m.learn_targets(
                &GaussianInput::from_side(&x, 1.0).unwrap(),
                &[y, -2.0 * x[0]],
            )
            .unwrap();
        }
        let x = [0.8f32, 0.5, -0.4];
        let [a, b] = m.predict_all(&GaussianInput::from_side(&x, 1.0).unwrap());
        assert!((a.mean - 0.75).abs() < 0.3, "{a:?}");
        assert!((b.mean + 1.6).abs() < 0.3, "{b:?}");
    }

    #[test]
    fn learn_with_equals_predict_then_learn() {
        let mut a = GaussianGln3::<3, 3, 6, 4, 2, 4, 2>::new(9, cfg());
        let mut b = a.clone();
        let mut r = SplitMix64::new(21);
        let robust =
            |y: f32, p: &Gaussian| p.mean + (y - p.mean).clamp(-2.0 * p.std(), 2.0 * p.std());
        for _ in 0..500 {
            let (x, y) = sample(&mut r);
            let input = GaussianInput::from_side(&x, 1.0).unwrap();
            let ys = [y, -y];
            let pa = a.learn_with(&input, |h, p| robust(ys[h], p)).unwrap();
            let pb = b.predict_all(&input);
            let targets = [robust(ys[0], &pb[0]), robust(ys[1], &pb[1])];
            let pb2 = b.learn_targets(&input, &targets).unwrap();
            assert_eq!(pa, pb);
            assert_eq!(pb, pb2);
            assert_eq!(a.fingerprint(), b.fingerprint());
        }
        let fp = a.fingerprint();
        let input = GaussianInput::from_side(&[0.1, 0.2, 0.3], 1.0).unwrap();
        assert_eq!(
            a.learn_with(&input, |h, _| if h == 1 { f32::NAN } else { 0.0 }),
            Err(Error::NonFinite { index: 1 })
        );
        assert_eq!(a.fingerprint(), fp);
    }

    #[test]
    fn invalid_config_is_an_error() {
        let bad = GaussianConfig::DEFAULT.with_variance_bounds(1.0, 0.5);
        assert!(matches!(
            GaussianGln1::<1, 1, 1, 2>::try_new(0, bad),
            Err(Error::InvalidConfig(_))
        ));
    }
}
