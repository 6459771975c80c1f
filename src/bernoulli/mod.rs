//! The Bernoulli GLN: neurons that mix probabilities geometrically (in the logit domain),
//! for binary and one-vs-all targets. [`Gln1`] to [`Gln4`] are aliases of the generic
//! [`Net`] with the [`Bernoulli`] family.
//!
//! Stable Rust cannot compute array lengths from const parameters (`[f32; IN + 1]`,
//! `[T; 1 << K]`), so a network type lists every size it stores: side-information size `D`,
//! base-input size `B`, hidden widths `H1, H2, ...`, halfspaces per neuron `K`, contexts per
//! neuron `C` (which must be `2^K`), and heads `N` (classes, one-vs-all; 1 for a binary
//! model). The last layer of every head is one neuron, so it has no width parameter: a
//! wider output layer cannot be written. The constructor's `const` assertions turn any other
//! bad shape into a compile error (they fire in `cargo build`, not in `cargo check`).

mod layer;

pub(crate) use layer::{Clip, Layer};
#[cfg(all(target_arch = "arm", target_os = "none", target_abi = "eabihf"))]
pub(crate) use layer::{sub_scaled, sub_scaled_portable};

use crate::config::{Config, LearningRate, WeightInit};
use crate::error::Error;
use crate::explain::{Explain, Explanation, through_clip};
use crate::input::Input;
use crate::math::{abs, argmax, clamp, sigmoid};
use crate::net::gates::{GCons, GateStack};
use crate::net::{
    Cons, End, Family, Layers1, Layers2, Layers3, Layers4, Model, ModelConfig, Net, Stack, net1,
    net2, net3, net4,
};

/// The Bernoulli family: a neuron outputs the logit `w_c · x + b_c` of its clipped input
/// logits and learns its log loss (see [`Family`] for the role of each item).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bernoulli;

/// What an explanation's backward sweep gathers besides the weights.
#[derive(Clone, Copy, Debug, Default)]
pub struct Acc {
    bias: f32,
    clipped: usize,
    output: f32,
}

/// Every value limited to `[-bound, bound]` (a loop, not `array::map`: the compiler fully
/// unrolls `map` over large arrays, which costs minutes of compile time for wide models).
fn clip_all<const L: usize>(x: &[f32; L], bound: f32) -> [f32; L] {
    let mut out = *x;
    for v in &mut out {
        *v = clamp(*v, -bound, bound);
    }
    out
}

impl ModelConfig for Config {
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

impl Family for Bernoulli {
    type Side = f32;
    type Gating<const D: usize, const W: usize, const K: usize, R: GateStack<D>> =
        GCons<D, W, K, R>;
    type Layer<const IN: usize, const OUT: usize, const C: usize> = Layer<IN, OUT, C>;
    type Input<const W: usize> = [f32; W];
    type Out = f32;
    type Params = Clip;
    type Back<const W: usize> = [f32; W];
    type Acc = Acc;
    type Config = Config;
    type Cache = f32;
    const BIASES: usize = 1;
    const MIX_MACS: usize = 1;
    const UPDATE_MACS: usize = 1;
    const BLANK: f32 = 0.0;
    const NO_CACHE: f32 = 0.0;
    const NAME: &'static str = "Gln";

