//! Gaussian GLN networks of one to four layers, their shape in their type.
//!
//! The same shape rules as the Bernoulli networks ([`crate::Gln3`]): side-information size
//! `D`, base Gaussians `B`, hidden widths `H1, H2, ...`, halfspaces per neuron `K`, contexts
//! `C = 2^K`, heads `N` (targets predicted at once, sharing the hyperplanes; 1 by default).

mod explain;

use super::layer::{BIASES, Bounds, GaussLayer, Mix, Prepared};
use super::{Gaussian, GaussianConfig, GaussianInput};
use crate::Error;
use crate::error::check_finite;
use crate::gate::Gates;
use crate::hash::Fnv1a;
use crate::math::clamp;
use crate::rng::SplitMix64;

/// What every Gaussian GLN ([`GaussianGln1`] to [`GaussianGln4`]) can do, for code that is
/// generic over the depth: side-information size `D`, base Gaussians `B`, heads `N`.
///
/// Each method forwards to the inherent method of the same name.
pub trait GaussianNetwork<const D: usize, const B: usize, const N: usize> {
    /// See [`GaussianGln3::predict_all`].
    fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N];
    /// See [`GaussianGln3::learn_targets`].
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite target; nothing changes then.
    fn learn_targets(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        targets: &[f32; N],
    ) -> Result<[Gaussian; N], Error>;
    /// See [`GaussianGln3::learn_with`].
    ///
    /// # Errors
    /// [`Error::NonFinite`] if a target is NaN or infinite; nothing changes then.
    fn learn_with(
        &mut self,
        x: &GaussianInput<'_, D, B>,
        target: &mut dyn FnMut(usize, &Gaussian) -> f32,
    ) -> Result<[Gaussian; N], Error>;
    /// See [`GaussianGln3::for_each_weight`].
    fn for_each_weight(&self, f: &mut dyn FnMut(f32));
    /// See [`GaussianGln3::fingerprint`].
    fn fingerprint(&self) -> u64;
    /// See [`GaussianGln3::steps`].
    fn steps(&self) -> u64;
    /// See [`GaussianGln3::config`].
    fn config(&self) -> &GaussianConfig;
    /// See [`GaussianGln3::reset`].
    fn reset(&mut self);
    /// A fresh network: see [`GaussianGln3::new`] (not `const`: trait methods cannot be).
    ///
    /// # Panics
    /// As `new`, for an invalid `config`.
    fn build(seed: u64, config: GaussianConfig) -> Self
    where
        Self: Sized;
}

const NO_MIX: Mix = Mix {
    mean: 0.0,
    var: 1.0,
    delta: 0.0,
};

/// The inputs of the next layer: the outputs of this one.
fn next_inputs<const W: usize>(m: &[Mix; W], b: &Bounds) -> Prepared<W> {
    Prepared::new(&m.map(|v| v.mean), &m.map(|v| v.var), b)
}

/// The network's prediction from its last neuron: mean clipped to `±mean_bound`.
fn output([m]: [Mix; 1], b: &Bounds) -> Gaussian {
    Gaussian {
        mean: clamp(m.mean, -b.mean, b.mean),
        variance: m.var,
    }
}

fn bounds(c: &GaussianConfig) -> Bounds {
    Bounds::new(c.sigma2_min, c.sigma2_max, c.beta, c.mean_bound)
}

