//! The integer Bernoulli GLN, for cores without an FPU: [`QGln1`] to [`QGln4`] are the
//! generic [`Net`] with the [`QBernoulli`] family, the same shapes in the type as
//! [`Gln1`](crate::Gln1) to [`Gln4`](crate::Gln4).
//!
//! Everything on the learning path is integer arithmetic (formats in [`fixed`]):
//! - gating: the hyperplanes the `f32` GLN draws from the same seed, rounded to Q14, against
//!   side information in Q10; each dot product exact in `i64`;
//! - mixing: `i16` weights in Q12 (2 bytes each), input logits in Q12, each dot product exact
//!   in `i64`, rounded to a Q12 output logit;
//! - squash by a 513-entry table with linear interpolation, stretch by a 2048-entry table
//!   (both built by `const fn`);
//! - update: `g = round(η (σ(s) − y))` in Q16 (saturated below 1), `w ← clamp(w −
//!   round(g x), ±β)`, rounding halves up; a saturated neuron (`|s| ≥ logit(1 − eps)`) is not
//!   updated, as in the `f32` GLN.
//!
//! So the same seed and stream give the same weights on every target by construction. The
//! configuration is the [`Config`] of the `f32` GLN, with `eps ≥` [`MIN_EPS`] and `beta ≤`
//! [`MAX_BETA`] (checked at construction); its bounds are converted once, at construction
//! ([`QClip::of`]), and its learning rate is the `f32` schedule (one multiply per layer and
//! head, converted to Q24).
//!
//! ```
//! use gln::Config;
//! use gln::quant::{QGln2, QInput};
//!
//! // 3 features in Q10 (z · 1024), layers [8, 1], 2 halfspaces: 160 bytes of weights.
//! type Model = QGln2<3, 3, 8, 2, 4>;
//! static MODEL: Model = Model::new(42, Config::DEFAULT);
//! let mut model = MODEL.clone();
//! let x = QInput::from_side(&[512, -300, 2048]);
//! let p_before = model.learn(&x, true); // Q16: p · 65536
//! assert!(model.predict(&x) > p_before); // it learned
//! ```

pub mod fixed;

mod config;
mod gates;
mod input;
mod layer;

pub use config::{MAX_BETA, MIN_EPS, check};
#[doc(hidden)] // the gating of a stack: named by `Stack::Gates`, never by a user
pub use gates::{QGCons, QGates};
pub use input::QInput;
pub use layer::QClip;
#[doc(hidden)] // the layer of a stack: named by `Family::Layer`, never by a user
pub use layer::QLayer;

use crate::bernoulli::Network;
use crate::config::{Config, WeightInit};
use crate::error::Error;
use crate::input::Input;
use crate::math::argmax;
use crate::net::gates::GEnd;
use crate::net::{Cons, End, Family, GateStack, Layers1, Layers2, Layers3, Layers4, Net, Stack};
use fixed::{PROB_ONE, PROB_SHIFT, RATE_SHIFT, clamp_sym, round_sat, squash};

/// The integer Bernoulli family: a neuron outputs the Q12 logit of its clipped Q12 input
/// logits mixed by Q12 weights, and learns its log loss in integers (see [`Family`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QBernoulli;

/// Every logit limited to `±bound` as an `i16` (`bound ≤ 32767`).
fn clip_all<const L: usize>(x: &[i32; L], bound: i32) -> [i16; L] {
    let mut out = [0i16; L];
    for (o, v) in out.iter_mut().zip(x) {
        *o = clamp_sym(*v, bound) as i16;
    }
    out
}

impl Family for QBernoulli {
    type Side = i16;
    type Gating<const D: usize, const W: usize, const K: usize, R: GateStack<D, i16>> =
        QGCons<D, W, K, R>;
    type Layer<const IN: usize, const OUT: usize, const C: usize> = QLayer<IN, OUT, C>;
    type Input<const W: usize> = [i16; W];
    type Out = i32;
    type Params = QClip;
    type Back<const W: usize> = ();
    type Acc = ();
    type Config = Config;
    /// The configuration's bounds in fixed point (`logit` 0 until computed).
    type Cache = QClip;
    const BIASES: usize = 1;
    const MIX_MACS: usize = 1;
    const UPDATE_MACS: usize = 1;
    const BLANK: i32 = 0;
    const NO_CACHE: QClip = QClip { logit: 0, beta: 0 };
    const NAME: &'static str = "QGln";

