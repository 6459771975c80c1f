//! Every prediction explained: the contribution of each base input to an output logit.
//!
//! # Why a GLN can be explained exactly
//! Once the side information has picked each neuron's active weight row (its context), a
//! Bernoulli GLN is linear in the logit domain: neuron `n` of a layer outputs the logit
//! `s_n = w_{n,c_n} · x + b_{n,c_n}` of its (clipped) input logits `x`, the bias input being
//! exactly 1, and the next layer takes those logits as its inputs. Composing the layers, the
//! output logit of a head is
//!
//! ```text
//! logit = Σ_j a_j x̃_j + bias,      x̃_j = clip(x_j, ±logit(1 − eps))
//! ```
//!
//! where `x_j` is base logit `j`, `a_j` is the sum over all paths from base input `j` to the
//! output of the products of the active weights along the path, and `bias` gathers every
//! layer's bias weights carried to the output the same way. [`Explanation::inputs`] holds
//! `a_j x̃_j`, the contribution of base input `j`, and [`Explanation::bias`] the rest.
//! [`Explain::explain`] computes them with one backward sweep through the active rows: memory
//! is one array per layer width, no heap, and about as many multiply-adds as one prediction.
//!
//! The gating is not part of the map: a different input can select different rows. An
//! explanation answers "with the rows this input selected, where did the logit come from".
//!
//! ```
//! use gln::{Config, Gln2, Input};
//!
//! // 4 features, layers [8, 1], 2 halfspaces per neuron, binary.
//! let mut model = Gln2::<4, 4, 8, 2, 4>::new(1, Config::DEFAULT);
//! let z = [0.5, -1.0, 0.25, 2.0];
//! let x = Input::from_side(&z)?;
//! for _ in 0..50 {
//!     model.learn(&x, true);
//! }
//! let e = model.explain(&x, 0)?; // head 0, the only one
//! assert!(e.within_tolerance()); // Σ inputs + bias = the output logit
//! let strongest = e.dominant(); // the feature that moved the logit most
//! assert!(strongest < 4);
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! Cost: the gating of every layer (as in a prediction), then one head's forward pass and a
//! sweep back of the same size; stack use is about `4 B + 3 Σ widths` `f32` values (the
//! explanation itself is `B + 1` of them). No heap.
//!
//! # Where clipping binds
//! A network clips every logit that enters a neuron to `±L`, `L = logit(1 − eps)`: the base
//! logits, and the output logit of every hidden neuron. Where a clip *binds* (`|v| > L`, so
//! the value was changed) the network is no longer linear there, and the explanation says so:
//!
//! - A clipped base input enters the map with its clipped value `±L`: its contribution is
//!   `a_j · (±L)`, exactly what the network used, but moving that input further out changes
//!   nothing (its derivative is 0, not `a_j`). Counted in [`Explanation::clipped_inputs`].
//! - A clipped hidden neuron passes on `v = ±L` instead of its logit `s`. The explanation
//!   keeps the decomposition exact by scaling everything that reached that neuron by
//!   `v / s` (in `(0, 1)`): the neuron's share of the output is split among the inputs and
//!   biases that fed it in proportion to what they gave it. The contributions still sum to the
//!   logit, but they are then a proportional attribution, not the derivative of the logit
//!   (through that neuron it is 0). Counted in [`Explanation::clipped_neurons`].
//!
//! So the contributions always sum to the output logit (within the float tolerance below);
//! when [`Explanation::is_linear`] is true (no clip bound anywhere) they are moreover exactly
//! `a_j x̃_j` with `a_j = ∂ logit / ∂ x_j` for the input's contexts: the local linear map.
//! The output probability is `clamp(σ(logit), eps, 1 − eps)`: when `|logit| > L` it
//! saturates, which does not change the decomposition of the logit.
//!
//! # Float tolerance
//! The forward pass and the sweep sum in different orders, so [`Explanation::total`] and
//! [`Explanation::output`] differ by rounding. The tests check
//! `|total − output| ≤ TOLERANCE · (1 + |bias| + Σ_j |inputs_j|)` with
//! [`Explanation::TOLERANCE`] `= 1e-5`; the errors measured in `tests/bernoulli/explain.rs` (one to
//! four layers) stay below `3e-7` of that scale. [`Explanation::within_tolerance`] makes the
//! same check.
//!
//! # Beyond the Bernoulli GLN
//! [`Explanation`] is an additive attribution of one scalar over `B` inputs plus a constant,
//! with the clip counts: nothing in it is specific to a logit. A model with several explained
//! outputs (a Gaussian GLN's mean and precision) returns one `Explanation` per output, and a
//! detector over channels and lags maps input indices to channels with
//! [`Explanation::sum_by`].

use crate::Error;
use crate::input::Input;
use crate::math::{abs, clamp};

/// The contribution of each of `B` base inputs, and of the bias inputs, to one output of one
/// input (see the [module documentation](self) for the exact meaning and for clipping).
///
/// Plain data (about `4 B` bytes), returned by value: no heap.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Explanation<const B: usize> {
    /// Contribution of base input `j` to [`output`](Self::output): `a_j x̃_j`.
    pub inputs: [f32; B],
    /// Contribution of every bias input (all layers) to [`output`](Self::output).
    pub bias: f32,
    /// The explained output, exactly as the network computes it (for a Bernoulli GLN, the
    /// head's output logit; its probability is `clamp(σ(output), eps, 1 − eps)`).
    pub output: f32,
    /// How many base logits were clipped (`|x_j| > logit(1 − eps)`).
    pub clipped_inputs: usize,
    /// How many hidden neurons on this head had their output logit clipped.
    pub clipped_neurons: usize,
}

