//! The one generic network: gating shared by `N` heads, each head a stack of layers.
//!
//! [`Net<F, D, B, S, N>`](Net) is written once for every depth and both families: `F` is the
//! [`Family`] (what a neuron mixes and how it learns: [`Bernoulli`](crate::bernoulli::Bernoulli)
//! or [`Gaussian`](crate::gaussian::GaussianFamily)), `D` the side-information size, `B` the
//! base-input size, `S` the layers of one head as nested types ([`Cons`]`<.., `[`End`]`>`), `N`
//! the number of heads. The public names ([`Gln1`](crate::Gln1) to [`Gln4`](crate::Gln4),
//! [`GaussianGln1`](crate::gaussian::GaussianGln1) to
//! [`GaussianGln4`](crate::gaussian::GaussianGln4)) are aliases of it, each with one short
//! `const fn new` that spells its nesting (so that a model can be built at compile time into a
//! `static`): a new depth costs an alias and a constructor. See `docs/design.md`.

pub(crate) mod gates;
mod stack;

#[doc(hidden)] // the gating of a stack: named by `Stack::Gates`, never by a user
pub use gates::{GCons, GEnd, GateStack};
pub(crate) use stack::MAX_DEPTH;
pub use stack::{Cons, End, Stack};

use crate::Error;
use crate::config::LearningRate;
use crate::hash::Fnv1a;
use crate::rng::SplitMix64;
use gates::Gates;