    const KIND: Option<u16> = Some(crate::persist::kind::INTEGER_GLN);
    fn for_each_drawn_plane<const D: usize>(
        rng: &mut crate::rng::SplitMix64,
        planes: usize,
        offset_std: f32,
        f: &mut impl FnMut(f32),
    ) {
        gates::for_each_drawn_value::<D>(rng, planes, offset_std, f);
    }
    /// A multiple of 2^-12 within the `i16` range.
    fn holds_weight(w: f32) -> bool {
        let q = w * fixed::LOGIT_ONE as f32;
        fixed::round_sat(q, i16::MAX as i32) as f32 == q
    }
    fn check(config: &Config) -> Result<(), Error> {
        check(config)
    }
    fn new_layer<const IN: usize, const OUT: usize, const C: usize>(
        config: &Config,
    ) -> QLayer<IN, OUT, C> {
        QLayer::new(config.init)
    }
    #[inline(always)]
    fn forward<const IN: usize, const OUT: usize, const C: usize>(
        layer: &QLayer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &[i16; IN],
        _: &QClip,
        out: &mut [i32; OUT],
    ) {
        layer.forward(ctx, x, out);
    }
    /// `y` is 0 or 1 and `eta` the layer's `f32` rate, converted here to Q16 and Q24.
    #[inline(always)]
    fn update<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut QLayer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &[i16; IN],
        out: &[i32; OUT],
        y: f32,
        eta: f32,
        p: &QClip,
    ) {
        let y = if y > 0.5 { PROB_ONE } else { 0 };
        let eta = round_sat(eta * (1u32 << RATE_SHIFT) as f32, 1 << 30);
        layer.update(ctx, x, out, y, eta, p);
    }
    #[inline(always)]
    fn next<const W: usize>(out: &[i32; W], p: &QClip) -> [i16; W] {
        clip_all(out, p.logit)
    }
    fn pull_back<const IN: usize, const OUT: usize, const C: usize>(
        _: &QLayer<IN, OUT, C>,
        _: &[usize; OUT],
        _: &[i16; IN],
        _: &[i32; OUT],
        _: &(),
        _: &mut (),
    ) {
    }
    fn through_clip<const W: usize>(_: (), _: &[i32; W], _: &QClip, _: &mut ()) {}
    fn count<const W: usize>(_: &[i32; W], _: &QClip, _: &mut ()) {}
    fn unit<const W: usize>(_: i32, _: &QClip, _: &mut ()) {}
    fn zero_back<const W: usize>() {}
    fn for_each_weight<const IN: usize, const OUT: usize, const C: usize>(
        layer: &QLayer<IN, OUT, C>,
        f: &mut impl FnMut(f32),
    ) {
        layer.for_each_weight(f);
    }
    fn load_weights<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut QLayer<IN, OUT, C>,
        next: &mut impl FnMut() -> f32,
    ) {
        layer.load_weights(next);
    }
}

/// The output probability (Q16) of a final logit: `σ` of the logit clipped to
/// `±logit(1 − eps)`, so within `[eps, 1 − eps]` up to the table's rounding.
fn output_probability(s: i32, clip: &QClip) -> u16 {
    squash(clamp_sym(s, clip.logit)).clamp(0, PROB_ONE.wrapping_sub(1)) as u16
}

