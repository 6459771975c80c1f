//! Bernoulli GLN networks of one to four layers, their shape in their type.
//!
//! Stable Rust cannot compute array lengths from const parameters (`[f32; IN + 1]`,
//! `[T; 1 << K]`), so a network type lists every size it stores: side-information size `D`,
//! base-input size `B`, hidden widths `H1, H2, ...`, halfspaces per neuron `K`, contexts per
//! neuron `C` (which must be `2^K`), and heads `N` (classes, one-vs-all; 1 for a binary
//! model). The last layer of every head is one neuron, so it has no width parameter: a
//! wider output layer cannot be written. The constructor's `const` assertions turn any other
//! bad shape into a compile error (they fire in `cargo build`, not in `cargo check`).

use crate::Error;
use crate::config::Config;
use crate::explain::{Explain, Explanation, through_clip};
use crate::gate::Gates;
use crate::hash::Fnv1a;
use crate::input::Input;
use crate::layer::{Clip, Layer};
use crate::math::{argmax, clamp, sigmoid};
use crate::rng::SplitMix64;

/// What every Bernoulli GLN ([`Gln1`] to [`Gln4`]) can do, for code that is generic over the
/// depth: side-information size `D`, base-input size `B`, heads `N`.
///
/// Each method forwards to the inherent method of the same name.
pub trait Network<const D: usize, const B: usize, const N: usize> {
    /// See [`Gln3::predict_all`].
    fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N];
    /// See [`Gln3::learn_targets`].
    fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N];
    /// See [`Gln3::learn_class`].
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `label >= N`; nothing changes then.
    fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error>;
    /// See [`Gln3::predict_class`].
    fn predict_class(&self, x: &Input<'_, D, B>) -> usize {
        argmax(&self.predict_all(x))
    }
    /// See [`Gln3::for_each_weight`].
    fn for_each_weight(&self, f: &mut dyn FnMut(f32));
    /// See [`Gln3::fingerprint`].
    fn fingerprint(&self) -> u64;
    /// See [`Gln3::steps`].
    fn steps(&self) -> u64;
    /// See [`Gln3::config`].
    fn config(&self) -> &Config;
    /// See [`Gln3::reset`].
    fn reset(&mut self);
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

/// The network's output probability from its final logit, exactly within `[eps, 1 - eps]`.
fn output_probability(s: f32, eps: f32) -> f32 {
    clamp(sigmoid(s), eps, 1.0 - eps)
}

