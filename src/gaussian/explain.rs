//! Every Gaussian prediction explained: the contribution of each base Gaussian (and of the
//! bias Gaussians) to the predicted mean and to the predicted precision.
//!
//! # Why a Gaussian GLN can be explained exactly
//! Once the side information has picked each neuron's active weight row, a Gaussian GLN
//! neuron is linear in its inputs' natural parameters: with the precisions `λ_j = 1/σ_j²` of
//! its inputs and its row `w` (three bias Gaussians with means −1, 0, +1 and precision 1
//! included),
//!
//! ```text
//! π = Σ_j w_j λ_j            (its output precision, 1/σ²)
//! s = Σ_j w_j λ_j μ_j        (its precision-weighted mean, π μ)
//! ```
//!
//! and the next layer takes `λ = π` and `λ μ = s` of each neuron as its inputs. Composing the
//! layers, a head's output precision and precision-weighted mean are
//!
//! ```text
//! π = Σ_j A_j λ_j + bias_π        s = Σ_j A_j λ_j μ_j + bias_s
//! ```
//!
//! with the same path weights `A_j` (the sum over all paths from base Gaussian `j` to the
//! output of the products of the active weights), so the predicted mean `μ = s / π` is
//!
//! ```text
//! μ = Σ_j (A_j λ_j / π) μ_j + bias_s / π
//! ```
//!
//! an affine combination of the (clipped) base means whose weights `A_j λ_j / π` are the base
//! Gaussians' shares of the precision (they sum to 1 with the biases' share). So:
//!
//! - [`GaussianExplanation::precision`]`.inputs[j]` is `A_j λ_j`, the precision base `j`
//!   brought, and `.bias` the bias Gaussians' (all three, every layer); they sum to the
//!   predicted precision `1 / variance`;
//! - [`GaussianExplanation::mean`]`.inputs[j]` is `A_j λ_j μ_j / π`, base `j`'s share of the
//!   predicted mean, and `.bias` the bias Gaussians' (the mean-0 bias pulls the mean towards
//!   0 through the precision only, so it adds nothing here); they sum to the predicted mean;
//! - [`GaussianExplanation::weights`] are the shares `A_j λ_j / π`, so that, when nothing
//!   clips a mean, `mean.inputs[j] = weights()[j] · μ_j`: a base Gaussian with a large mean
//!   contribution is one the model both trusts and that is far from 0.
//!
//! Contributions can be negative (weights can be). [`explain`](super::GaussianGln3::explain)
//! computes them with the forward pass of one head (the same code as
//! [`predict_all`](super::GaussianGln3::predict_all), so [`GaussianExplanation::prediction`]
//! is bit-identical to it) and one sweep back through the active rows: no heap, about
//! `7 B + 10 Σ widths` 4-byte values of stack (the explanation itself is `2 B + 10` words:
//! 168 bytes for `B = 16` on a 32-bit target).
//!
//! ```
//! use gln::gaussian::{GaussianConfig, GaussianGln2, GaussianInput};
//!
//! // 3 features, layers [8, 1], 2 halfspaces; the target is feature 1.
//! let mut model = GaussianGln2::<3, 3, 8, 2, 4>::new(1, GaussianConfig::DEFAULT);
//! for t in 0..3000 {
//!     let f = |k: u32, d: f32| (t % k) as f32 / d - 1.0;
//!     let x = [f(7, 3.0), f(11, 5.0), f(5, 2.0)];
//!     model.learn(&GaussianInput::from_side(&x, 1.0)?, x[1])?;
//! }
//! let x = [0.5, -0.8, 0.25];
//! let e = model.explain(&GaussianInput::from_side(&x, 1.0)?, 0)?;
//! assert!(e.within_tolerance()); // the parts sum to the predicted mean and precision
//! assert_eq!(e.mean.dominant(), 1); // the mean came from feature 1
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! # Where a bound binds
//! A Gaussian GLN bounds three things (see [the module documentation](super)); an
//! explanation states where each bound, and stays an exact decomposition:
//!
//! - **Variance projection** (a neuron's row gave a precision outside
//!   `[1/sigma2_max, 1/sigma2_min]` and was projected along λ, `w' = w − δ λ`): the
//!   explanation uses the projected row, exactly what the network mixed with, so both
//!   decompositions still sum to the prediction. The precision is then pinned at the bound:
//!   its derivative in the base precisions is 0 through that neuron, so the precision
//!   contributions are an exact attribution but not the local linear map. The *mean* is not
//!   affected: the projection depends on the precisions only, so the mean stays exactly
//!   linear in the base means and its contributions are still `μ_j ∂μ/∂μ_j`. Counted in
//!   `precision.clipped_neurons` (neurons of this head, every layer).
//! - **Base variance clip** (a base variance outside `[sigma2_min, sigma2_max]`, `0` and
//!   `+∞` included): the base enters with its clipped precision, what the network used;
//!   its derivative in the raw variance is 0. Counted in `precision.clipped_inputs`.
//! - **Mean clip** (a base mean, a hidden neuron's mean or the output mean beyond
//!   `±mean_bound`): a clipped base mean enters with `±mean_bound` (its contribution is what
//!   the network used, its derivative 0; counted in `mean.clipped_inputs`); a clipped hidden
//!   or output mean passed on `clip(μ)` instead of `μ`, so everything that reached its `s`
//!   is scaled by `clip(μ)/μ`, splitting its share in proportion, as the Bernoulli
//!   explanation does for a clipped logit (counted in `mean.clipped_neurons`). The sum still
//!   holds; the proportional shares are no longer the derivative.
//! - **Weight box** (`±beta`): it limits the stored weights when learning and never acts on
//!   a prediction, so it has no effect on an explanation (a test trains against the box
//!   and checks the derivative).
//!
//! [`Explanation::is_linear`] on `mean` (no mean clip) or `precision` (no projection, no
//! variance clip) says when its contributions are exactly the local linear map, derivative
//! times input: `mean.inputs[j] = μ_j ∂μ/∂μ_j` and `precision.inputs[j] = λ_j ∂π/∂λ_j`.
//!
//! # Float tolerance
//! The forward pass and the sweep sum in different orders, and the precision explained is
//! `1 / variance` of the prediction (the network keeps the variance), so each sum matches its
//! output up to rounding: [`GaussianExplanation::within_tolerance`] checks both with
//! [`Explanation::within_tolerance`] (`|total − output| ≤ 1e-5 · (1 + Σ |parts|)`); the
//! errors measured in `tests/gaussian/main.rs` are given there and in `docs/design.md`.

