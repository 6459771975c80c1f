//! Gaussian GLN networks: the [`GaussianFamily`] of the generic [`Net`], and its aliases
//! [`GaussianGln1`] to [`GaussianGln4`].
//!
//! The same shape rules as the Bernoulli networks ([`crate::Gln3`]): side-information size
//! `D`, base Gaussians `B`, hidden widths `H1, H2, ...`, halfspaces per neuron `K`, contexts
//! `C = 2^K`, heads `N` (targets predicted at once, sharing the hyperplanes; 1 by default).

use super::explain::{GaussianExplain, GaussianExplanation};
use super::layer::{BIASES, Bounds, GaussLayer, Mix, Prepared};
use super::{Gaussian, GaussianConfig, GaussianInput};
use crate::Error;
use crate::config::LearningRate;
use crate::error::check_finite;
use crate::explain::Explanation;
use crate::math::{abs, clamp};
use crate::net::gates::{GCons, GateStack};
use crate::net::{
    Cons, End, Family, Layers1, Layers2, Layers3, Layers4, Model, ModelConfig, Net, Stack, net1,
    net2, net3, net4,
};

/// The Gaussian family: a neuron mixes Gaussians by a weighted product and learns the
/// negative log-likelihood of the target (see [`Family`] for the role of each item).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianFamily;

/// The bounds every layer applies, and whether steps are curvature-normalised.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    b: Bounds,
    normalized: bool,
}

/// What an explanation's backward sweep gathers besides the weights.
#[derive(Clone, Copy, Debug)]
pub struct Acc {
    bias_p: f32,
    bias_s: f32,
    mean_clipped: usize,
    projected: usize,
    top: Mix,
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
fn output(m: Mix, b: &Bounds) -> Gaussian {
    Gaussian {
        mean: clamp(m.mean, -b.mean, b.mean),
        variance: m.var,
    }
}

/// Carries the weights `rs` of a layer's precision-weighted means `s_n` through the mean
/// clip of the next layer's input: where it bound (`|μ_n| > bound`), the neuron passed on
/// `λ_n clip(μ_n)` instead of `s_n = λ_n μ_n`, so everything that reached `s_n` is scaled by
/// `clip(μ_n) / μ_n`. Counts those neurons.
fn through_mean_clip<const W: usize>(
    mut rs: [f32; W],
    m: &[Mix; W],
    bound: f32,
    clipped: &mut usize,
) -> [f32; W] {
    for (r, mix) in rs.iter_mut().zip(m) {
        if !(abs(mix.mean) <= bound) {
            *r *= clamp(mix.mean, -bound, bound) / mix.mean;
            *clipped = clipped.saturating_add(1);
        }
    }
    rs
}

/// Base means beyond `±mean_bound`, base variances outside `[var_min, var_max]`.
fn clipped_bases<const D: usize, const B: usize>(
    x: &GaussianInput<'_, D, B>,
    b: &Bounds,
) -> (usize, usize) {
    let means = x.means().iter().filter(|m| !(abs(**m) <= b.mean)).count();
    let vars = x
        .variances()
        .iter()
        .filter(|v| !(**v >= b.var_min && **v <= b.var_max))
        .count();
    (means, vars)
}

impl ModelConfig for GaussianConfig {
    fn learning_rate(&self) -> &LearningRate {
        &self.learning_rate
    }
    fn offset_std(&self) -> f32 {
        self.offset_std
    }
    fn beta(&self) -> f32 {
        self.beta
    }
    fn validate(&self) -> Result<(), Error> {
        self.check()
    }
}

impl Family for GaussianFamily {
    type Side = f32;
    type Gating<const D: usize, const W: usize, const K: usize, R: GateStack<D>> =
        GCons<D, W, K, R>;
    type Layer<const IN: usize, const OUT: usize, const C: usize> = GaussLayer<IN, OUT, C>;
    type Input<const W: usize> = Prepared<W>;
    type Out = Mix;
    type Params = Params;
    type Back<const W: usize> = ([f32; W], [f32; W]);
    type Acc = Acc;
    type Config = GaussianConfig;
    type Cache = ();
    const BIASES: usize = BIASES;
    const MIX_MACS: usize = 2;
    const UPDATE_MACS: usize = 3;
    // All bits zero, so a blank array is a memset (every entry is written before it is read).
    const BLANK: Mix = Mix {
        mean: 0.0,
        var: 0.0,
        delta: 0.0,
    };
    const NO_CACHE: () = ();
    const NAME: &'static str = "GaussianGln";