macro_rules! gaussian_network {
    (
        $(#[$meta:meta])*
        $Net:ident, $Head:ident, depth $depth:literal,
        hidden [$($H:ident),*],
        layers [$(($g:ident, $l:ident, $In:tt => $Out:tt)),+]
    ) => {
        /// The weights of one head: every layer, without the shared gating.
        #[derive(Clone, Copy, Debug, PartialEq)]
        struct $Head<const B: usize, $(const $H: usize,)* const C: usize> {
            $( $l: GaussLayer<$In, $Out, C>, )+
        }

        $(#[$meta])*
        #[derive(Clone, PartialEq)]
        pub struct $Net<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize = 1,
        > {
            $( $g: Gates<D, $Out, K>, )+
            heads: [$Head<B, $($H,)* C>; N],
            config: GaussianConfig,
            seed: u64,
            steps: u64,
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > $Net<D, B, $($H,)* K, C, N> {
            /// Number of layers, the output layer included.
            pub const DEPTH: usize = $depth;

            /// Number of weights (bias weights included) over all heads:
            /// `N · Σ_layers width · C · (inputs + 3)`.
            pub const WEIGHTS: usize = N * (0 $( + $Out * C * ($In + BIASES) )+);

            /// Number of hyperplane values (directions and offsets): `Σ_layers width · K · (D + 1)`.
            pub const PLANE_VALUES: usize = 0 $( + $Out * K * (D + 1) )+;

            /// Multiply-adds of one `predict`: gating (shared by the heads) `Σ width · K · D`,
            /// plus mixing (precision and mean sums) `N · Σ width · 2 (inputs + 3)`.
            pub const MACS_PREDICT: usize =
                (0 $( + $Out * K * D )+) + N * (0 $( + $Out * 2 * ($In + BIASES) )+);

            /// Multiply-adds of one `learn`: those of `predict` plus the update of every
            /// active row, about `N · Σ width · 3 (inputs + 3)` (fewer when neurons are
            /// saturated).
            pub const MACS_LEARN: usize =
                Self::MACS_PREDICT + N * (0 $( + $Out * 3 * ($In + BIASES) )+);

            /// A network with hyperplanes drawn from `seed` and every weight `1/m` (`m` inputs
            /// per neuron, the three biases included).
            ///
            /// A `const fn`, so a model can be built at compile time into a `static`.
            ///
            /// # Panics
            /// A bad shape is a compile error: `C` not `2^K`, `K > 16`, or any size 0. An
            /// invalid `config` (see [`GaussianConfig::check`]) panics: at compile time in a
            /// `const` context, at run time otherwise (use [`Self::try_new`] to get an error).
            pub const fn new(seed: u64, config: GaussianConfig) -> Self {
                const {
                    assert!(D > 0, "D (side-information size) must be at least 1");
                    assert!(B > 0, "B (number of base Gaussians) must be at least 1");
                    $( assert!($H > 0, concat!(stringify!($H), " (a hidden width) must be at least 1")); )*
                    assert!(N > 0, "N (number of heads) must be at least 1");
                    assert!(K <= 16, "K (halfspaces per neuron) must be at most 16");
                    assert!(C == 1 << K, "C (contexts per neuron) must be 2^K");
                }
                if let Err(Error::InvalidConfig(why)) = config.check() {
                    panic!("{}", why);
                }
                let mut rng = SplitMix64::new(seed);
                $( let $g = Gates::new(&mut rng, config.offset_std); )+
                let head = $Head { $( $l: GaussLayer::new(), )+ };
                Self { $( $g, )+ heads: [head; N], config, seed, steps: 0 }
            }

            /// As [`Self::new`], with an error instead of a panic for an invalid `config`.
            ///
            /// # Errors
            /// [`Error::InvalidConfig`] naming the value out of range.
            pub fn try_new(seed: u64, config: GaussianConfig) -> Result<Self, Error> {
                config.check()?;
                Ok(Self::new(seed, config))
            }

            /// Puts every weight back to `1/m` and the step count to 0; the hyperplanes stay.
            pub fn reset(&mut self) {
                let head = $Head { $( $l: GaussLayer::new(), )+ };
                self.heads = [head; N];
                self.steps = 0;
            }

            /// The configuration given at construction.
            pub fn config(&self) -> &GaussianConfig {
                &self.config
            }

            /// The seed the hyperplanes were drawn from.
            pub fn seed(&self) -> u64 {
                self.seed
            }

            /// Number of successful `learn` calls so far (the `t` of the learning-rate
            /// schedule).
            pub fn steps(&self) -> u64 {
                self.steps
            }

            /// The predicted Gaussian of each head's target for `x`: variance within
            /// `[sigma2_min, sigma2_max]`, mean within `±mean_bound`. No learning, no mutation.
            pub fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N] {
                let b = bounds(&self.config);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = Prepared::new(x.means(), x.variances(), &b);
                let mut out = [Gaussian { mean: 0.0, variance: 1.0 }; N];
                for (o, head) in out.iter_mut().zip(&self.heads) {
                    let input = &base;
                    $(
                        let mut m = [NO_MIX; $Out];
                        head.$l.forward(&$g, input, &b, &mut m);
                        let next = next_inputs(&m, &b);
                        let input = &next;
                    )+
                    let _ = input;
                    *o = output(m, &b);
                }
                out
            }

            /// Learns one sample with a target for every head; returns each head's
            /// prediction *before* the update (equal to [`Self::predict_all`]), so a stream
            /// can be scored before it is learned.
            ///
            /// Each layer is updated from the outputs it computed before its update, and
            /// those pre-update outputs feed the next layer. Targets are clipped to
            /// `±mean_bound` for learning.
            ///
            /// # Errors
            /// [`Error::NonFinite`] with the index of the first NaN or infinite target;
            /// nothing changes then.
            pub fn learn_targets(
                &mut self,
                x: &GaussianInput<'_, D, B>,
                targets: &[f32; N],
            ) -> Result<[Gaussian; N], Error> {
                check_finite(targets)?;
                self.steps = self.steps.saturating_add(1);
                let config = self.config;
                let b = bounds(&config);
                let eta = config.learning_rate.at(self.steps);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = Prepared::new(x.means(), x.variances(), &b);
                let mut out = [Gaussian { mean: 0.0, variance: 1.0 }; N];
                for ((o, head), &t) in out.iter_mut().zip(self.heads.iter_mut()).zip(targets) {
                    let y = clamp(t, -b.mean, b.mean);
                    let input = &base;
                    let mut layer = 0usize;
                    $(
                        let mut m = [NO_MIX; $Out];
                        head.$l.forward(&$g, input, &b, &mut m);
                        let lr = config.learning_rate.for_layer(eta, layer, $In.saturating_add(BIASES));
                        layer = layer.saturating_add(1);
                        head.$l.update(&$g, input, &m, y, lr, config.normalized, &b);
                        let next = next_inputs(&m, &b);
                        let input = &next;
                    )+
                    let _ = (input, layer);
                    *o = output(m, &b);
                }
                Ok(out)
            }

            /// Learns one sample whose targets depend on the prediction: `target(head, p)`
            /// gives each head's target from its pre-update prediction `p` (for example a
            /// robust target, limited to a few σ around the prediction). Returns the
            /// pre-update predictions. One forward pass: the same bits as
            /// [`Self::predict_all`] followed by [`Self::learn_targets`] with those targets,
            /// at about two thirds of the cost.
            ///
            /// # Errors
            /// [`Error::NonFinite`] with the index of the first head whose target is NaN or
            /// infinite; nothing changes then.
            pub fn learn_with(
                &mut self,
                x: &GaussianInput<'_, D, B>,
                mut target: impl FnMut(usize, &Gaussian) -> f32,
            ) -> Result<[Gaussian; N], Error> {
                let config = self.config;
                let b = bounds(&config);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = Prepared::new(x.means(), x.variances(), &b);
                // Forward every head, keeping each layer's outputs.
                $( let mut $l = [[NO_MIX; $Out]; N]; )+
                let mut out = [Gaussian { mean: 0.0, variance: 1.0 }; N];
                for (h, (o, head)) in out.iter_mut().zip(&self.heads).enumerate() {
                    let input = &base;
                    $(
                        let Some(m) = $l.get_mut(h) else { continue };
                        head.$l.forward(&$g, input, &b, m);
                        let next = next_inputs(m, &b);
                        let input = &next;
                        let last = *m;
                        let _ = last; // only the last layer's is used below
                    )+
                    let _ = input;
                    *o = output(last, &b);
                }
                let mut targets = [0.0f32; N];
                for (h, (t, o)) in targets.iter_mut().zip(&out).enumerate() {
                    *t = target(h, o);
                }
                check_finite(&targets)?;
                // Update every head from the outputs computed before any update.
                self.steps = self.steps.saturating_add(1);
                let eta = config.learning_rate.at(self.steps);
                for (h, (head, &t)) in self.heads.iter_mut().zip(&targets).enumerate() {
                    let y = clamp(t, -b.mean, b.mean);
                    let input = &base;
                    let mut layer = 0usize;
                    $(
                        let Some(m) = $l.get(h) else { continue };
                        let lr = config.learning_rate.for_layer(eta, layer, $In.saturating_add(BIASES));
                        layer = layer.saturating_add(1);
                        head.$l.update(&$g, input, m, y, lr, config.normalized, &b);
                        let next = next_inputs(m, &b);
                        let input = &next;
                    )+
                    let _ = (input, layer);
                }
                Ok(out)
            }

            /// Visits every weight: head by head, layer by layer, neuron by neuron, context
            /// by context, the input weights then the three bias weights.
            pub fn for_each_weight(&self, mut f: impl FnMut(f32)) {
                for head in &self.heads {
                    $( head.$l.for_each_weight(&mut f); )+
                }
            }

            /// FNV-1a hash of the model's state: hyperplanes, weights (in
            /// [`for_each_weight`](Self::for_each_weight) order) and step count. Two models
            /// with the same fingerprint compute the same bits.
            pub fn fingerprint(&self) -> u64 {
                let mut h = Fnv1a::new();
                $( self.$g.for_each_value(|v| h.write_f32(v)); )+
                self.for_each_weight(|v| h.write_f32(v));
                h.write_u64(self.steps);
                h.finish()
            }

            /// Visits the hyperplanes of every layer in the order they are drawn (for
            /// `crate::persist`, which hashes them).
            pub(crate) fn for_each_plane_value(&self, f: &mut impl FnMut(f32)) {
                $( self.$g.for_each_value_by_plane(&mut *f); )+
            }

            /// Replaces the whole state for `crate::persist`, which has validated every value:
            /// the hyperplanes are redrawn in place from `seed` and `config.offset_std`, the
            /// weights come from `next_weight` in [`for_each_weight`](Self::for_each_weight)
            /// order, and the step count is set.
            pub(crate) fn restore(
                &mut self,
                seed: u64,
                config: GaussianConfig,
                steps: u64,
                next_weight: &mut impl FnMut() -> f32,
            ) {
                let mut rng = SplitMix64::new(seed);
                $( self.$g.redraw(&mut rng, config.offset_std); )+
                for head in &mut self.heads {
                    $( head.$l.load_weights(&mut *next_weight); )+
                }
                self.config = config;
                self.seed = seed;
                self.steps = steps;
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > GaussianNetwork<D, B, N> for $Net<D, B, $($H,)* K, C, N> {
            fn predict_all(&self, x: &GaussianInput<'_, D, B>) -> [Gaussian; N] {
                $Net::predict_all(self, x)
            }
            fn learn_targets(
                &mut self,
                x: &GaussianInput<'_, D, B>,
                targets: &[f32; N],
            ) -> Result<[Gaussian; N], Error> {
                $Net::learn_targets(self, x, targets)
            }
            fn learn_with(
                &mut self,
                x: &GaussianInput<'_, D, B>,
                target: &mut dyn FnMut(usize, &Gaussian) -> f32,
            ) -> Result<[Gaussian; N], Error> {
                $Net::learn_with(self, x, target)
            }
            fn for_each_weight(&self, f: &mut dyn FnMut(f32)) {
                $Net::for_each_weight(self, f)
            }
            fn fingerprint(&self) -> u64 {
                $Net::fingerprint(self)
            }
            fn steps(&self) -> u64 {
                $Net::steps(self)
            }
            fn config(&self) -> &GaussianConfig {
                $Net::config(self)
            }
            fn reset(&mut self) {
                $Net::reset(self)
            }
            fn build(seed: u64, config: GaussianConfig) -> Self {
                $Net::new(seed, config)
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
        > $Net<D, B, $($H,)* K, C, 1> {
            /// The predicted Gaussian of the target for `x`. No learning, no mutation.
            pub fn predict(&self, x: &GaussianInput<'_, D, B>) -> Gaussian {
                let [p] = self.predict_all(x);
                p
            }

            /// Learns one sample with target `y`; returns the prediction made *before* the
            /// update.
            ///
            /// # Errors
            /// [`Error::NonFinite`] (index 0) for a NaN or infinite `y`; nothing changes then.
            pub fn learn(&mut self, x: &GaussianInput<'_, D, B>, y: f32) -> Result<Gaussian, Error> {
                let [p] = self.learn_targets(x, &[y])?;
                Ok(p)
            }

            /// The negative log-likelihood of `y` under the prediction for `x` (nats), without
            /// learning.
            ///
            /// # Errors
            /// [`Error::NonFinite`] (index 0) for a NaN or infinite `y`.
            pub fn nll(&self, x: &GaussianInput<'_, D, B>, y: f32) -> Result<f32, Error> {
                check_finite(&[y])?;
                Ok(self.predict(x).nll(y))
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > core::fmt::Debug for $Net<D, B, $($H,)* K, C, N> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($Net))
                    .field("side", &D)
                    .field("base", &B)
                    .field("widths", &[$($Out),+])
                    .field("halfspaces", &K)
                    .field("heads", &N)
                    .field("seed", &self.seed)
                    .field("steps", &self.steps)
                    .field("config", &self.config)
                    .finish_non_exhaustive()
            }
        }

        #[cfg(feature = "defmt")]
        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > defmt::Format for $Net<D, B, $($H,)* K, C, N> {
            fn format(&self, f: defmt::Formatter<'_>) {
                defmt::write!(
                    f,
                    "{}(D={}, B={}, widths={}, K={}, N={}, steps={})",
                    stringify!($Net), D, B, [$($Out),+], K, N, self.steps
                )
            }
        }
    };
}

gaussian_network! {
    /// A one-layer Gaussian GLN: one gated neuron per head mixing the base Gaussians.
    ///
    /// Parameters: side information `D`, base Gaussians `B`, halfspaces `K`, contexts
    /// `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
    GaussianGln1, GHead1, depth 1,
    hidden [],
    layers [(g1, l1, B => 1)]
}

gaussian_network! {
    /// A two-layer Gaussian GLN: `[H1, 1]` per head.
    ///
    /// Parameters: side information `D`, base Gaussians `B`, hidden width `H1`, halfspaces
    /// `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
    GaussianGln2, GHead2, depth 2,
    hidden [H1],
    layers [(g1, l1, B => H1), (g2, l2, H1 => 1)]
}

gaussian_network! {
    /// A three-layer Gaussian GLN: `[H1, H2, 1]` per head.
    ///
    /// Parameters: side information `D`, base Gaussians `B`, hidden widths `H1, H2`,
    /// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1).
    ///
    /// ```
    /// use gln::gaussian::{GaussianConfig, GaussianGln3, GaussianInput};
    ///
    /// // The reference sensor shape: 16 features, layers [16, 16, 1], 4 halfspaces.
    /// type Model = GaussianGln3<16, 16, 16, 16, 4, 16>;
    /// static MODEL: Model = Model::new(7, GaussianConfig::DEFAULT); // built at compile time
    ///
    /// let mut model = MODEL.clone();
    /// let z = [0.25f32; 16];
    /// let x = GaussianInput::from_side(&z, 1.0)?;
    /// let before = model.learn(&x, 0.25)?;
    /// let after = model.predict(&x);
    /// assert!(after.nll(0.25) < before.nll(0.25));
    /// # Ok::<(), gln::Error>(())
    /// ```
    GaussianGln3, GHead3, depth 3,
    hidden [H1, H2],
    layers [(g1, l1, B => H1), (g2, l2, H1 => H2), (g3, l3, H2 => 1)]
}

gaussian_network! {
    /// A four-layer Gaussian GLN: `[H1, H2, H3, 1]` per head.
    ///
    /// Parameters: side information `D`, base Gaussians `B`, hidden widths `H1, H2, H3`,
    /// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for
    /// an example.
    GaussianGln4, GHead4, depth 4,
    hidden [H1, H2, H3],
    layers [(g1, l1, B => H1), (g2, l2, H1 => H2), (g3, l3, H2 => H3), (g4, l4, H3 => 1)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LearningRate;
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