/// What differs between the Bernoulli and the Gaussian GLN: the layer type, what a neuron
/// takes in and puts out, its update, the backward sweep of `explain`, and the
/// configuration. Implemented by [`Bernoulli`](crate::bernoulli::Bernoulli) and
/// [`GaussianFamily`](crate::gaussian::GaussianFamily); not meant to be implemented
/// elsewhere (its methods are building blocks of [`Net`], documented for readers of the
/// source).
#[doc(hidden)] // the generic core's internal interface: named in bounds, never by a user
pub trait Family: Copy + PartialEq + core::fmt::Debug + 'static {
    /// The scalar of the side information the gating reads (`f32`; `i16` for the integer
    /// family).
    type Side: Copy;
    /// The gating of a layer of `W` neurons, `K` hyperplanes each, over `D` side values,
    /// followed by the gating `R` of the layers above ([`GCons`] for the `f32` families).
    type Gating<const D: usize, const W: usize, const K: usize, R: GateStack<D, Self::Side>>: GateStack<
            D,
            Self::Side,
            Ctx = ([usize; W], R::Ctx),
        >;
    /// The weights of a layer of `OUT` neurons over `IN` inputs, `C` contexts each.
    type Layer<const IN: usize, const OUT: usize, const C: usize>: Copy
        + PartialEq
        + core::fmt::Debug;
    /// A layer's `W` inputs in the form its neurons use them.
    type Input<const W: usize>;
    /// What one neuron computes for one input.
    type Out: Copy;
    /// The bounds every layer applies in one call (from the configuration).
    type Params: Copy;
    /// The weights of a layer's `W` inputs in the explained outputs.
    type Back<const W: usize>;
    /// What a backward sweep gathers besides the weights: biases' shares, clip counts.
    type Acc;
    /// The configuration.
    type Config: ModelConfig;
    /// Model-level derived state that is neither saved nor compared (a cached bound).
    type Cache: Copy;
    /// Bias inputs of every neuron.
    const BIASES: usize;
    /// Multiply-adds per input of a neuron's forward pass.
    const MIX_MACS: usize;
    /// Multiply-adds per input of a neuron's update.
    const UPDATE_MACS: usize;
    /// A neuron's output before any computation.
    const BLANK: Self::Out;
    /// The cache of a model that has not learned yet.
    const NO_CACHE: Self::Cache;
    /// The name of the family's models (for `Debug`).
    const NAME: &'static str;

    /// The record kind of the family's saved models, when it is not that of its
    /// configuration (the integer family shares [`Config`](crate::Config) with the
    /// Bernoulli one).
    const KIND: Option<u16> = None;
    /// Visits the values of `planes` hyperplanes over `D` inputs drawn from `rng` as the
    /// family's gating stores them, in drawing order (what a saved record's hyperplane hash
    /// is checked against; by default the `f32` gating's).
    fn for_each_drawn_plane<const D: usize>(
        rng: &mut SplitMix64,
        planes: usize,
        offset_std: f32,
        f: &mut impl FnMut(f32),
    ) {
        gates::for_each_drawn_value::<D>(rng, planes, offset_std, f);
    }
    /// Whether the family's weights can hold the saved weight `w` exactly (all of them by
    /// default; the integer family's only multiples of 2^-12).
    fn holds_weight(w: f32) -> bool {
        let _ = w;
        true
    }
    /// `Ok` for a configuration this family can use (by default
    /// [`ModelConfig::validate`]; the integer family adds the bounds of its formats).
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the value out of range.
    fn check(config: &Self::Config) -> Result<(), Error> {
        config.validate()
    }
    /// A layer with every weight at its initial value.
    fn new_layer<const IN: usize, const OUT: usize, const C: usize>(
        config: &Self::Config,
    ) -> Self::Layer<IN, OUT, C>;
    /// Every neuron's output for its context `ctx[n]`.
    fn forward<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Self::Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Self::Input<IN>,
        p: &Self::Params,
        out: &mut [Self::Out; OUT],
    );
    /// The local update of every neuron's active row towards target `y`, from the outputs
    /// [`Family::forward`] computed for `x`.
    #[allow(clippy::too_many_arguments)]
    fn update<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut Self::Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Self::Input<IN>,
        out: &[Self::Out; OUT],
        y: f32,
        eta: f32,
        p: &Self::Params,
    );
    /// The next layer's inputs from this layer's outputs (clipped).
    fn next<const W: usize>(out: &[Self::Out; W], p: &Self::Params) -> Self::Input<W>;
    /// The transpose of [`Family::forward`] on the active rows: given the weights `r` of
    /// the layer's outputs, the weights of its inputs; the biases' shares go to `acc`.
    fn pull_back<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Self::Layer<IN, OUT, C>,
        ctx: &[usize; OUT],
        x: &Self::Input<IN>,
        out: &[Self::Out; OUT],
        r: &Self::Back<OUT>,
        acc: &mut Self::Acc,
    ) -> Self::Back<IN>;
    /// Carries weights of a layer's clipped outputs back to its raw outputs `out` (in
    /// proportion where a clip bound), counting the clipped neurons in `acc`.
    fn through_clip<const W: usize>(
        r: Self::Back<W>,
        out: &[Self::Out; W],
        p: &Self::Params,
        acc: &mut Self::Acc,
    ) -> Self::Back<W>;
    /// Counts what a layer's outputs say about the explanation (projected rows).
    fn count<const W: usize>(out: &[Self::Out; W], p: &Self::Params, acc: &mut Self::Acc);
    /// The weights of the output neuron (whose output is `top`) in the explained outputs.
    fn unit<const W: usize>(top: Self::Out, p: &Self::Params, acc: &mut Self::Acc)
    -> Self::Back<W>;
    /// Zero weights (what [`End`] returns, never used).
    fn zero_back<const W: usize>() -> Self::Back<W>;
    /// Visits every weight of a layer: neuron by neuron, row by row, inputs then biases.
    fn for_each_weight<const IN: usize, const OUT: usize, const C: usize>(
        layer: &Self::Layer<IN, OUT, C>,
        f: &mut impl FnMut(f32),
    );
    /// Sets every weight of a layer in [`Family::for_each_weight`] order.
    fn load_weights<const IN: usize, const OUT: usize, const C: usize>(
        layer: &mut Self::Layer<IN, OUT, C>,
        next: &mut impl FnMut() -> f32,
    );
}

/// What the generic network reads from a family's configuration.
#[doc(hidden)] // the generic core's internal interface: named in bounds, never by a user
pub trait ModelConfig: Copy + PartialEq + core::fmt::Debug {
    /// The learning-rate schedule.
    fn learning_rate(&self) -> &LearningRate;
    /// The spread of the hyperplane offsets.
    fn offset_std(&self) -> f32;
    /// The weight box `[-beta, beta]`.
    fn beta(&self) -> f32;
    /// `Ok` for a valid configuration, else [`Error::InvalidConfig`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the value out of range.
    fn validate(&self) -> Result<(), Error>;
}