impl<const B: usize> Explanation<B> {
    /// The relative tolerance of the decomposition (see the [module documentation](self)).
    pub const TOLERANCE: f32 = 1e-5;

    /// `Σ_j inputs_j + bias`, summed in increasing `j`: equals [`output`](Self::output) up to
    /// rounding.
    pub fn total(&self) -> f32 {
        self.inputs.iter().fold(0.0, |s, v| s + v) + self.bias
    }

    /// `output − total()`: the rounding left over.
    pub fn residual(&self) -> f32 {
        self.output - self.total()
    }

    /// `|bias| + Σ_j |inputs_j|`: the scale the tolerance is relative to.
    pub fn magnitude(&self) -> f32 {
        self.inputs.iter().fold(abs(self.bias), |s, v| s + abs(*v))
    }

    /// Whether `|residual()| ≤ TOLERANCE · (1 + magnitude())`.
    pub fn within_tolerance(&self) -> bool {
        abs(self.residual()) <= Self::TOLERANCE * (1.0 + self.magnitude())
    }

    /// True when no clip bound, neither at a base input nor at a hidden neuron: the
    /// contributions are then exactly the local linear map (derivative times input).
    pub fn is_linear(&self) -> bool {
        self.clipped_inputs == 0 && self.clipped_neurons == 0
    }

    /// The input with the largest contribution in magnitude (the first on ties; 0 if `B` is
    /// 0 or every contribution is NaN).
    pub fn dominant(&self) -> usize {
        let mut best = 0;
        let mut best_v = -1.0f32;
        for (j, v) in self.inputs.iter().enumerate() {
            if abs(*v) > best_v {
                best = j;
                best_v = abs(*v);
            }
        }
        best
    }

    /// The contributions summed by group: input `j` adds to group `group(j)`; inputs mapped to
    /// a group `>= G` are left out. For a model over several channels and lags, `group` maps
    /// an input to its channel, and the result says which channel drove the output.
    pub fn sum_by<const G: usize>(&self, mut group: impl FnMut(usize) -> usize) -> [f32; G] {
        let mut out = [0.0f32; G];
        for (j, v) in self.inputs.iter().enumerate() {
            if let Some(o) = out.get_mut(group(j)) {
                *o += v;
            }
        }
        out
    }
}

/// A model whose every prediction can be explained: implemented by [`Gln1`](crate::Gln1) to
/// [`Gln4`](crate::Gln4), for code that is generic over the depth.
pub trait Explain<const D: usize, const B: usize, const N: usize> {
    /// The contribution of each base input and of the bias to the output logit of `head`
    /// for `x` (see [`Gln3::explain`](crate::Gln3::explain)).
    ///
    /// # Errors
    /// [`Error::LabelOutOfRange`] if `head >= N`.
    fn explain(&self, x: &Input<'_, D, B>, head: usize) -> Result<Explanation<B>, Error>;
}

/// Carries the weights `r` of a layer's clipped outputs back to their logits `s`: where the
/// clip bound (`|s_n| > bound`), the neuron passed on `clip(s_n)` instead of `s_n`, so
/// everything that reached it is scaled by `clip(s_n) / s_n`. Counts those neurons.
pub(crate) fn through_clip<const W: usize>(
    mut r: [f32; W],
    s: &[f32; W],
    bound: f32,
    clipped: &mut usize,
) -> [f32; W] {
    for (rn, &sn) in r.iter_mut().zip(s) {
        if abs(sn) > bound {
            *rn *= clamp(sn, -bound, bound) / sn;
            *clipped = clipped.saturating_add(1);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Explanation<4> {
        Explanation {
            inputs: [0.5, -2.0, 0.25, 1.0],
            bias: 0.125,
            output: -0.125,
            clipped_inputs: 0,
            clipped_neurons: 0,
        }
    }

    #[test]
    fn totals_and_checks() {
        let e = example();
        assert_eq!(e.total(), -0.125);
        assert_eq!(e.residual(), 0.0);
        assert_eq!(e.magnitude(), 3.875);
        assert!(e.within_tolerance());
        assert!(e.is_linear());
        assert_eq!(e.dominant(), 1);
        let off = Explanation {
            output: 0.0,
            clipped_neurons: 1,
            ..e
        };
        assert!(!off.within_tolerance());
        assert!(!off.is_linear());
    }

    #[test]
    fn sum_by_groups_and_ignores_out_of_range_groups() {
        let e = example();
        // Inputs 0, 1 -> group 0; 2 -> group 1; 3 -> group 7 (dropped for G = 2).
        let g: [f32; 2] = e.sum_by(|j| [0, 0, 1, 7][j]);
        assert_eq!(g, [-1.5, 0.25]);
    }

    #[test]
    fn through_clip_scales_only_where_the_clip_binds() {
        let mut n = 0;
        let r = through_clip([2.0, 2.0, 2.0, 2.0], &[1.0, 8.0, -4.0, 4.0], 4.0, &mut n);
        // Exactly at the bound is not a bind (the value is unchanged).
        assert_eq!(r, [2.0, 1.0, 2.0, 2.0]);
        assert_eq!(n, 1);
        let r = through_clip([3.0], &[-12.0], 4.0, &mut n);
        assert_eq!(r, [1.0]);
        assert_eq!(n, 2);
    }
}