impl<const D: usize, const B: usize, S: Stack<QBernoulli, D, B>, const N: usize>
    Net<QBernoulli, D, B, S, N>
{
    /// Probability (Q16, `p · 65536`) of each head (class) for `x`. No learning, no
    /// mutation. Cannot fail: every value of a [`QInput`] is valid.
    pub fn predict_all(&self, x: &QInput<D, B>) -> [u16; N] {
        let clip = self.clip();
        let base = clip_all(&x.base_logits().map(i32::from), clip.logit);
        self.outputs(x.side(), &base, &clip)
            .map(|s| output_probability(s, &clip))
    }

    /// The class with the highest probability (the first on ties).
    pub fn predict_class(&self, x: &QInput<D, B>) -> usize {
        let p = self.predict_all(x);
        let mut best = 0;
        for (i, v) in p.iter().enumerate() {
            if p.get(best).is_some_and(|b| v > b) {
                best = i;
            }
        }
        best
    }

    /// Learns one sample with a target for every head; returns each head's probability
    /// (Q16) *before* the update. Cannot fail; every weight stays within `±beta`.
    pub fn learn_targets(&mut self, x: &QInput<D, B>, targets: &[bool; N]) -> [u16; N] {
        if self.cache.logit == 0 {
            self.cache = QClip::of(&self.config);
        }
        let clip = self.cache;
        let base = clip_all(&x.base_logits().map(i32::from), clip.logit);
        let y = targets.map(|t| if t { 1.0 } else { 0.0 });
        self.learn_outputs(x.side(), &base, &y, &clip)
            .map(|s| output_probability(s, &clip))
    }

    /// Learns one sample of class `label` (one-vs-all); returns each head's probability
    /// (Q16) before the update.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `label >= N`; nothing changes then.
    pub fn learn_class(&mut self, x: &QInput<D, B>, label: usize) -> Result<[u16; N], Error> {
        if label >= N {
            return Err(Error::LabelOutOfRange { label, classes: N });
        }
        let targets: [bool; N] = core::array::from_fn(|i| i == label);
        Ok(self.learn_targets(x, &targets))
    }

    /// The configuration's bounds in fixed point: cached by `new` and by the first `learn`
    /// (a model from `try_new` or a load computes them until then).
    pub fn clip(&self) -> QClip {
        if self.cache.logit == 0 {
            QClip::of(&self.config)
        } else {
            self.cache
        }
    }
}

impl<const D: usize, const B: usize, S: Stack<QBernoulli, D, B>> Net<QBernoulli, D, B, S, 1> {
    /// Probability (Q16) that the target is 1. See [`predict_all`](Self::predict_all).
    pub fn predict(&self, x: &QInput<D, B>) -> u16 {
        let [p] = self.predict_all(x);
        p
    }

    /// Learns one sample with a binary target; returns the probability (Q16) before the
    /// update.
    pub fn learn(&mut self, x: &QInput<D, B>, target: bool) -> u16 {
        let [p] = self.learn_targets(x, &[target]);
        p
    }
}

/// A probability in Q16 as an `f32` (exact).
fn to_f32(p: u16) -> f32 {
    f32::from(p) / (1u32 << PROB_SHIFT) as f32
}

/// The `f32` face of the integer GLN, for code written for [`Network`]: each [`Input`] is
/// converted by [`QInput::from_input`], each probability returned exactly as an `f32`.
impl<const D: usize, const B: usize, S: Stack<QBernoulli, D, B>, const N: usize> Network<D, B, N>
    for Net<QBernoulli, D, B, S, N>
{
    fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N] {
        Self::predict_all(self, &QInput::from_input(x)).map(to_f32)
    }
    fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N] {
        Self::learn_targets(self, &QInput::from_input(x), targets).map(to_f32)
    }
    fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error> {
        Self::learn_class(self, &QInput::from_input(x), label).map(|p| p.map(to_f32))
    }
    fn predict_class(&self, x: &Input<'_, D, B>) -> usize {
        argmax(&Network::predict_all(self, x))
    }
}

/// The shape checks every alias shares, the configuration check (a panic, at compile time in
/// a `const` context) and the generator the hyperplanes are drawn from.
const fn start<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize>(
    seed: u64,
    config: &Config,
) -> crate::rng::SplitMix64 {
    crate::net::start::<D, B, K, C, N>(seed, check(config))
}

/// `net` with its fixed-point bounds cached (what every alias's `new` returns).
const fn cached<const D: usize, const B: usize, S: Stack<QBernoulli, D, B>, const N: usize>(
    mut net: Net<QBernoulli, D, B, S, N>,
) -> Net<QBernoulli, D, B, S, N> {
    net.cache = QClip::of(&net.config);
    net
}

/// One layer of `OUT` neurons over `IN` inputs at `init`, then `rest`.
const fn layer<const K: usize, const C: usize, const IN: usize, const OUT: usize, R>(
    init: WeightInit,
    rest: R,
) -> Cons<QBernoulli, K, C, IN, OUT, R> {
    Cons(QLayer::new(init), rest)
}