/// A GLN of family `F`: gating shared by `N` heads, each head the layer stack `S` over `B`
/// base inputs, gated by `D` side-information values. Use it through its aliases
/// ([`Gln1`](crate::Gln1) ... [`Gln4`](crate::Gln4),
/// [`GaussianGln1`](crate::gaussian::GaussianGln1) ...); see the [module docs](self).
#[derive(Clone)]
pub struct Net<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize = 1> {
    pub(crate) gates: S::Gates,
    pub(crate) heads: [S; N],
    pub(crate) config: F::Config,
    pub(crate) seed: u64,
    pub(crate) steps: u64,
    /// Derived state (for the Bernoulli GLN, `logit(1 − eps)` computed by the first
    /// `learn`): not saved, not fingerprinted, not compared.
    pub(crate) cache: F::Cache,
}

/// Checks the shape parameters every alias shares (a compile error when one is bad) and the
/// configuration (`valid`, its check: a panic, at compile time in a `const` context), and
/// returns the generator the hyperplanes are drawn from.
// The documented panic of the aliases' `new` for an invalid config.
#[allow(clippy::panic)]
pub(crate) const fn start<
    const D: usize,
    const B: usize,
    const K: usize,
    const C: usize,
    const N: usize,
>(
    seed: u64,
    valid: Result<(), Error>,
) -> SplitMix64 {
    const {
        assert!(D > 0, "D (side-information size) must be at least 1");
        assert!(B > 0, "B (base-input size) must be at least 1");
        assert!(N > 0, "N (number of heads/classes) must be at least 1");
        assert!(K <= 16, "K (halfspaces per neuron) must be at most 16");
        assert!(C == 1 << K, "C (contexts per neuron) must be 2^K");
    }
    if let Err(Error::InvalidConfig(why)) = valid {
        panic!("{}", why);
    }
    SplitMix64::new(seed)
}

/// The layers of one head, `[1]` (the output neuron over `IN` inputs): what the aliases
/// [`Gln1`](crate::Gln1) ... name.
#[doc(hidden)] // named by the aliases' definitions, never by a user
pub type Layers1<F, const K: usize, const C: usize, const IN: usize> = Cons<F, K, C, IN, 1, End>;
/// `[W1, 1]`.
#[doc(hidden)] // named by the aliases' definitions, never by a user
pub type Layers2<F, const K: usize, const C: usize, const IN: usize, const W1: usize> =
    Cons<F, K, C, IN, W1, Layers1<F, K, C, W1>>;
/// `[W1, W2, 1]`.
#[doc(hidden)] // named by the aliases' definitions, never by a user
pub type Layers3<
    F,
    const K: usize,
    const C: usize,
    const IN: usize,
    const W1: usize,
    const W2: usize,
> = Cons<F, K, C, IN, W1, Layers2<F, K, C, W1, W2>>;
/// `[W1, W2, W3, 1]`.
#[doc(hidden)] // named by the aliases' definitions, never by a user
pub type Layers4<
    F,
    const K: usize,
    const C: usize,
    const IN: usize,
    const W1: usize,
    const W2: usize,
    const W3: usize,
> = Cons<F, K, C, IN, W1, Layers3<F, K, C, W1, W2, W3>>;

/// The `f32` gating of four layers (what [`net4`] draws).
type F32Gates4<const D: usize, const H1: usize, const H2: usize, const H3: usize, const K: usize> =
    GCons<D, H1, K, GCons<D, H2, K, GCons<D, H3, K, GCons<D, 1, K, GEnd>>>>;

/// The construction shared by both families' aliases, one `const fn` per depth: checks the
/// shape and the configuration (`valid`), draws the gates of every layer in order from `seed`
/// with offset spread `spread`, and puts them together with `head` (the family's layers at
/// their initial weights).
pub(crate) const fn net1<
    F: Family,
    const D: usize,
    const B: usize,
    const K: usize,
    const C: usize,
    const N: usize,
>(
    seed: u64,
    config: F::Config,
    (valid, spread): (Result<(), Error>, f32),
    head: Layers1<F, K, C, B>,
) -> Net<F, D, B, Layers1<F, K, C, B>, N>
where
    Layers1<F, K, C, B>: Stack<F, D, B, Gates = GCons<D, 1, K, GEnd>>,
{
    let mut rng = start::<D, B, K, C, N>(seed, valid);
    let gates = GCons(Gates::new(&mut rng, spread), GEnd);
    Net::assemble(seed, config, gates, head)
}

/// [`net1`] for `[H1, 1]`.
pub(crate) const fn net2<
    F: Family,
    const D: usize,
    const B: usize,
    const H1: usize,
    const K: usize,
    const C: usize,
    const N: usize,
