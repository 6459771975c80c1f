//! The Gaussian family of the generic [`Net`](crate::net::Net): what a Gaussian GLN neuron
//! takes in and puts out, its update, the backward step of `explain`, and what the network
//! reads from a [`GaussianConfig`] (see `net::Family` for the role of each item).

use crate::Error;
use crate::config::LearningRate;
use crate::gaussian::layer::{BIASES, Bounds, GaussLayer, Mix, Prepared};
use crate::gaussian::{Gaussian, GaussianConfig, GaussianInput};
use crate::math::{abs, clamp};
use crate::net::gates::{GCons, GateStack};
use crate::net::{Family, ModelConfig};

/// The Gaussian family: a neuron mixes Gaussians by a weighted product and learns the
/// negative log-likelihood of the target (see [`Family`] for the role of each item).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GaussianFamily;

/// The bounds every layer applies, and whether steps are curvature-normalised.
#[derive(Clone, Copy, Debug)]
pub struct Params {
    pub(super) b: Bounds,
    pub(super) normalized: bool,
}

/// What an explanation's backward sweep gathers besides the weights.
#[derive(Clone, Copy, Debug)]
pub struct Acc {
    pub(super) bias_p: f32,
    pub(super) bias_s: f32,
    pub(super) mean_clipped: usize,
    pub(super) projected: usize,
    pub(super) top: Mix,
}

pub(super) const NO_MIX: Mix = Mix {
    mean: 0.0,
    var: 1.0,
    delta: 0.0,
};

/// The inputs of the next layer: the outputs of this one.
pub(super) fn next_inputs<const W: usize>(m: &[Mix; W], b: &Bounds) -> Prepared<W> {
    Prepared::new(&m.map(|v| v.mean), &m.map(|v| v.var), b)
}

/// The network's prediction from its last neuron: mean clipped to `±mean_bound`.
pub(super) fn output(m: Mix, b: &Bounds) -> Gaussian {
    Gaussian {
        mean: clamp(m.mean, -b.mean, b.mean),
        variance: m.var,
    }
}

/// Carries the weights `rs` of a layer's precision-weighted means `s_n` through the mean
/// clip of the next layer's input: where it bound (`|μ_n| > bound`), the neuron passed on
/// `λ_n clip(μ_n)` instead of `s_n = λ_n μ_n`, so everything that reached `s_n` is scaled by
/// `clip(μ_n) / μ_n`. Counts those neurons.
pub(super) fn through_mean_clip<const W: usize>(
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
pub(super) fn clipped_bases<const D: usize, const B: usize>(
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