/// A one-layer integer GLN (parameters as [`Gln1`](crate::Gln1)).
pub type QGln1<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize = 1> =
    Net<QBernoulli, D, B, Layers1<QBernoulli, K, C, B>, N>;

/// A two-layer integer GLN, `[H1, 1]` per head (parameters as [`Gln2`](crate::Gln2)).
pub type QGln2<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<QBernoulli, D, B, Layers2<QBernoulli, K, C, B, H1>, N>;

/// A three-layer integer GLN, `[H1, H2, 1]` per head (parameters as [`Gln3`](crate::Gln3)).
pub type QGln3<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<QBernoulli, D, B, Layers3<QBernoulli, K, C, B, H1, H2>, N>;

/// A four-layer integer GLN, `[H1, H2, H3, 1]` per head (parameters as
/// [`Gln4`](crate::Gln4)).
pub type QGln4<
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize = 1,
> = Net<QBernoulli, D, B, Layers4<QBernoulli, K, C, B, H1, H2, H3>, N>;

impl<const D: usize, const B: usize, const K: usize, const C: usize, const N: usize>
    QGln1<D, B, K, C, N>
{
    /// A network with hyperplanes drawn from `seed` (those of [`Gln1`](crate::Gln1) with
    /// the same seed, rounded) and weights set by the configuration's `init`. A `const fn`,
    /// so a model can be built at compile time into a `static`; a bad shape is a compile
    /// error.
    ///
    /// # Panics
    /// For a `config` that [`check`] rejects: at compile time in a `const` context (use
    /// [`Net::try_new`] to get an error instead).
    pub const fn new(seed: u64, config: Config) -> Self {
        let (mut rng, s, i) = (
            start::<D, B, K, C, N>(seed, &config),
            config.offset_std,
            config.init,
        );
        let gates = QGCons(QGates::new(&mut rng, s), GEnd);
        cached(Self::assemble(seed, config, gates, layer(i, End)))
    }
}

impl<
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize,
> QGln2<D, B, H1, K, C, N>
{
    /// See [`QGln1::new`](Net::new).
    pub const fn new(seed: u64, config: Config) -> Self {
        const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
        let (mut rng, s, i) = (
            start::<D, B, K, C, N>(seed, &config),
            config.offset_std,
            config.init,
        );
        let g1 = QGates::new(&mut rng, s);
        let gates = QGCons(g1, QGCons(QGates::new(&mut rng, s), GEnd));
        cached(Self::assemble(seed, config, gates, layer(i, layer(i, End))))
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
> QGln3<D, B, H1, H2, K, C, N>
{
    /// See [`QGln1::new`](Net::new).
    pub const fn new(seed: u64, config: Config) -> Self {
        const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
        const { assert!(H2 > 0, "H2 (a hidden width) must be at least 1") }
        let (mut rng, s, i) = (
            start::<D, B, K, C, N>(seed, &config),
            config.offset_std,
            config.init,
        );
        let g1 = QGates::new(&mut rng, s);
        let g2 = QGates::new(&mut rng, s);
        let gates = QGCons(g1, QGCons(g2, QGCons(QGates::new(&mut rng, s), GEnd)));
        cached(Self::assemble(
            seed,
            config,
            gates,
            layer(i, layer(i, layer(i, End))),
        ))
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
> QGln4<D, B, H1, H2, H3, K, C, N>
{
    /// See [`QGln1::new`](Net::new).
    pub const fn new(seed: u64, config: Config) -> Self {
        const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
        const { assert!(H2 > 0, "H2 (a hidden width) must be at least 1") }
        const { assert!(H3 > 0, "H3 (a hidden width) must be at least 1") }
        let (mut rng, s, i) = (
            start::<D, B, K, C, N>(seed, &config),
            config.offset_std,
            config.init,
        );
        let g1 = QGates::new(&mut rng, s);
        let g2 = QGates::new(&mut rng, s);
        let g3 = QGates::new(&mut rng, s);
        let g4 = QGCons(QGates::new(&mut rng, s), GEnd);
        let gates = QGCons(g1, QGCons(g2, QGCons(g3, g4)));
        let head = layer(i, layer(i, layer(i, layer(i, End))));
        cached(Self::assemble(seed, config, gates, head))
    }
}