    fn new_layer<const IN: usize, const OUT: usize, const C: usize>(
        _: &GaussianConfig,
    ) -> GaussLayer<IN, OUT, C> {
        GaussLayer::new()
    }
    #[inline(always)]
    fn forward<const IN: usize, const OUT: usize, const C: usize>(
        layer: &GaussLayer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        p: &Params,
        out: &mut [Mix; OUT],
    ) {
        layer.forward(ctx, x, &p.b, out);
    }
    #[inline(always)]
    fn update<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut GaussLayer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        out: &[Mix; OUT],
        y: f32,
        eta: f32,
        p: &Params,
    ) {
        layer.update(ctx, x, out, y, eta, p.normalized, &p.b);
    }
    #[inline(always)]
    fn next<const W: usize>(out: &[Mix; W], p: &Params) -> Prepared<W> {
        next_inputs(out, &p.b)
    }
    fn pull_back<const IN: usize, const OUT: usize, const C: usize>(
        layer: &GaussLayer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Prepared<IN>,
        out: &[Mix; OUT],
        (rp, rs): &([f32; OUT], [f32; OUT]),
        acc: &mut Acc,
    ) -> ([f32; IN], [f32; IN]) {
        layer.pull_back(ctx, x, out, rp, rs, &mut acc.bias_p, &mut acc.bias_s)
    }
    fn through_clip<const W: usize>(
        (rp, rs): ([f32; W], [f32; W]),
        out: &[Mix; W],
        p: &Params,
        acc: &mut Acc,
    ) -> ([f32; W], [f32; W]) {
        (
            rp,
            through_mean_clip(rs, out, p.b.mean, &mut acc.mean_clipped),
        )
    }
    fn count<const W: usize>(out: &[Mix; W], _: &Params, acc: &mut Acc) {
        let projected = out.iter().filter(|v| v.delta != 0.0).count();
        acc.projected = acc.projected.saturating_add(projected);
    }
    fn unit<const W: usize>(top: Mix, _: &Params, acc: &mut Acc) -> ([f32; W], [f32; W]) {
        acc.top = top;
        ([1.0; W], [1.0; W])
    }
    fn zero_back<const W: usize>() -> ([f32; W], [f32; W]) {
        ([0.0; W], [0.0; W])
    }
    fn for_each_weight<const IN: usize, const OUT: usize, const C: usize>(
        layer: &GaussLayer<IN, OUT, C>,
        f: &mut impl FnMut(f32),
    ) {
        layer.for_each_weight(f);
    }
    fn load_weights<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut GaussLayer<IN, OUT, C>,
        next: &mut impl FnMut() -> f32,
    ) {
        layer.load_weights(next);
    }
}

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

    /// The contribution of each base Gaussian, and of the bias Gaussians, to the predicted
    /// mean and precision of `head` for `x`: see [`GaussianExplanation`] and [its
    /// module](crate::gaussian::explain) for the exact meaning and for what happens where a
    /// variance projection or a mean clip binds (both decompositions stay exact;
    /// `is_linear` says when they are also the local linear map).
    ///
    /// `prediction` is bit-identical to [`predict_all`](Self::predict_all)'s for `head`. No
    /// mutation, no heap; costs about one prediction of one head plus the gating and a sweep
    /// back of the same size.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `head >= N`.
    pub fn explain(
        &self,
        x: &GaussianInput<'_, D, B>,
        head: usize,
    ) -> Result<GaussianExplanation<B>, Error> {
        let p = self.params();
        let b = p.b;
        let base = Prepared::new(x.means(), x.variances(), &b);
        let mut acc = Acc {
            bias_p: 0.0,
            bias_s: 0.0,
            mean_clipped: 0,
            projected: 0,
            top: NO_MIX,
        };
        let (ap, a_s) = self.explain_head(head, x.side(), &base, &p, &mut acc)?;
        let prediction = output(acc.top, &b);
        // The output mean is clipped too: its share is split in proportion.
        let factor = if abs(acc.top.mean) <= b.mean {
            1.0
        } else {
            acc.mean_clipped = acc.mean_clipped.saturating_add(1);
            clamp(acc.top.mean, -b.mean, b.mean) / acc.top.mean
        };
        let (prec_in, s_in) = base.weigh(&ap, &a_s);
        // μ = s / π, and the network keeps σ² = 1/π.
        let scale = prediction.variance * factor;
        let (clipped_means, clipped_vars) = clipped_bases(x, &b);
        Ok(GaussianExplanation {
            prediction,
            mean: Explanation {
                inputs: s_in.map(|s| s * scale),
                bias: acc.bias_s * scale,
                output: prediction.mean,
                clipped_inputs: clipped_means,
                clipped_neurons: acc.mean_clipped,
            },
            precision: Explanation {
                inputs: prec_in,
                bias: acc.bias_p,
                output: 1.0 / prediction.variance,
                clipped_inputs: clipped_vars,
                clipped_neurons: acc.projected,
            },
        })
    }

    fn params(&self) -> Params {
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

/// What every Gaussian GLN ([`GaussianGln1`] to [`GaussianGln4`]) can do, for code that is
/// generic over the depth: side-information size `D`, base Gaussians `B`, heads `N` (with
/// what every model does, from [`Model`]).
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

impl<const D: usize, const B: usize, S: Stack<GaussianFamily, D, B>, const N: usize>
    GaussianExplain<D, B, N> for Net<GaussianFamily, D, B, S, N>
{
    fn explain(
        &self,
        x: &GaussianInput<'_, D, B>,
        head: usize,
    ) -> Result<GaussianExplanation<B>, Error> {
        Self::explain(self, x, head)
    }
}

/// One layer of `OUT` neurons over `IN` inputs, every weight `1/m`, then `rest`.
const fn layer<const K: usize, const C: usize, const IN: usize, const OUT: usize, R>(
    rest: R,
) -> Cons<GaussianFamily, K, C, IN, OUT, R> {
    Cons(GaussLayer::new(), rest)
}

/// A one-layer Gaussian GLN: one gated neuron per head mixing the base Gaussians.
///
/// Parameters: side information `D`, base Gaussians `B`, halfspaces `K`, contexts
/// `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
pub type GaussianGln1<
    const D: usize,
    const B: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers1<GaussianFamily, K, C, B>, N>;

/// A two-layer Gaussian GLN: `[H1, 1]` per head.
///
/// Parameters: side information `D`, base Gaussians `B`, hidden width `H1`, halfspaces
/// `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for an example.
pub type GaussianGln2<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers2<GaussianFamily, K, C, B, H1>, N>;

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
pub type GaussianGln3<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers3<GaussianFamily, K, C, B, H1, H2>, N>;

/// A four-layer Gaussian GLN: `[H1, H2, H3, 1]` per head.
///
/// Parameters: side information `D`, base Gaussians `B`, hidden widths `H1, H2, H3`,
/// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1). See [`GaussianGln3`] for
/// an example.
pub type GaussianGln4<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<GaussianFamily, D, B, Layers4<GaussianFamily, K, C, B, H1, H2, H3>, N>;

impl<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize>
    GaussianGln1<D, B, K, C, N>
{
    /// A network with hyperplanes drawn from `seed` and every weight `1/m` (`m` inputs per
    /// neuron, the three biases included).
    ///
    /// A `const fn`, so a model can be built at compile time into a `static`.
    ///
    /// # Panics
    /// A bad shape is a compile error: `C` not `2^K`, `K > 16`, or any size 0. An invalid
    /// `config` (see [`GaussianConfig::check`]) panics: at compile time in a `const`
    /// context, at run time otherwise (use [`Net::try_new`] to get an error).
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net1(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(End),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln2<D, B, H1, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net2(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(layer(End)),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln3<D, B, H1, H2, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        net3(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(layer(layer(End))),
        )
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> GaussianGln4<D, B, H1, H2, H3, K, C, N>
{
    /// As [`GaussianGln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: GaussianConfig) -> Self {
        let valid = (config.check(), config.offset_std);
        net4(seed, config, valid, layer(layer(layer(layer(End)))))
    }
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

#[cfg(test)]
mod explain_tests {
    use super::*;
    use crate::gaussian::GaussianConfig;

    /// `[2, 1]` over two base Gaussians; every context of every neuron gets the same row, so
    /// the gating does not matter.
    type Small = GaussianGln2<1, 2, 2, 1, 2>;

    fn net(l1: [([f32; 2], [f32; 3]); 2], l2: ([f32; 2], [f32; 3])) -> Small {
        let config = GaussianConfig::DEFAULT
            .with_mean_bound(2.0)
            .with_variance_bounds(0.5, 100.0);
        let mut m = Small::new(1, config);
        for c in 0..2 {
            for (n, (row, bias)) in l1.iter().enumerate() {
                m.heads[0].0.set_row(n, c, *row, *bias);
            }
            m.heads[0].1.0.set_row(0, c, l2.0, l2.1);
        }
        m
    }

    fn explain(m: &Small) -> GaussianExplanation<2> {
        // Base Gaussians N(1.5, 1) and N(0, 1).
        let x = GaussianInput::new(&[0.3], &[1.5, 0.0], 1.0).unwrap();
        let e = m.explain(&x, 0).unwrap();
        assert_eq!(e.prediction, m.predict(&x));
        assert!(e.within_tolerance(), "{e:?}");
        e
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-6 * (1.0 + b.abs())
    }

    #[test]
    fn a_hidden_mean_clip_splits_its_share_in_proportion() {
        let zero = [0.0; 3];
        // Neuron 0 extrapolates: π = 2 − 1 = 1, s = 2 · 1.5 = 3, μ = 3 beyond the bound 2,
        // so it passes on 2 (a factor 2/3). Neuron 1 averages: π = 1, μ = 0.75. The output
        // averages them: π = 1, μ = (2 + 0.75) / 2 = 1.375.
        let m = net(
            [([2.0, -1.0], zero), ([0.5, 0.5], zero)],
            ([0.5, 0.5], zero),
        );
        let e = explain(&m);
        assert!(close(e.prediction.mean, 1.375), "{e:?}");
        assert_eq!((e.mean.clipped_inputs, e.mean.clipped_neurons), (0, 1));
        assert!(!e.mean.is_linear() && e.precision.is_linear());
        // Base 0 (mean 1.5) reaches the output through neuron 0 with weight 0.5 · 2 · 2/3
        // and through neuron 1 with 0.5 · 0.5: 0.9167 · 1.5 = 1.375; base 1 has mean 0.
        assert!(
            close(e.mean.inputs[0], 1.375) && e.mean.inputs[1] == 0.0,
            "{e:?}"
        );
        // The precision is untouched by the mean clip: 0.5 · 2 + 0.5 · 0.5 from base 0,
        // 0.5 · (−1) + 0.5 · 0.5 from base 1, no bias.
        assert!(close(e.precision.inputs[0], 1.25) && close(e.precision.inputs[1], -0.25));
        assert_eq!(e.precision.bias, 0.0);
    }

    #[test]
    fn an_output_mean_clip_is_counted_and_the_sum_holds() {
        let zero = [0.0; 3];
        // The output extrapolates too: π = 2 − 1 = 1, s = 2 · 2 − 0.75 = 3.25 beyond 2.
        let m = net(
            [([2.0, -1.0], zero), ([0.5, 0.5], zero)],
            ([2.0, -1.0], zero),
        );
        let e = explain(&m);
        assert_eq!(e.prediction.mean, 2.0);
        assert_eq!(e.mean.clipped_neurons, 2);
        assert!(close(e.mean.total(), 2.0), "{e:?}");
    }

    #[test]
    fn a_projected_hidden_row_is_used_as_projected() {
        let b = [0.1, 0.2, 0.3];
        // Neuron 1: π = 3 + 3 + 0.6 = 6.6, above 1/sigma2_min = 2: projected along λ to 2.
        let m = net(
            [([0.5, 0.5], b), ([3.0, 3.0], b)],
            ([0.25, 0.5], [0.0, 0.1, 0.2]),
        );
        let e = explain(&m);
        assert_eq!(e.precision.clipped_neurons, 1);
        assert!(!e.precision.is_linear() && e.mean.is_linear());
        // Neuron 0: π = 1 + 0.6 = 1.6; neuron 1: π = 2 (the bound); the output:
        // 0.25 · 1.6 + 0.5 · 2 + 0.3 = 1.7.
        assert!(close(e.precision.output, 1.7), "{e:?}");
        assert!(close(e.precision.total(), 1.7), "{e:?}");
        // The biases' share: 0.25 · 0.6 + 0.5 · (0.6 − 3δ) + 0.3, with δ = (6.6 − 2) / 5
        // (|λ|² = 1 + 1 + 3).
        let delta = (6.6f32 - 2.0) / 5.0;
        assert!(
            close(e.precision.bias, 0.15 + 0.5 * (0.6 - 3.0 * delta) + 0.3),
            "{e:?}"
        );
        assert!(!(e.mean.inputs[0] == 0.0) && e.mean.inputs[1] == 0.0);
    }
}