    fn new_layer<const IN: usize, const OUT: usize, const C: usize>(
        config: &Config,
    ) -> Layer<IN, OUT, C> {
        Layer::new(config.init)
    }
    #[inline(always)]
    fn forward<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &[f32; IN],
        _: &Clip,
        out: &mut [f32; OUT],
    ) {
        layer.forward(ctx, x, out);
    }
    #[inline(always)]
    fn update<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &[f32; IN],
        out: &[f32; OUT],
        y: f32,
        eta: f32,
        p: &Clip,
    ) {
        layer.update(ctx, x, out, y, eta, p);
    }
    #[inline(always)]
    fn next<const W: usize>(out: &[f32; W], p: &Clip) -> [f32; W] {
        clip_all(out, p.logit)
    }
    fn pull_back<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        _: &[f32; IN],
        _: &[f32; OUT],
        r: &[f32; OUT],
        acc: &mut Acc,
    ) -> [f32; IN] {
        layer.pull_back(ctx, r, &mut acc.bias)
    }
    fn through_clip<const W: usize>(
        r: [f32; W],
        s: &[f32; W],
        p: &Clip,
        acc: &mut Acc,
    ) -> [f32; W] {
        through_clip(r, s, p.logit, &mut acc.clipped)
    }
    fn count<const W: usize>(_: &[f32; W], _: &Clip, _: &mut Acc) {}
    fn unit<const W: usize>(top: f32, _: &Clip, acc: &mut Acc) -> [f32; W] {
        acc.output = top;
        [1.0; W]
    }
    fn zero_back<const W: usize>() -> [f32; W] {
        [0.0; W]
    }
    fn for_each_weight<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Layer<IN, OUT, C>,
        f: &mut impl FnMut(f32),
    ) {
        layer.for_each_weight(f);
    }
    fn load_weights<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut Layer<IN, OUT, C>,
        next: &mut impl FnMut() -> f32,
    ) {
        layer.load_weights(next);
    }
}

/// The network's output probability from its final logit, exactly within `[eps, 1 - eps]`.
fn output_probability(s: f32, eps: f32) -> f32 {
    clamp(sigmoid(s), eps, 1.0 - eps)
}

impl<const D: usize, const B: usize, S: Stack<Bernoulli, D, B>, const N: usize>
    Net<Bernoulli, D, B, S, N>
{
    /// Probability of each head (class) for `x`, in `[eps, 1 - eps]`. No learning, no
    /// mutation.
    ///
    /// Cannot fail: `x` was checked when the [`Input`] was built (no NaN, no infinite side
    /// information). Subnormal and huge-but-finite side information is used as it is (a
    /// huge value just falls on one side of every hyperplane), and base logits are clipped
    /// to `±logit(1 - eps)`, infinities included.
    pub fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N] {
        let clip = self.clip();
        let base = clip_all(x.base_logits(), clip.logit);
        let eps = self.config.eps;
        self.outputs(x.side(), &base, &clip)
            .map(|s| output_probability(s, eps))
    }

    /// The class with the highest probability (the first on ties).
    pub fn predict_class(&self, x: &Input<'_, D, B>) -> usize {
        argmax(&self.predict_all(x))
    }

    /// Learns one sample with a target for every head; returns each head's probability
    /// *before* the update, so a stream can be scored before it is learned.
    ///
    /// Each layer is updated from the outputs it computed before its update, and those
    /// pre-update outputs feed the next layer.
    ///
    /// Cannot fail, and keeps every weight finite and within `[-beta, beta]` whatever `x`
    /// holds (see [`predict_all`](Self::predict_all) for what an [`Input`] may hold): a
    /// valid [`Config`] bounds every logit (see [`Config::MAX_BETA`]).
    pub fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N] {
        if !(self.cache > 0.0) {
            self.cache = self.config.logit_bound();
        }
        let clip = self.clip();
        let base = clip_all(x.base_logits(), clip.logit);
        let y = targets.map(|t| if t { 1.0 } else { 0.0 });
        let eps = self.config.eps;
        self.learn_outputs(x.side(), &base, &y, &clip)
            .map(|s| output_probability(s, eps))
    }

    /// Learns one sample of class `label` (one-vs-all: head `label` learns 1, every other
    /// head 0); returns each head's probability before the update.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `label >= N`; nothing changes then.
    pub fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error> {
        if label >= N {
            return Err(Error::LabelOutOfRange { label, classes: N });
        }
        let targets: [bool; N] = core::array::from_fn(|i| i == label);
        Ok(self.learn_targets(x, &targets))
    }

    /// The contribution of each base input, and of the bias inputs, to the output logit of
    /// `head` for `x`: given the contexts `x` selects, the head is a linear map from the
    /// clipped base logits to its output logit, and this returns its terms. No learning, no
    /// mutation, no heap.
    ///
    /// The contributions sum to [`Explanation::output`], the logit this head computes in
    /// [`predict_all`](Self::predict_all) (bit for bit: its probability is
    /// `clamp(σ(output), eps, 1 − eps)`), within [`Explanation::TOLERANCE`]. Where an input
    /// clip binds, see [the `explain` module](crate::explain): the sum stays exact, and
    /// [`Explanation::is_linear`] says whether the terms are also the local linear map.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `head >= N`.
    pub fn explain(&self, x: &Input<'_, D, B>, head: usize) -> Result<Explanation<B>, Error> {
        let clip = Clip::new(self.config.logit_bound(), self.config.beta);
        let base = clip_all(x.base_logits(), clip.logit);
        let mut acc = Acc::default();
        let a = self.explain_head(head, x.side(), &base, &clip, &mut acc)?;
        let mut inputs = [0.0f32; B];
        for ((c, aj), xj) in inputs.iter_mut().zip(&a).zip(&base) {
            *c = aj * xj;
        }
        let clipped_inputs = x
            .base_logits()
            .iter()
            .filter(|v| !(abs(**v) <= clip.logit))
            .count();
        Ok(Explanation {
            inputs,
            bias: acc.bias,
            output: acc.output,
            clipped_inputs,
            clipped_neurons: acc.clipped,
        })
    }

    /// The clipping bounds, from the cached `logit(1 - eps)` when there is one.
    fn clip(&self) -> Clip {
        let logit = if self.cache > 0.0 {
            self.cache
        } else {
            self.config.logit_bound()
        };
        Clip::new(logit, self.config.beta)
    }
}

