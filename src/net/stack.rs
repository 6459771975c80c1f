//! The layers of one head as nested types: `Cons<F, K, C, IN, OUT, Rest>` is a layer of `OUT`
//! neurons over `IN` inputs followed by `Rest`, and [`End`] closes the stack. Every
//! algorithm that walks the layers (predict, learn, explain, weight visiting, restore) is
//! written here once, for every depth and both families; what differs between the families
//! is in [`Family`].
//!
//! Array lengths only ever come from the impl's own const parameters (`[F::Out; OUT]`); the
//! trait consts (`DEPTH`, `WEIGHTS`, ...) are counts, never lengths, which is what stable
//! Rust allows.

use crate::config::LearningRate;
use crate::net::Family;
use crate::net::gates::{GEnd, GateStack};

/// Most layers a stack can describe in a saved record's shape words (see `docs/format.md`).
pub(crate) const MAX_DEPTH: usize = 6;

/// A layer of `OUT` neurons over `IN` inputs, `C = 2^K` contexts each, then the layers
/// `Rest`; `F` is the family (Bernoulli or Gaussian).
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Cons<F: Family, const K: usize, const C: usize, const IN: usize, const OUT: usize, Rest>(
    pub(crate) F::Layer<IN, OUT, C>,
    pub(crate) Rest,
);

/// The end of a layer stack: above the output layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct End;

/// What one head's layers do, from the side-information size `D` and the input width `IN`
/// of the first layer up. Implemented by [`Cons`] and [`End`] only.
///
/// The methods that take a layer's input are only ever called on a [`Cons`]: [`End`] ends
/// the walk through [`Stack::top`], so its versions do nothing.
#[doc(hidden)] // the generic core's internal interface: named in bounds, never by a user
pub trait Stack<F: Family, const D: usize, const IN: usize>: Copy + PartialEq {
    /// The contexts of every layer (as the gate stack computes them).
    type Ctx: Copy;
    /// The gating of these layers, shared by the heads.
    type Gates: GateStack<D, F::Side, Ctx = Self::Ctx>;
    /// The outputs of every layer of one pass (kept between a forward and an update).
    type Trace: Copy;
    /// Number of layers.
    const DEPTH: usize;
    /// Halfspaces per neuron (every layer has the same; 0 for [`End`]).
    const K: usize;
    /// Contexts per neuron.
    const C: usize;
    /// The width of every layer, first layer first, zeros after the last.
    const WIDTHS: [usize; MAX_DEPTH];
    /// Weights of one head (bias weights included).
    const WEIGHTS: usize;
    /// Hyperplane values of the gating: `Σ width · K · (D + 1)`.
    const PLANE_VALUES: usize;
    /// Multiply-adds of the gating: `Σ width · K · D`.
    const GATE_MACS: usize;
    /// Inputs (biases included) over all neurons of one head: `Σ width · (inputs + biases)`.
    const ROW_MACS: usize;

    /// A trace before any pass (built in place: a `const` trace would be copied in with a
    /// `memcpy`, about a hundred instructions per call on a Cortex-M4F for a small model).
    fn blank_trace() -> Self::Trace;

    /// Every weight at its initial value (`config`'s initialisation).
    fn fresh(config: &F::Config) -> Self;

    /// The last layer's only output when `self` is [`End`] (so `s` are the outputs of the
    /// output layer); `None` for a [`Cons`].
    fn top(s: &[F::Out; IN]) -> Option<F::Out>;

    /// The head's output for the first layer's input `x`.
    fn predict(&self, ctx: &Self::Ctx, x: &F::Input<IN>, p: &F::Params) -> F::Out;

    /// Forward and update, layer by layer: each layer is updated from the outputs it
    /// computed before its update, and those feed the next layer. `layer` is the index of
    /// the first layer of `self` (for the learning rate). Returns the output before the
    /// update.
    #[allow(clippy::too_many_arguments)]
    fn learn(
        &mut self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        y: f32,
        rate: (&LearningRate, f32),
        layer: usize,
        p: &F::Params,
    ) -> F::Out;

    /// As [`Stack::predict`], keeping every layer's outputs in `trace`.
    fn forward(
        &self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        p: &F::Params,
        trace: &mut Self::Trace,
    ) -> F::Out;