>(
    seed: u64,
    config: F::Config,
    (valid, spread): (Result<(), Error>, f32),
    head: Layers2<F, K, C, B, H1>,
) -> Net<F, D, B, Layers2<F, K, C, B, H1>, N>
where
    Layers2<F, K, C, B, H1>: Stack<F, D, B, Gates = GCons<D, H1, K, GCons<D, 1, K, GEnd>>>,
{
    const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
    let mut rng = start::<D, B, K, C, N>(seed, valid);
    let g1 = Gates::new(&mut rng, spread);
    let gates = GCons(g1, GCons(Gates::new(&mut rng, spread), GEnd));
    Net::assemble(seed, config, gates, head)
}

/// [`net1`] for `[H1, H2, 1]`.
pub(crate) const fn net3<
    F: Family,
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const K: usize,
    const C: usize,
    const N: usize,
>(
    seed: u64,
    config: F::Config,
    (valid, spread): (Result<(), Error>, f32),
    head: Layers3<F, K, C, B, H1, H2>,
) -> Net<F, D, B, Layers3<F, K, C, B, H1, H2>, N>
where
    Layers3<F, K, C, B, H1, H2>:
        Stack<F, D, B, Gates = GCons<D, H1, K, GCons<D, H2, K, GCons<D, 1, K, GEnd>>>>,
{
    const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
    const { assert!(H2 > 0, "H2 (a hidden width) must be at least 1") }
    let mut rng = start::<D, B, K, C, N>(seed, valid);
    let (g1, g2) = (Gates::new(&mut rng, spread), Gates::new(&mut rng, spread));
    let gates = GCons(g1, GCons(g2, GCons(Gates::new(&mut rng, spread), GEnd)));
    Net::assemble(seed, config, gates, head)
}

/// [`net1`] for `[H1, H2, H3, 1]`.
pub(crate) const fn net4<
    F: Family,
    const D: usize,
    const B: usize,
    const H1: usize,
    const H2: usize,
    const H3: usize,
    const K: usize,
    const C: usize,
    const N: usize,
>(
    seed: u64,
    config: F::Config,
    (valid, spread): (Result<(), Error>, f32),
    head: Layers4<F, K, C, B, H1, H2, H3>,
) -> Net<F, D, B, Layers4<F, K, C, B, H1, H2, H3>, N>
where
    Layers4<F, K, C, B, H1, H2, H3>: Stack<F, D, B, Gates = F32Gates4<D, H1, H2, H3, K>>,
{
    const { assert!(H1 > 0, "H1 (a hidden width) must be at least 1") }
    const { assert!(H2 > 0, "H2 (a hidden width) must be at least 1") }
    const { assert!(H3 > 0, "H3 (a hidden width) must be at least 1") }
    let mut rng = start::<D, B, K, C, N>(seed, valid);
    let (g1, g2) = (Gates::new(&mut rng, spread), Gates::new(&mut rng, spread));
    let g3 = Gates::new(&mut rng, spread);
    let gates = GCons(
        g1,
        GCons(g2, GCons(g3, GCons(Gates::new(&mut rng, spread), GEnd))),
    );
    Net::assemble(seed, config, gates, head)
}

/// What every GLN of either family and any depth does the same way, for code that is
/// generic over the model: the supertrait of [`Network`](crate::Network) and
/// [`GaussianNetwork`](crate::gaussian::GaussianNetwork). Each method forwards to the
/// inherent method of the same name.
pub trait Model {
    /// The family's configuration.
    type Config;
    /// See [`Net::for_each_weight`].
    fn for_each_weight(&self, f: &mut dyn FnMut(f32));
    /// See [`Net::fingerprint`].
    fn fingerprint(&self) -> u64;
    /// See [`Net::steps`].
    fn steps(&self) -> u64;
    /// See [`Net::config`].
    fn config(&self) -> &Self::Config;
    /// See [`Net::reset`].
    fn reset(&mut self);
}

impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> Model
    for Net<F, D, B, S, N>
{
    type Config = F::Config;
    fn for_each_weight(&self, f: &mut dyn FnMut(f32)) {
        Self::for_each_weight(self, f)
    }
    fn fingerprint(&self) -> u64 {
        Self::fingerprint(self)
    }
    fn steps(&self) -> u64 {
        Self::steps(self)
    }
    fn config(&self) -> &F::Config {
        Self::config(self)
    }
    fn reset(&mut self) {
        Self::reset(self)
    }
}

impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize>
    Net<F, D, B, S, N>
{
    /// Number of layers, the output layer included.
    pub const DEPTH: usize = S::DEPTH;

    /// Number of weights (bias weights included) over all heads.
    pub const WEIGHTS: usize = N * S::WEIGHTS;

    /// Number of hyperplane values (directions and offsets): `Σ_layers width · K · (D + 1)`.
    pub const PLANE_VALUES: usize = S::PLANE_VALUES;

    /// Multiply-adds of one `predict`: gating (shared by the heads) `Σ width · K · D`, plus
    /// mixing `N · Σ width · (inputs + biases)` (twice that for a Gaussian GLN: precision
    /// and mean).
    pub const MACS_PREDICT: usize = S::GATE_MACS + N * F::MIX_MACS * S::ROW_MACS;

    /// Multiply-adds of one `learn`: those of `predict` plus the update of every active
    /// row (fewer when neurons are saturated; three per input for a Gaussian GLN).
    pub const MACS_LEARN: usize = Self::MACS_PREDICT + N * F::UPDATE_MACS * S::ROW_MACS;

    /// Puts the parts together (for the aliases' `const fn new`, which draw `gates` from
    /// `seed` and build `head`).
    pub(crate) const fn assemble(seed: u64, config: F::Config, gates: S::Gates, head: S) -> Self {
        Self {
            gates,
            heads: [head; N],
            config,
            seed,
            steps: 0,
            cache: F::NO_CACHE,
        }
    }

    /// The same model as the alias's `new`, for any depth (not `const`), with an error
    /// instead of a panic for an invalid `config`.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the value out of range.
    pub fn try_new(seed: u64, config: F::Config) -> Result<Self, Error> {
        F::check(&config)?;
        let mut rng = SplitMix64::new(seed);
        let gates = S::Gates::draw(&mut rng, config.offset_std());
        Ok(Self::assemble(seed, config, gates, S::fresh(&config)))
    }

    /// Puts every weight back to its initial value and the step count to 0; the
    /// hyperplanes stay. Works in place, so it suits a model in a `static`.
    pub fn reset(&mut self) {
        self.heads = [S::fresh(&self.config); N];
        self.steps = 0;
    }

    /// The configuration given at construction.
    pub fn config(&self) -> &F::Config {
        &self.config
    }

    /// The seed the hyperplanes were drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Number of successful `learn` calls so far (the `t` of the learning-rate schedule).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Visits every weight: head by head, layer by layer, neuron by neuron, context by
    /// context, the input weights then the bias weights.
    pub fn for_each_weight(&self, mut f: impl FnMut(f32)) {
        for head in &self.heads {
            head.for_each_weight(&mut f);
        }
    }

    /// FNV-1a hash of the model's state: hyperplanes, weights (in
    /// [`for_each_weight`](Self::for_each_weight) order) and step count. Two models with
    /// the same fingerprint compute the same bits; the parity tests compare it across
    /// builds and boards.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::new();
        self.gates.for_each_value(&mut |v| h.write_f32(v));
        self.for_each_weight(|v| h.write_f32(v));
        h.write_u64(self.steps);
        h.finish()
    }

    /// Every head's output for the first layer's input `x`. No mutation.
    pub(crate) fn outputs(&self, z: &[F::Side; D], x: &F::Input<B>, p: &F::Params) -> [F::Out; N] {
        let ctx = self.gates.contexts(z);
        let mut out = [F::BLANK; N];
        for (o, head) in out.iter_mut().zip(&self.heads) {
            *o = head.predict(&ctx, x, p);
        }
        out
    }

    /// One learning step with target `y[h]` for head `h`; returns the outputs before it.
    pub(crate) fn learn_outputs(
        &mut self,
        z: &[F::Side; D],
        x: &F::Input<B>,
        y: &[f32; N],
        p: &F::Params,
    ) -> [F::Out; N] {
        self.steps = self.steps.saturating_add(1);
        let lr = *self.config.learning_rate();
        let eta = lr.at(self.steps);
        let ctx = self.gates.contexts(z);
        let mut out = [F::BLANK; N];
        for ((o, head), &y) in out.iter_mut().zip(self.heads.iter_mut()).zip(y) {
            *o = head.learn(&ctx, x, y, (&lr, eta), 0, p);
        }
        out
    }

    /// One learning step whose targets depend on the outputs: every head's forward pass
    /// first (kept), then `targets` from the outputs (an error changes nothing), then every
    /// head's update from what its forward pass kept.
    pub(crate) fn learn_outputs_with(
        &mut self,
        z: &[F::Side; D],
        x: &F::Input<B>,
        p: &F::Params,
        targets: impl FnOnce(&[F::Out; N]) -> Result<[f32; N], Error>,
    ) -> Result<(), Error> {
        let ctx = self.gates.contexts(z);
        let mut traces = [S::blank_trace(); N];
        let mut out = [F::BLANK; N];
        for ((o, head), t) in out.iter_mut().zip(&self.heads).zip(traces.iter_mut()) {
            *o = head.forward(&ctx, x, p, t);
        }
        let y = targets(&out)?;
        self.steps = self.steps.saturating_add(1);
        let lr = *self.config.learning_rate();
        let eta = lr.at(self.steps);
        for ((head, &y), t) in self.heads.iter_mut().zip(&y).zip(&traces) {
            head.update(&ctx, x, t, y, (&lr, eta), 0, p);
        }
        Ok(())
    }

    /// The weights of head `head`'s inputs in its explained outputs, and what the sweep
    /// gathered in `acc`.
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `head >= N`.
    pub(crate) fn explain_head(
        &self,
        head: usize,
        z: &[F::Side; D],
        x: &F::Input<B>,
        p: &F::Params,
        acc: &mut F::Acc,
    ) -> Result<F::Back<B>, Error> {
        let Some(h) = self.heads.get(head) else {
            return Err(Error::LabelOutOfRange {
                label: head,
                classes: N,
            });
        };
        let ctx = self.gates.contexts(z);
        Ok(h.explain(&ctx, x, p, acc))
    }

    /// Visits the hyperplanes of every layer in the order they are drawn (for
    /// `crate::persist`, which hashes them).
    pub(crate) fn for_each_plane_value(&self, f: &mut impl FnMut(f32)) {
        self.gates.for_each_value_by_plane(f);
    }

    /// Replaces the whole state for `crate::persist`, which has validated every value: the
    /// hyperplanes are redrawn in place from `seed` and the configuration's offset spread,
    /// the weights come from `next_weight` in [`for_each_weight`](Self::for_each_weight)
    /// order (derived bounds are recomputed), and the step count is set.
    pub(crate) fn restore(
        &mut self,
        seed: u64,
        config: F::Config,
        steps: u64,
        next_weight: &mut impl FnMut() -> f32,
    ) {
        let mut rng = SplitMix64::new(seed);
        self.gates.redraw(&mut rng, config.offset_std());
        for head in &mut self.heads {
            head.load_weights(&mut *next_weight);
        }
        self.config = config;
        self.seed = seed;
        self.steps = steps;
        self.cache = F::NO_CACHE;
    }
}