impl<const D: usize, const B: usize, S: Stack<Bernoulli, D, B>> Net<Bernoulli, D, B, S, 1> {
    /// Probability that the target is 1 (`true`), in `[eps, 1 - eps]`. No learning, no
    /// mutation. Cannot fail (see [`predict_all`](Self::predict_all)).
    pub fn predict(&self, x: &Input<'_, D, B>) -> f32 {
        let [p] = self.predict_all(x);
        p
    }

    /// Learns one sample with a binary target; returns the probability predicted *before*
    /// the update. Cannot fail (see [`learn_targets`](Self::learn_targets)).
    pub fn learn(&mut self, x: &Input<'_, D, B>, target: bool) -> f32 {
        let [p] = self.learn_targets(x, &[target]);
        p
    }
}

/// What every Bernoulli GLN ([`Gln1`] to [`Gln4`]) can do, for code that is generic over the
/// depth: side-information size `D`, base-input size `B`, heads `N` (with what every model
/// does, from [`Model`]).
///
/// Each method forwards to the inherent method of the same name.
pub trait Network<const D: usize, const B: usize, const N: usize>: Model<Config = Config> {
    /// See [`Net::predict_all`].
    fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N];
    /// See [`Net::learn_targets`].
    fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N];
    /// See [`Net::learn_class`].
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `label >= N`; nothing changes then.
    fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error>;
    /// See [`Net::predict_class`].
    fn predict_class(&self, x: &Input<'_, D, B>) -> usize {
        argmax(&self.predict_all(x))
    }
}

impl<const D: usize, const B: usize, S: Stack<Bernoulli, D, B>, const N: usize> Network<D, B, N>
    for Net<Bernoulli, D, B, S, N>
{
    fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N] {
        Self::predict_all(self, x)
    }
    fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N] {
        Self::learn_targets(self, x, targets)
    }
    fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error> {
        Self::learn_class(self, x, label)
    }
}

impl<const D: usize, const B: usize, S: Stack<Bernoulli, D, B>, const N: usize> Explain<D, B, N>
    for Net<Bernoulli, D, B, S, N>
{
    fn explain(&self, x: &Input<'_, D, B>, head: usize) -> Result<Explanation<B>, Error> {
        Self::explain(self, x, head)
    }
}

/// One layer of `OUT` neurons over `IN` inputs at `init`, then `rest`.
const fn layer<const K: usize, const C: usize, const IN: usize, const OUT: usize, R>(
    init: WeightInit,
    rest: R,
) -> Cons<Bernoulli, K, C, IN, OUT, R> {
    Cons(Layer::new(init), rest)
}

/// A one-layer Bernoulli GLN: one gated neuron per head over the base inputs (a gated
/// logistic regression in the logit domain).
///
/// Parameters: side information `D`, base inputs `B`, halfspaces `K`, contexts `C = 2^K`,
/// heads `N` (default 1). See [`Gln3`] for an example.
pub type Gln1<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize = 1> =
    Net<Bernoulli, D, B, Layers1<Bernoulli, K, C, B>, N>;