    /// The update of [`Stack::learn`] from the outputs [`Stack::forward`] kept.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        trace: &Self::Trace,
        y: f32,
        rate: (&LearningRate, f32),
        layer: usize,
        p: &F::Params,
    );

    /// The weights of the inputs `x` in the explained outputs (see [`Family::pull_back`]),
    /// gathering the biases' shares and the clip counts in `acc`.
    fn explain(
        &self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        p: &F::Params,
        acc: &mut F::Acc,
    ) -> F::Back<IN>;

    /// Visits every weight, layer by layer (see [`Family::for_each_weight`]).
    fn for_each_weight(&self, f: &mut impl FnMut(f32));

    /// Sets every weight in [`Stack::for_each_weight`] order from `next`.
    fn load_weights(&mut self, next: &mut impl FnMut() -> f32);
}

/// Shifts `w` in front of `rest` (a const fn, for the `WIDTHS` of a stack). Only evaluated
/// at compile time, where a bad index is a build error.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn push_width(w: usize, rest: [usize; MAX_DEPTH]) -> [usize; MAX_DEPTH] {
    let mut out = [0; MAX_DEPTH];
    out[0] = w;
    let mut i = 1;
    while i < MAX_DEPTH {
        out[i] = rest[i - 1];
        i += 1;
    }
    out
}

impl<
    F: Family,
    const D: usize,
    const K: usize,
    const C: usize,
    const IN: usize,
    const OUT: usize,
    Rest: Stack<F, D, OUT>,
> Stack<F, D, IN> for Cons<F, K, C, IN, OUT, Rest>
{
    type Ctx = ([usize; OUT], Rest::Ctx);
    type Gates = F::Gating<D, OUT, K, Rest::Gates>;
    type Trace = ([F::Out; OUT], Rest::Trace);
    const DEPTH: usize = 1 + Rest::DEPTH;
    const K: usize = {
        assert!(
            Rest::DEPTH == 0 || Rest::K == K,
            "every layer has the same K"
        );
        K
    };
    const C: usize = C;
    const WIDTHS: [usize; MAX_DEPTH] = {
        assert!(Self::DEPTH <= MAX_DEPTH, "at most MAX_DEPTH layers");
        push_width(OUT, Rest::WIDTHS)
    };
    const WEIGHTS: usize = OUT * C * (IN + F::BIASES) + Rest::WEIGHTS;
    const PLANE_VALUES: usize = OUT * K * (D + 1) + Rest::PLANE_VALUES;
    const GATE_MACS: usize = OUT * K * D + Rest::GATE_MACS;
    const ROW_MACS: usize = OUT * (IN + F::BIASES) + Rest::ROW_MACS;

    #[inline(always)]
    fn blank_trace() -> Self::Trace {
        ([F::BLANK; OUT], Rest::blank_trace())
    }

    fn fresh(config: &F::Config) -> Self {
        Self(F::new_layer(config), Rest::fresh(config))
    }

    #[inline(always)]
    fn top(_: &[F::Out; IN]) -> Option<F::Out> {
        None
    }

    #[inline(always)]
    fn predict(&self, ctx: &Self::Ctx, x: &F::Input<IN>, p: &F::Params) -> F::Out {
        let mut s = [F::BLANK; OUT];
        F::forward(&self.0, &ctx.0, x, p, &mut s);
        match Rest::top(&s) {
            Some(top) => top,
            None => self.1.predict(&ctx.1, &F::next(&s, p), p),
        }
    }

    #[inline(always)]
    fn learn(
        &mut self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        y: f32,
        rate: (&LearningRate, f32),
        layer: usize,
        p: &F::Params,
    ) -> F::Out {
        let mut s = [F::BLANK; OUT];
        F::forward(&self.0, &ctx.0, x, p, &mut s);
        let lr = rate
            .0
            .for_layer(rate.1, layer, IN.saturating_add(F::BIASES));
        F::update(&mut self.0, &ctx.0, x, &s, y, lr, p);
        match Rest::top(&s) {
            Some(top) => top,
            None => {
                let next = F::next(&s, p);
                self.1
                    .learn(&ctx.1, &next, y, rate, layer.saturating_add(1), p)
            }
        }
    }

    #[inline(always)]
    fn forward(
        &self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        p: &F::Params,
        trace: &mut Self::Trace,
    ) -> F::Out {
        F::forward(&self.0, &ctx.0, x, p, &mut trace.0);
        match Rest::top(&trace.0) {
            Some(top) => top,
            None => self
                .1
                .forward(&ctx.1, &F::next(&trace.0, p), p, &mut trace.1),
        }
    }

    #[inline(always)]
    fn update(
        &mut self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        trace: &Self::Trace,
        y: f32,
        rate: (&LearningRate, f32),
        layer: usize,
        p: &F::Params,
    ) {
        let lr = rate
            .0
            .for_layer(rate.1, layer, IN.saturating_add(F::BIASES));
        F::update(&mut self.0, &ctx.0, x, &trace.0, y, lr, p);
        if Rest::top(&trace.0).is_none() {
            let next = F::next(&trace.0, p);
            let layer = layer.saturating_add(1);
            self.1.update(&ctx.1, &next, &trace.1, y, rate, layer, p);
        }
    }

    fn explain(
        &self,
        ctx: &Self::Ctx,
        x: &F::Input<IN>,
        p: &F::Params,
        acc: &mut F::Acc,
    ) -> F::Back<IN> {
        let mut s = [F::BLANK; OUT];
        F::forward(&self.0, &ctx.0, x, p, &mut s);
        F::count(&s, p, acc);
        // The weights of this layer's outputs: 1 for the output neuron, else what the
        // layers above give their (clipped) inputs, carried back through the clip.
        let r = match Rest::top(&s) {
            Some(top) => F::unit(top, p, acc),
            None => {
                let r = self.1.explain(&ctx.1, &F::next(&s, p), p, acc);
                F::through_clip(r, &s, p, acc)
            }
        };
        F::pull_back(&self.0, &ctx.0, x, &s, &r, acc)
    }

    fn for_each_weight(&self, f: &mut impl FnMut(f32)) {
        F::for_each_weight(&self.0, f);
        self.1.for_each_weight(f);
    }

    fn load_weights(&mut self, next: &mut impl FnMut() -> f32) {
        F::load_weights(&mut self.0, next);
        self.1.load_weights(next);
    }
}