/// Equal models: the same hyperplanes, weights, configuration, seed and step count. Derived
/// state (cached bounds, the layers' clipping bounds) is not compared, so a model loaded from
/// another's bytes, or a reset model and a fresh one, compare equal.
impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> PartialEq
    for Net<F, D, B, S, N>
{
    fn eq(&self, other: &Self) -> bool {
        self.gates == other.gates
            && self.heads == other.heads
            && self.config == other.config
            && self.seed == other.seed
            && self.steps == other.steps
    }
}

impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> core::fmt::Debug
    for Net<F, D, B, S, N>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let widths = S::WIDTHS;
        f.debug_struct(F::NAME)
            .field("side", &D)
            .field("base", &B)
            .field("widths", &widths.get(..S::DEPTH).unwrap_or(&widths))
            .field("halfspaces", &S::K)
            .field("heads", &N)
            .field("seed", &self.seed)
            .field("steps", &self.steps)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "defmt")]
impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> defmt::Format
    for Net<F, D, B, S, N>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        let widths = S::WIDTHS;
        defmt::write!(
            f,
            "{}(D={}, B={}, widths={}, K={}, N={}, steps={})",
            F::NAME,
            D,
            B,
            widths.get(..S::DEPTH).unwrap_or(&widths),
            S::K,
            N,
            self.steps
        )
    }
}