macro_rules! gln_network {
    (
        $(#[$meta:meta])*
        $Net:ident, $Head:ident, depth $depth:literal,
        hidden [$($H:ident),*],
        layers [$(($g:ident, $l:ident, $In:tt => $Out:tt)),+],
        explain [$(($rl:ident, $rg:ident, $rp:ident)),*] first ($fl:ident, $fg:ident) last $last:ident
    ) => {
        /// The weights of one head (one class): every layer, without the shared gating.
        #[derive(Clone, Copy, Debug, PartialEq)]
        struct $Head<const B: usize, $(const $H: usize,)* const C: usize> {
            $( $l: Layer<$In, $Out, C>, )+
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
            config: Config,
            seed: u64,
            steps: u64,
            /// `config.logit_bound()` (a `logf`), computed by the first `learn` so that later
            /// calls need not; 0 until then. Derived state: not saved, not fingerprinted.
            logit: f32,
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
            /// `N · Σ_layers width · C · (inputs + 1)`.
            pub const WEIGHTS: usize = N * (0 $( + $Out * C * ($In + 1) )+);

            /// Number of hyperplane values (directions and offsets): `Σ_layers width · K · (D + 1)`.
            pub const PLANE_VALUES: usize = 0 $( + $Out * K * (D + 1) )+;

            /// Multiply-adds of one `predict`: gating (shared by the heads)
            /// `Σ width · K · D`, plus mixing `N · Σ width · (inputs + 1)`.
            pub const MACS_PREDICT: usize =
                (0 $( + $Out * K * D )+) + N * (0 $( + $Out * ($In + 1) )+);

            /// Multiply-adds of one `learn`: those of `predict` plus the update of every
            /// active row, `N · Σ width · (inputs + 1)` (fewer when neurons are saturated).
            pub const MACS_LEARN: usize = Self::MACS_PREDICT + N * (0 $( + $Out * ($In + 1) )+);

            /// A network with hyperplanes drawn from `seed` and weights set by `config.init`.
            ///
            /// A `const fn`, so a model can be built at compile time into a `static`.
            ///
            /// # Panics
            /// A bad shape is a compile error: `C` not `2^K`, `K > 16`, or any size 0. An
            /// invalid `config` (see [`Config::check`]) panics: at compile time in a `const`
            /// context, at run time otherwise (use [`Self::try_new`] to get an error instead).
            pub const fn new(seed: u64, config: Config) -> Self {
                const {
                    assert!(D > 0, "D (side-information size) must be at least 1");
                    assert!(B > 0, "B (base-input size) must be at least 1");
                    $( assert!($H > 0, concat!(stringify!($H), " (a hidden width) must be at least 1")); )*
                    assert!(N > 0, "N (number of heads/classes) must be at least 1");
                    assert!(K <= 16, "K (halfspaces per neuron) must be at most 16");
                    assert!(C == 1 << K, "C (contexts per neuron) must be 2^K");
                }
                if let Err(Error::InvalidConfig(why)) = config.check() {
                    panic!("{}", why);
                }
                let mut rng = SplitMix64::new(seed);
                $( let $g = Gates::new(&mut rng, config.offset_std); )+
                let head = $Head { $( $l: Layer::new(config.init), )+ };
                Self { $( $g, )+ heads: [head; N], config, seed, steps: 0, logit: 0.0 }
            }

            /// As [`Self::new`], with an error instead of a panic for an invalid `config`.
            ///
            /// # Errors
            /// [`Error::InvalidConfig`] naming the value out of range.
            pub fn try_new(seed: u64, config: Config) -> Result<Self, Error> {
                config.check()?;
                Ok(Self::new(seed, config))
            }

            /// Puts every weight back to its initial value and the step count to 0; the
            /// hyperplanes stay. Works in place, so it suits a model in a `static`.
            pub fn reset(&mut self) {
                let head = $Head { $( $l: Layer::new(self.config.init), )+ };
                self.heads = [head; N];
                self.steps = 0;
            }

            /// The configuration given at construction.
            pub fn config(&self) -> &Config {
                &self.config
            }

            /// The seed the hyperplanes were drawn from.
            pub fn seed(&self) -> u64 {
                self.seed
            }

            /// Number of `learn` calls so far (the `t` of the learning-rate schedule).
            pub fn steps(&self) -> u64 {
                self.steps
            }

            /// Probability of each head (class) for `x`, in `[eps, 1 - eps]`. No learning,
            /// no mutation.
            ///
            /// Cannot fail: `x` was checked when the [`Input`] was built (no NaN, no
            /// infinite side information). Subnormal and huge-but-finite side information is
            /// used as it is (a huge value just falls on one side of every hyperplane), and
            /// base logits are clipped to `±logit(1 - eps)`, infinities included.
            pub fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N] {
                let clip = self.clip();
                let eps = self.config.eps;
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = clip_all(x.base_logits(), clip.logit);
                let mut out = [0.0f32; N];
                for (o, head) in out.iter_mut().zip(&self.heads) {
                    let input = &base;
                    $(
                        let mut s = [0.0f32; $Out];
                        head.$l.forward(&$g, input, &mut s);
                        let next = clip_all(&s, clip.logit);
                        let input = &next;
                    )+
                    let _ = input;
                    let [logit] = s;
                    *o = output_probability(logit, eps);
                }
                out
            }

            /// The class with the highest probability (the first on ties).
            pub fn predict_class(&self, x: &Input<'_, D, B>) -> usize {
                argmax(&self.predict_all(x))
            }

            /// Learns one sample with a target for every head; returns each head's
            /// probability *before* the update, so a stream can be scored before it is
            /// learned.
            ///
            /// Each layer is updated from the outputs it computed before its update, and
            /// those pre-update outputs feed the next layer.
            ///
            /// Cannot fail, and keeps every weight finite and within `[-beta, beta]` whatever
            /// `x` holds (see [`predict_all`](Self::predict_all) for what an [`Input`] may
            /// hold): a valid [`Config`] bounds every logit (see [`Config::MAX_BETA`]).
            pub fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N] {
                self.steps = self.steps.saturating_add(1);
                let config = self.config;
                if !(self.logit > 0.0) {
                    self.logit = config.logit_bound();
                }
                let clip = self.clip();
                let eta = config.learning_rate.at(self.steps);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = clip_all(x.base_logits(), clip.logit);
                let mut out = [0.0f32; N];
                for ((o, head), &t) in out.iter_mut().zip(self.heads.iter_mut()).zip(targets) {
                    let y = if t { 1.0 } else { 0.0 };
                    let input = &base;
                    let mut layer = 0;
                    $(
                        let mut s = [0.0f32; $Out];
                        head.$l.forward(&$g, input, &mut s);
                        let lr = config.learning_rate.for_layer(eta, layer, $In.saturating_add(1));
                        layer = layer.saturating_add(1);
                        head.$l.update(&$g, input, &s, y, lr, &clip);
                        let next = clip_all(&s, clip.logit);
                        let input = &next;
                    )+
                    let _ = (input, layer);
                    let [logit] = s;
                    *o = output_probability(logit, config.eps);
                }
                out
            }

            /// Learns one sample of class `label` (one-vs-all: head `label` learns 1, every
            /// other head 0); returns each head's probability before the update.
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

            /// The contribution of each base input, and of the bias inputs, to the output
            /// logit of `head` for `x`: given the contexts `x` selects, the head is a linear
            /// map from the clipped base logits to its output logit, and this returns its
            /// terms. No learning, no mutation, no heap.
            ///
            /// The contributions sum to [`Explanation::output`], the logit this head computes
            /// in [`predict_all`](Self::predict_all) (bit for bit: its probability is
            /// `clamp(σ(output), eps, 1 − eps)`), within [`Explanation::TOLERANCE`]. Where an
            /// input clip binds, see [the `explain` module](crate::explain): the sum stays
            /// exact, and [`Explanation::is_linear`] says whether the terms are also the
            /// local linear map.
            ///
            /// # Errors
            /// [`Error::LabelOutOfRange`] if `head >= N`.
            pub fn explain(&self, x: &Input<'_, D, B>, head: usize) -> Result<Explanation<B>, Error> {
                let Some(h) = self.heads.get(head) else {
                    return Err(Error::LabelOutOfRange { label: head, classes: N });
                };
                let clip = Clip::new(self.config.logit_bound(), self.config.beta);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                let base = x.base_logits().map(|v| clamp(v, -clip.logit, clip.logit));
                // Forward, as `predict_all`, keeping each layer's output logits (named
                // after the layer) for the sweep back.
                let input = &base;
                $(
                    let mut $l = [0.0f32; $Out];
                    h.$l.forward(&$g, input, &mut $l);
                    let next = $l.map(|v| clamp(v, -clip.logit, clip.logit));
                    let input = &next;
                )+
                let _ = input;
                let [output] = $last;
                // Backward: `r` is the weight of each of a layer's output logits in the
                // head's output logit; the first is the output neuron itself.
                let r = [1.0f32];
                let mut bias = 0.0f32;
                #[allow(unused_mut)] // a one-layer network has no hidden neuron to clip
                let mut clipped_neurons = 0usize;
                $(
                    let r = h.$rl.pull_back(&$rg, &r, &mut bias);
                    let r = through_clip(r, &$rp, clip.logit, &mut clipped_neurons);
                )*
                let a = h.$fl.pull_back(&$fg, &r, &mut bias);
                let mut inputs = [0.0f32; B];
                for ((c, aj), xj) in inputs.iter_mut().zip(&a).zip(&base) {
                    *c = aj * xj;
                }
                let clipped_inputs = x
                    .base_logits()
                    .iter()
                    .filter(|v| !(crate::math::abs(**v) <= clip.logit))
                    .count();
                Ok(Explanation { inputs, bias, output, clipped_inputs, clipped_neurons })
            }

            /// Visits every weight: head by head, layer by layer, neuron by neuron, context
            /// by context, the input weights then the bias weight.
            pub fn for_each_weight(&self, mut f: impl FnMut(f32)) {
                for head in &self.heads {
                    $( head.$l.for_each_weight(&mut f); )+
                }
            }

            /// FNV-1a hash of the model's state: hyperplanes, weights (in
            /// [`for_each_weight`](Self::for_each_weight) order) and step count. Two models
            /// with the same fingerprint compute the same bits; the parity tests compare it
            /// across builds and boards.
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
            /// order (each row's clipping bound is recomputed), and the step count is set.
            pub(crate) fn restore(
                &mut self,
                seed: u64,
                config: Config,
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
                self.logit = 0.0;
            }

            /// The clipping bounds, from the cached `logit(1 - eps)` when there is one.
            fn clip(&self) -> Clip {
                let logit = if self.logit > 0.0 { self.logit } else { self.config.logit_bound() };
                Clip::new(logit, self.config.beta)
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > Network<D, B, N> for $Net<D, B, $($H,)* K, C, N> {
            fn predict_all(&self, x: &Input<'_, D, B>) -> [f32; N] {
                $Net::predict_all(self, x)
            }
            fn learn_targets(&mut self, x: &Input<'_, D, B>, targets: &[bool; N]) -> [f32; N] {
                $Net::learn_targets(self, x, targets)
            }
            fn learn_class(&mut self, x: &Input<'_, D, B>, label: usize) -> Result<[f32; N], Error> {
                $Net::learn_class(self, x, label)
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
            fn config(&self) -> &Config {
                $Net::config(self)
            }
            fn reset(&mut self) {
                $Net::reset(self)
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > Explain<D, B, N> for $Net<D, B, $($H,)* K, C, N> {
            fn explain(&self, x: &Input<'_, D, B>, head: usize) -> Result<Explanation<B>, Error> {
                $Net::explain(self, x, head)
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
        > $Net<D, B, $($H,)* K, C, 1> {
            /// Probability that the target is 1 (`true`), in `[eps, 1 - eps]`. No learning,
            /// no mutation. Cannot fail (see [`predict_all`](Self::predict_all)).
            pub fn predict(&self, x: &Input<'_, D, B>) -> f32 {
                let [p] = self.predict_all(x);
                p
            }

            /// Learns one sample with a binary target; returns the probability predicted
            /// *before* the update. Cannot fail (see [`learn_targets`](Self::learn_targets)).
            pub fn learn(&mut self, x: &Input<'_, D, B>, target: bool) -> f32 {
                let [p] = self.learn_targets(x, &[target]);
                p
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

gln_network! {
    /// A one-layer Bernoulli GLN: one gated neuron per head over the base inputs (a gated
    /// logistic regression in the logit domain).
    ///
    /// Parameters: side information `D`, base inputs `B`, halfspaces `K`, contexts `C = 2^K`,
    /// heads `N` (default 1). See [`Gln3`] for an example.
    Gln1, Head1, depth 1,
    hidden [],
    layers [(g1, l1, B => 1)],
    explain [] first (l1, g1) last l1
}

gln_network! {
    /// A two-layer Bernoulli GLN: `[H1, 1]` per head.
    ///
    /// Parameters: side information `D`, base inputs `B`, hidden width `H1`, halfspaces `K`,
    /// contexts `C = 2^K`, heads `N` (default 1). See [`Gln3`] for an example.
    Gln2, Head2, depth 2,
    hidden [H1],
    layers [(g1, l1, B => H1), (g2, l2, H1 => 1)],
    explain [(l2, g2, l1)] first (l1, g1) last l2
}

gln_network! {
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
    Gln3, Head3, depth 3,
    hidden [H1, H2],
    layers [(g1, l1, B => H1), (g2, l2, H1 => H2), (g3, l3, H2 => 1)],
    explain [(l3, g3, l2), (l2, g2, l1)] first (l1, g1) last l3
}

gln_network! {
    /// A four-layer Bernoulli GLN: `[H1, H2, H3, 1]` per head.
    ///
    /// Parameters: side information `D`, base inputs `B`, hidden widths `H1, H2, H3`,
    /// halfspaces `K`, contexts `C = 2^K`, heads `N` (default 1). See [`Gln3`] for an example.
    Gln4, Head4, depth 4,
    hidden [H1, H2, H3],
    layers [(g1, l1, B => H1), (g2, l2, H1 => H2), (g3, l3, H2 => H3), (g4, l4, H3 => 1)],
    explain [(l4, g4, l3), (l3, g3, l2), (l2, g2, l1)] first (l1, g1) last l4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LearningRate, WeightInit};
    use crate::math::logit;

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
            .map(|n| (0..2).map(|i| m.g1.plane(n, i)).collect())
            .collect();
        let planes2: Vec<([f32; 5], f32)> = (0..2).map(|i| m.g2.plane(0, i)).collect();
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

    #[test]
    fn argmax_takes_the_first_maximum_and_ignores_nan() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.2, 0.1]), 1);
        assert_eq!(argmax(&[]), 0);
    }
}
