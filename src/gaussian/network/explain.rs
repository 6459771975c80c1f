//! `explain` for the Gaussian GLNs (a child of `network`, so it reads the heads and gates
//! directly; see [`crate::gaussian::GaussianExplanation`] for what it computes).

use super::super::explain::{GaussianExplain, GaussianExplanation};
use super::super::layer::{Mix, Prepared};
use super::super::{GaussianInput, layer::Bounds};
use super::{
    GaussianGln1, GaussianGln2, GaussianGln3, GaussianGln4, NO_MIX, bounds, next_inputs, output,
};
use crate::Error;
use crate::explain::Explanation;
use crate::math::{abs, clamp};

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

/// Number of neurons whose row was projected (the variance bound bound).
fn projected<const W: usize>(m: &[Mix; W]) -> usize {
    m.iter().filter(|v| v.delta != 0.0).count()
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

macro_rules! gaussian_explain {
    (
        $Net:ident, hidden [$($H:ident),*],
        forward [$(($p:ident, $l:ident, $g:ident, $Out:tt, $next:ident)),+],
        back [$(($bl:ident, $bg:ident, $bp:ident, $prev:ident)),*],
        first ($fl:ident, $fg:ident, $fp:ident),
        last $last:ident
    ) => {
        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > $Net<D, B, $($H,)* K, C, N> {
            /// The contribution of each base Gaussian, and of the bias Gaussians, to the
            /// predicted mean and precision of `head` for `x`: see
            /// [`GaussianExplanation`] and [its module](crate::gaussian::explain) for the
            /// exact meaning and for what happens where a variance projection or a mean clip
            /// binds (both decompositions stay exact; `is_linear` says when they are also
            /// the local linear map).
            ///
            /// `prediction` is bit-identical to [`predict_all`](Self::predict_all)'s for
            /// `head`. No mutation, no heap; costs about one prediction of one head plus
            /// the gating and a sweep back of the same size.
            ///
            /// # Errors
            /// [`Error::LabelOutOfRange`] if `head >= N`.
            pub fn explain(
                &self,
                x: &GaussianInput<'_, D, B>,
                head: usize,
            ) -> Result<GaussianExplanation<B>, Error> {
                let Some(h) = self.heads.get(head) else {
                    return Err(Error::LabelOutOfRange { label: head, classes: N });
                };
                let b = bounds(&self.config);
                let z = x.side();
                $( let $g = self.$g.contexts(z); )+
                // Forward, as `predict_all`, keeping each layer's input (`p1`, `p2`, ...)
                // and outputs (named after the layer) for the sweep back.
                let $fp = Prepared::new(x.means(), x.variances(), &b);
                $(
                    let mut $l = [NO_MIX; $Out];
                    h.$l.forward(&$g, &$p, &b, &mut $l);
                    let $next = next_inputs(&$l, &b);
                )+
                let _ = ($(&$next,)+);
                let prediction = output($last, &b);
                let [top] = $last;
                let mut mean_clipped = 0usize;
                // The output mean is clipped too: its share is split in proportion.
                let factor = if abs(top.mean) <= b.mean {
                    1.0
                } else {
                    mean_clipped = 1;
                    clamp(top.mean, -b.mean, b.mean) / top.mean
                };
                let proj = 0usize $( .saturating_add(projected(&$l)) )+;
                // Backward: `rp` and `rs` are the weights of each of a layer's neurons'
                // precision and precision-weighted mean in the head's; the first layer
                // swept is the output neuron itself.
                let rp = [1.0f32];
                let rs = [1.0f32];
                let (mut bias_p, mut bias_s) = (0.0f32, 0.0f32);
                $(
                    let (rp, rs) =
                        h.$bl.pull_back(&$bg, &$bp, &$bl, &rp, &rs, &mut bias_p, &mut bias_s);
                    let rs = through_mean_clip(rs, &$prev, b.mean, &mut mean_clipped);
                )*
                let (ap, a_s) =
                    h.$fl.pull_back(&$fg, &$fp, &$fl, &rp, &rs, &mut bias_p, &mut bias_s);
                let (prec_in, s_in) = $fp.weigh(&ap, &a_s);
                // μ = s / π, and the network keeps σ² = 1/π.
                let scale = prediction.variance * factor;
                let (clipped_means, clipped_vars) = clipped_bases(x, &b);
                Ok(GaussianExplanation {
                    prediction,
                    mean: Explanation {
                        inputs: s_in.map(|s| s * scale),
                        bias: bias_s * scale,
                        output: prediction.mean,
                        clipped_inputs: clipped_means,
                        clipped_neurons: mean_clipped,
                    },
                    precision: Explanation {
                        inputs: prec_in,
                        bias: bias_p,
                        output: 1.0 / prediction.variance,
                        clipped_inputs: clipped_vars,
                        clipped_neurons: proj,
                    },
                })
            }
        }

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > GaussianExplain<D, B, N> for $Net<D, B, $($H,)* K, C, N> {
            fn explain(
                &self,
                x: &GaussianInput<'_, D, B>,
                head: usize,
            ) -> Result<GaussianExplanation<B>, Error> {
                $Net::explain(self, x, head)
            }
        }
    };
}

gaussian_explain! {
    GaussianGln1, hidden [],
    forward [(p1, l1, g1, 1, p2)],
    back [],
    first (l1, g1, p1),
    last l1
}

gaussian_explain! {
    GaussianGln2, hidden [H1],
    forward [(p1, l1, g1, H1, p2), (p2, l2, g2, 1, p3)],
    back [(l2, g2, p2, l1)],
    first (l1, g1, p1),
    last l2
}

gaussian_explain! {
    GaussianGln3, hidden [H1, H2],
    forward [(p1, l1, g1, H1, p2), (p2, l2, g2, H2, p3), (p3, l3, g3, 1, p4)],
    back [(l3, g3, p3, l2), (l2, g2, p2, l1)],
    first (l1, g1, p1),
    last l3
}

gaussian_explain! {
    GaussianGln4, hidden [H1, H2, H3],
    forward [
        (p1, l1, g1, H1, p2), (p2, l2, g2, H2, p3), (p3, l3, g3, H3, p4), (p4, l4, g4, 1, p5)
    ],
    back [(l4, g4, p4, l3), (l3, g3, p3, l2), (l2, g2, p2, l1)],
    first (l1, g1, p1),
    last l4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaussian::GaussianConfig;

    /// `[2, 1]` over two base Gaussians; every context of every neuron gets the same row, so
    /// the gating does not matter.
    type Net = GaussianGln2<1, 2, 2, 1, 2>;

    fn net(l1: [([f32; 2], [f32; 3]); 2], l2: ([f32; 2], [f32; 3])) -> Net {
        let config = GaussianConfig::DEFAULT
            .with_mean_bound(2.0)
            .with_variance_bounds(0.5, 100.0);
        let mut m = Net::new(1, config);
        for c in 0..2 {
            for (n, (row, bias)) in l1.iter().enumerate() {
                m.heads[0].l1.set_row(n, c, *row, *bias);
            }
            m.heads[0].l2.set_row(0, c, l2.0, l2.1);
        }
        m
    }

    fn explain(m: &Net) -> GaussianExplanation<2> {
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