impl<F: Family, const D: usize, const IN: usize> Stack<F, D, IN> for End {
    type Ctx = ();
    type Gates = GEnd;
    type Trace = ();
    const DEPTH: usize = 0;
    const K: usize = 0;
    const C: usize = 0;
    const WIDTHS: [usize; MAX_DEPTH] = [0; MAX_DEPTH];
    const WEIGHTS: usize = 0;
    const PLANE_VALUES: usize = 0;
    const GATE_MACS: usize = 0;
    const ROW_MACS: usize = 0;

    #[inline(always)]
    fn blank_trace() {}

    fn fresh(_: &F::Config) -> Self {
        End
    }

    #[inline(always)]
    fn top(s: &[F::Out; IN]) -> Option<F::Out> {
        // The output layer has one neuron (the aliases have no width for it).
        Some(s.first().copied().unwrap_or(F::BLANK))
    }

    fn predict(&self, _: &(), _: &F::Input<IN>, _: &F::Params) -> F::Out {
        F::BLANK
    }

    fn learn(
        &mut self,
        _: &(),
        _: &F::Input<IN>,
        _: f32,
        _: (&LearningRate, f32),
        _: usize,
        _: &F::Params,
    ) -> F::Out {
        F::BLANK
    }

    fn forward(&self, _: &(), _: &F::Input<IN>, _: &F::Params, _: &mut ()) -> F::Out {
        F::BLANK
    }

    fn update(
        &mut self,
        _: &(),
        _: &F::Input<IN>,
        _: &(),
        _: f32,
        _: (&LearningRate, f32),
        _: usize,
        _: &F::Params,
    ) {
    }

    fn explain(&self, _: &(), _: &F::Input<IN>, _: &F::Params, _: &mut F::Acc) -> F::Back<IN> {
        F::zero_back()
    }

    fn for_each_weight(&self, _: &mut impl FnMut(f32)) {}

    fn load_weights(&mut self, _: &mut impl FnMut() -> f32) {}
}