/// A two-layer Bernoulli GLN: `[H1, 1]` per head.
///
/// Parameters: side information `D`, base inputs `B`, hidden width `H1`, halfspaces `K`,
/// contexts `C = 2^K`, heads `N` (default 1). See [`Gln3`] for an example.
pub type Gln2<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<Bernoulli, D, B, Layers2<Bernoulli, K, C, B, H1>, N>;

/// A three-layer Bernoulli GLN: `[H1, H2, 1]` per head, the paper's usual shape.
///
/// Parameters: side information `D`, base inputs `B`, hidden widths `H1, H2`, halfspaces
/// `K`, contexts `C = 2^K`, heads `N` (default 1).
///
/// ```
/// use gln::{Config, Gln3, Input};
///
/// // 8 features, layers [16, 8, 1], 4 halfspaces (16 contexts) per neuron, binary.
/// type Model = Gln3<8, 8, 16, 8, 4, 16>;
/// static MODEL: Model = Model::new(7, Config::DEFAULT); // built at compile time
///
/// let mut model = MODEL.clone();
/// let z = [0.5, -1.0, 0.25, 0.0, 1.5, -0.3, 0.8, -2.0];
/// let x = Input::from_side(&z)?;
/// let before = model.learn(&x, true);
/// assert!(model.predict(&x) > before);
/// # Ok::<(), gln::Error>(())
/// ```
pub type Gln3<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<Bernoulli, D, B, Layers3<Bernoulli, K, C, B, H1, H2>, N>;

/// A four-layer Bernoulli GLN: `[H1, H2, H3, 1]` per head.
///
/// Parameters: side information `D`, base inputs `B`, hidden widths `H1, H2, H3`,
/// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1). See [`Gln3`] for an example.
pub type Gln4<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<Bernoulli, D, B, Layers4<Bernoulli, K, C, B, H1, H2, H3>, N>;