use crate::Error;
use crate::explain::Explanation;
use crate::gaussian::family::{Acc, GaussianFamily, NO_MIX, clipped_bases, output};
use crate::gaussian::layer::Prepared;
use crate::gaussian::{Gaussian, GaussianInput};
use crate::math::{abs, clamp};
use crate::net::{Net, Stack};

/// The contribution of each of `B` base Gaussians, and of the bias Gaussians, to one head's
/// predicted mean and precision for one input (see the [module documentation](self) for the
/// exact meaning and for what happens where a bound binds).
///
/// Plain data (about `8 B` bytes), returned by value: no heap.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GaussianExplanation<const B: usize> {
    /// The prediction explained, bit-identical to the head's
    /// [`predict_all`](super::GaussianGln3::predict_all).
    pub prediction: Gaussian,
    /// The contributions to `prediction.mean` (`mean.output`, bit-identical).
    /// `clipped_inputs`: base means beyond `±mean_bound`; `clipped_neurons`: neurons of
    /// this head (the output included) whose mean was clipped.
    pub mean: Explanation<B>,
    /// The contributions to the predicted precision, `precision.output = 1 / variance`.
    /// `clipped_inputs`: base variances outside `[sigma2_min, sigma2_max]`;
    /// `clipped_neurons`: neurons of this head whose row was projected.
    pub precision: Explanation<B>,
}

impl<const B: usize> GaussianExplanation<B> {
    /// Whether both decompositions sum to their output within
    /// [`Explanation::TOLERANCE`] (see [`Explanation::within_tolerance`]).
    pub fn within_tolerance(&self) -> bool {
        self.mean.within_tolerance() && self.precision.within_tolerance()
    }

    /// True when no bound bound anywhere: both decompositions are then exactly the local
    /// linear maps (see the [module documentation](self)).
    pub fn is_linear(&self) -> bool {
        self.mean.is_linear() && self.precision.is_linear()
    }

    /// The share of each base Gaussian in the predicted precision,
    /// `precision.inputs[j] / precision.output`: the weight its mean gets in the predicted
    /// mean (when no mean clips, `mean.inputs[j] = weights()[j] · μ_j`). With the biases'
    /// share, `precision.bias / precision.output`, they sum to 1.
    pub fn weights(&self) -> [f32; B] {
        let pi = self.precision.output;
        self.precision.inputs.map(|p| p / pi)
    }
}

/// A Gaussian GLN whose every prediction can be explained: implemented by
/// [`GaussianGln1`](super::GaussianGln1) to [`GaussianGln4`](super::GaussianGln4), for code
/// that is generic over the depth (the streaming detector's explanations use it).
pub trait GaussianExplain<const D: usize, const B: usize, const N: usize> {
    /// The contribution of each base Gaussian and of the bias Gaussians to the predicted mean
    /// and precision of `head` for `x` (see
    /// [`GaussianGln3::explain`](super::GaussianGln3::explain)).
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `head >= N`.
    fn explain(
        &self,
        x: &GaussianInput<'_, D, B>,
        head: usize,
    ) -> Result<GaussianExplanation<B>, Error>;
}

impl<const D: usize, const B: usize, S: Stack<GaussianFamily, D, B>, const N: usize>
    Net<GaussianFamily, D, B, S, N>
{
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaussian::GaussianConfig;
    use crate::gaussian::GaussianGln2;

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