impl<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize>
    Gln1<D, B, K, C, N>
{
    /// A network with hyperplanes drawn from `seed` and weights set by `config.init`.
    ///
    /// A `const fn`, so a model can be built at compile time into a `static`.
    ///
    /// # Panics
    /// A bad shape is a compile error: `C` not `2^K`, `K > 16`, or any size 0. An invalid
    /// `config` (see [`Config::check`]) panics: at compile time in a `const` context, at run
    /// time otherwise (use [`Net::try_new`] to get an error instead).
    pub const fn new(seed: u64, config: Config) -> Self {
        let i = config.init;
        net1(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(i, End),
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
> Gln2<D, B, H1, K, C, N>
{
    /// As [`Gln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: Config) -> Self {
        let i = config.init;
        net2(
            seed,
            config,
            (config.check(), config.offset_std),
            layer(i, layer(i, End)),
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
> Gln3<D, B, H1, H2, K, C, N>
{
    /// As [`Gln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: Config) -> Self {
        let (i, valid) = (config.init, (config.check(), config.offset_std));
        net3(seed, config, valid, layer(i, layer(i, layer(i, End))))
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
> Gln4<D, B, H1, H2, H3, K, C, N>
{
    /// As [`Gln1::new`](Net::new): `const`, a bad shape is a compile error.
    pub const fn new(seed: u64, config: Config) -> Self {
        let (i, valid) = (config.init, (config.check(), config.offset_std));
        net4(
            seed,
            config,
            valid,
            layer(i, layer(i, layer(i, layer(i, End)))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Persist;
    use crate::config::{LearningRate, WeightInit};
    use crate::math::logit;
    use crate::net::gates::{GCons, GEnd, Gates};
    use crate::rng::SplitMix64;

    /// A straightforward GLN written from the formulas (f64 mixing, no blocking, no bound
    /// trick), sharing only the hyperplanes with the model under test.
    struct Reference {
        w1: Vec<Vec<Vec<f64>>>, // [neuron][context][input + bias]
        w2: Vec<Vec<f64>>,      // [context][input + bias]
    }

    fn ctx_of(planes: &[([f32; 5], f32)], z: &[f32; 5]) -> usize {
        let mut c = 0;
        for (i, (v, b)) in planes.iter().enumerate() {
            let dot = v.iter().zip(z).fold(0.0f32, |s, (a, b)| s + a * b);
            if dot > *b {
                c |= 1 << i;
            }
        }
        c
    }

    #[test]
    fn matches_a_reference_written_from_the_formulas() {
        type M = Gln2<5, 5, 3, 2, 4>;
        let eps = 0.02f32;
        let beta = 1.5f64;
        let eta = 0.05f64;
        let config = Config::DEFAULT
            .with_eps(eps)
            .with_beta(beta as f32)
            .with_learning_rate(LearningRate::constant(eta as f32))
            .with_offset_std(0.2);
        let mut m = M::new(77, config);
        let l = logit(1.0 - eps) as f64;
        let planes1: Vec<Vec<([f32; 5], f32)>> = (0..3)
            .map(|n| (0..2).map(|i| m.gates.0.plane(n, i)).collect())
            .collect();
        let planes2: Vec<([f32; 5], f32)> = (0..2).map(|i| m.gates.1.0.plane(0, i)).collect();
        let mut r = Reference {
            w1: vec![vec![vec![1.0 / 6.0; 6]; 4]; 3],
            w2: vec![vec![1.0 / 4.0; 4]; 4],
        };
        let mut rng = SplitMix64::new(5);
        let mut max_err = 0.0f64;
        for t in 0..400 {
            let z: [f32; 5] = core::array::from_fn(|_| rng.next_normal() * 1.5);
            let y = z[0] + 0.5 * z[1] * z[2] > 0.0;
            let yf = if y { 1.0 } else { 0.0 };
            // Reference: layer 1 from clipped base logits z, then layer 2.
            let x0: Vec<f64> = z
                .iter()
                .map(|&v| (v as f64).clamp(-l, l))
                .chain([1.0])
                .collect();
            let mut x1 = Vec::new();
            for n in 0..3 {
                let c = ctx_of(&planes1[n], &z);
                let s: f64 = r.w1[n][c].iter().zip(&x0).map(|(w, x)| w * x).sum();
                if s.abs() < l {
                    let g = eta * (1.0 / (1.0 + (-s).exp()) - yf);
                    for (w, x) in r.w1[n][c].iter_mut().zip(&x0) {
                        *w = (*w - g * x).clamp(-beta, beta);
                    }
                }
                x1.push(s.clamp(-l, l));
            }
            x1.push(1.0);
            let c = ctx_of(&planes2, &z);
            let s: f64 = r.w2[c].iter().zip(&x1).map(|(w, x)| w * x).sum();
            let p_ref = (1.0 / (1.0 + (-s).exp())).clamp(eps as f64, 1.0 - eps as f64);
            if s.abs() < l {
                let g = eta * (1.0 / (1.0 + (-s).exp()) - yf);
                for (w, x) in r.w2[c].iter_mut().zip(&x1) {
                    *w = (*w - g * x).clamp(-beta, beta);
                }
            }
            let x = Input::from_side(&z).unwrap();
            let p = m.learn(&x, y) as f64;
            max_err = max_err.max((p - p_ref).abs());
            assert!((p - p_ref).abs() < 1e-3, "step {t}: {p} vs {p_ref}");
        }
        // The reference and the model learned the same thing, not just the first step.
        assert!(max_err > 0.0);
    }

    #[test]
    fn zero_init_predicts_one_half_and_average_init_the_geometric_mean() {
        let z = [0.3f32, -1.1, 2.0, 0.0];
        let x = Input::from_side(&z).unwrap();
        let zero = Gln1::<4, 4, 2, 4>::new(1, Config::DEFAULT.with_init(WeightInit::Zero));
        assert_eq!(zero.predict(&x), 0.5);
        let avg = Gln1::<4, 4, 2, 4>::new(1, Config::DEFAULT);
        // One neuron, weights 1/5 on four logits and the bias input (logit 1).
        let s = (0.3f32 - 1.1 + 2.0 + 0.0 + 1.0) / 5.0;
        assert!((avg.predict(&x) - crate::math::sigmoid(s)).abs() < 1e-6);
    }

    /// A depth the crate does not name costs an alias and a constructor, nothing else: this
    /// five-layer model learns, explains, saves and loads through the generic code.
    type Gln5<const D: usize, const B: usize, const H: usize, const K: usize, const C: usize> =
        Net<Bernoulli, D, B, Cons<Bernoulli, K, C, B, H, Layers4<Bernoulli, K, C, H, H, H, H>>>;

    impl<const D: usize, const B: usize, const H: usize, const K: usize, const C: usize>
        Gln5<D, B, H, K, C>
    {
        const fn new(seed: u64, config: Config) -> Self {
            let (mut rng, s, i) = (
                crate::net::start::<D, B, K, C, 1>(seed, config.check()),
                config.offset_std,
                config.init,
            );
            let g1 = Gates::new(&mut rng, s);
            let g2 = Gates::new(&mut rng, s);
            let g3 = Gates::new(&mut rng, s);
            let g4 = Gates::new(&mut rng, s);
            let gates = GCons(
                g1,
                GCons(
                    g2,
                    GCons(g3, GCons(g4, GCons(Gates::new(&mut rng, s), GEnd))),
                ),
            );
            Self::assemble(
                seed,
                config,
                gates,
                layer(i, layer(i, layer(i, layer(i, layer(i, End))))),
            )
        }
    }

    #[test]
    fn a_fifth_layer_costs_an_alias_and_a_constructor() {
        type M = Gln5<3, 3, 4, 2, 4>;
        static S: M = M::new(5, Config::DEFAULT);
        let mut m = M::new(5, Config::DEFAULT);
        assert!(S == m && S.fingerprint() == m.fingerprint());
        assert_eq!(
            M::try_new(5, Config::DEFAULT).unwrap().fingerprint(),
            m.fingerprint()
        );
        assert_eq!(M::DEPTH, 5);
        assert_eq!(M::WEIGHTS, 4 * 4 * 4 + 3 * (4 * 4 * 5) + 4 * 5);
        let mut rng = SplitMix64::new(3);
        for _ in 0..300 {
            let z: [f32; 3] = core::array::from_fn(|_| rng.next_normal());
            m.learn(&Input::from_side(&z).unwrap(), z[0] * z[1] > 0.0);
        }
        let z = [0.5f32, -0.25, 1.0];
        let x = Input::from_side(&z).unwrap();
        let e = m.explain(&x, 0).unwrap();
        assert!(e.within_tolerance(), "{e:?}");
        let p = m.predict(&x);
        assert!((p - output_probability(e.output, m.config().eps)).abs() == 0.0);
        let mut bytes = [0u8; M::SAVED_BYTES];
        m.save(&mut bytes).unwrap();
        assert_eq!(
            &bytes[16..64].chunks(4).map(|w| w[0]).collect::<Vec<_>>()[..],
            [5, 3, 3, 2, 4, 1, 4, 4, 4, 4, 1, 0]
        );
        let back = M::from_bytes(&bytes).unwrap();
        assert_eq!(back.fingerprint(), m.fingerprint());
        assert!(back == m);
    }

    #[test]
    fn equality_ignores_derived_state() {
        // Issue 11: a loaded copy (exact row bounds, no cached logit) and the trained model
        // (loose bounds, a cached logit) are the same model; so are a reset and a fresh one.
        type M = Gln2<3, 3, 4, 2, 4>;
        let mut m = M::new(9, Config::DEFAULT);
        let mut rng = SplitMix64::new(1);
        for _ in 0..200 {
            let z: [f32; 3] = core::array::from_fn(|_| rng.next_normal() * 3.0);
            m.learn(&Input::from_side(&z).unwrap(), z[0] > 0.0);
        }
        let mut bytes = [0u8; M::SAVED_BYTES];
        m.save(&mut bytes).unwrap();
        let loaded = M::from_bytes(&bytes).unwrap();
        let mut again = [0u8; M::SAVED_BYTES];
        loaded.save(&mut again).unwrap();
        assert_eq!(bytes, again);
        assert!(loaded == m, "identical saved bytes, equal models");
        let mut reset = m.clone();
        reset.reset();
        assert!(
            reset == M::new(9, Config::DEFAULT),
            "a reset model equals a fresh one"
        );
        assert!(reset != m);
    }
}
