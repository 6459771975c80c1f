//! Gaussian Gated Linear Networks: real-valued targets, predicted as a Gaussian density.
//!
//! A Gaussian GLN neuron mixes the Gaussians it receives (μ_j, σ_j²) by a weighted product:
//! with the precisions λ_j = 1/σ_j² and the weights `w` of its active row,
//!
//! ```text
//! π = Σ w_j λ_j        σ² = 1/π        μ = σ² Σ w_j λ_j μ_j
//! ```
//!
//! Besides its inputs every neuron sees three fixed *bias Gaussians* with means −1, 0 and +1
//! and variance 1 (the target is meant to be standardised). Gating is the same halfspace
//! gating as the Bernoulli GLN: `K` hyperplanes per neuron over the side information `z` pick
//! one of `C = 2^K` weight rows. Each neuron learns the negative log-likelihood of the target
//! under its own output by one gradient step on the active row; the gradient is closed-form:
//!
//! ```text
//! ∂L/∂w_j = λ_j [ ½((y − μ)² − σ²) − (y − μ)(μ_j − μ) ]
//! ```
//!
//! (Budden et al., "Gaussian Gated Linear Networks", NeurIPS 2020.)
//!
//! # Constraints
//! - Every weight stays in `[-beta, beta]` (the row is clipped after each step).
//! - Every time a row is *used* (to predict or to learn), it is projected along λ onto the set
//!   where the output precision is within `[1/sigma2_max, 1/sigma2_min]`: if `π` is outside,
//!   the row becomes `w − δ λ / |λ|²` with `δ = π − clamp(π)`. So every output variance of
//!   every neuron is within `[sigma2_min, sigma2_max]`, for every input, not only for the
//!   input a row was last trained on (the authors project after each step for the current
//!   input only). The gradient is taken at the projected row.
//! - Every Gaussian entering a neuron has its mean clipped to `±mean_bound` and its variance
//!   to `[sigma2_min, sigma2_max]`. A neuron whose output mean falls outside `±mean_bound` is
//!   saturated and not updated (the analogue of the Bernoulli GLN's saturation rule). Targets
//!   are clipped to `±mean_bound` for learning.
//!
//! These bounds keep every intermediate value finite for any finite input, so no weight can
//! become NaN or infinite.
//!
//! # Example
//! ```
//! use gln::gaussian::{GaussianConfig, GaussianGln2, GaussianInput};
//!
//! // 2 features, layers [8, 1], 2 halfspaces (4 contexts) per neuron.
//! type Model = GaussianGln2<2, 2, 8, 2, 4>;
//! let mut model = Model::new(7, GaussianConfig::DEFAULT);
//! for t in 0..2000 {
//!     let x = [(t % 17) as f32 / 8.0 - 1.0, (t % 5) as f32 / 2.0 - 1.0];
//!     let y = 0.8 * x[0] - 0.5 * x[1];
//!     let input = GaussianInput::from_side(&x, 1.0)?; // base Gaussians (x_j, 1)
//!     let before = model.learn(&input, y)?;           // predicts, then learns
//!     assert!(before.variance >= GaussianConfig::DEFAULT.sigma2_min);
//! }
//! let x = [0.5, 0.0];
//! let p = model.predict(&GaussianInput::from_side(&x, 1.0)?);
//! assert!((p.mean - 0.4).abs() < 0.2, "{p:?}");
//! # Ok::<(), gln::Error>(())
//! ```

mod aliases;
pub mod explain;
mod family;
mod layer;
mod network;

pub use aliases::{GaussianGln1, GaussianGln2, GaussianGln3, GaussianGln4};
pub use explain::{GaussianExplain, GaussianExplanation};
pub use family::GaussianFamily;
pub use network::GaussianNetwork;

use crate::config::{LearningRate, Schedule, StepScale};
use crate::error::{Error, check_finite};
use crate::math::{ln, sqrt};

/// `ln(2π)`.
const LN_2PI: f32 = 1.837_877_1;

/// A Gaussian density: what a Gaussian GLN predicts for a target.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Gaussian {
    /// The mean μ.
    pub mean: f32,
    /// The variance σ² (always `> 0` for a prediction).
    pub variance: f32,
}

impl Gaussian {
    /// The negative log-likelihood of `y`: `½ ln(2π σ²) + (y − μ)² / (2σ²)`, in nats.
    ///
    /// For a prediction (finite mean, positive variance) and a finite `y` it is finite unless
    /// `(y − μ)²` overflows `f32` (then `+∞`); a NaN `y` gives NaN.
    pub fn nll(&self, y: f32) -> f32 {
        let r = y - self.mean;
        0.5 * (LN_2PI + ln(self.variance)) + r * r / (2.0 * self.variance)
    }

    /// The log-density of `y`: `−nll(y)`.
    pub fn log_density(&self, y: f32) -> f32 {
        -self.nll(y)
    }

    /// The standard deviation σ.
    pub fn std(&self) -> f32 {
        sqrt(self.variance)
    }

    /// `(y − μ) / σ`.
    pub fn z_score(&self, y: f32) -> f32 {
        (y - self.mean) / self.std()
    }
}

/// Construction-time settings of a Gaussian GLN. [`GaussianConfig::DEFAULT`] holds the
/// defaults, meant for a standardised target.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct GaussianConfig {
    /// Smallest variance of any Gaussian a neuron takes in or puts out. In `[1e-6, sigma2_max)`.
    pub sigma2_min: f32,
    /// Largest variance of any Gaussian a neuron takes in or puts out. At most `1e6`.
    pub sigma2_max: f32,
    /// Weight box: every weight stays in `[-beta, beta]`. In `[0.25, 1e6]`: the initial
    /// weights `1/m` (`m` inputs per neuron with the three biases, so at most 1/4) must be in
    /// the box.
    pub beta: f32,
    /// Means entering a neuron and targets are clipped to `±mean_bound`; a neuron whose mean
    /// falls outside is saturated and not updated. In `(0, 1e6]`.
    pub mean_bound: f32,
    /// The learning-rate schedule (with its floor and fan-in scaling).
    pub learning_rate: LearningRate,
    /// Curvature-normalised steps: each neuron's step is `η_t / max(1, T)`, `T` the trace
    /// of the Hessian of its loss in its weights (see the module docs). Without it (the
    /// authors' plain step `η_t`), a neuron whose inputs are confident (small variances)
    /// but disagree needs a much smaller `η_t` than one whose inputs are vague, and a single
    /// rate that suits both may not exist; with it, `η_t` in `(0, 1]` is stable at any
    /// scale.
    pub normalized: bool,
    /// Standard deviation of the hyperplane offsets (units of the standardised side
    /// information). 0 puts every hyperplane through the origin.
    pub offset_std: f32,
}

impl GaussianConfig {
    /// The defaults: variances within `[0.01, 100]` (a standard deviation of at least a
    /// tenth of the standardised target's), weights within `±1000` (the authors' box), means
    /// within `±1000`, curvature-normalised steps with a constant learning rate of 0.02,
    /// hyperplane offsets with std 0.05.
    pub const DEFAULT: GaussianConfig = GaussianConfig {
        sigma2_min: 0.01,
        sigma2_max: 100.0,
        beta: 1000.0,
        mean_bound: 1000.0,
        learning_rate: LearningRate {
            schedule: Schedule::Constant { eta: 0.02 },
            floor: 0.0,
            scale: StepScale::None,
        },
        normalized: true,
        offset_std: 0.05,
    };

    /// The same configuration with another learning rate.
    pub const fn with_learning_rate(mut self, learning_rate: LearningRate) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// The same configuration with (`true`) or without curvature-normalised steps.
    pub const fn with_normalized(mut self, normalized: bool) -> Self {
        self.normalized = normalized;
        self
    }

    /// The same configuration with other variance bounds.
    pub const fn with_variance_bounds(mut self, sigma2_min: f32, sigma2_max: f32) -> Self {
        self.sigma2_min = sigma2_min;
        self.sigma2_max = sigma2_max;
        self
    }

    /// The same configuration with another weight box.
    pub const fn with_beta(mut self, beta: f32) -> Self {
        self.beta = beta;
        self
    }

    /// The same configuration with another mean bound.
    pub const fn with_mean_bound(mut self, mean_bound: f32) -> Self {
        self.mean_bound = mean_bound;
        self
    }

    /// The same configuration with another hyperplane offset spread.
    pub const fn with_offset_std(mut self, offset_std: f32) -> Self {
        self.offset_std = offset_std;
        self
    }

    /// `Ok(())` if every value is in its documented range.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first value out of range.
    pub const fn check(&self) -> Result<(), Error> {
        if !(self.sigma2_min >= 1e-6 && self.sigma2_min < self.sigma2_max) {
            return Err(Error::InvalidConfig(
                "sigma2_min must be >= 1e-6 and < sigma2_max",
            ));
        }
        if !(self.sigma2_max <= 1e6) {
            return Err(Error::InvalidConfig("sigma2_max must be <= 1e6"));
        }
        if !(self.beta >= 0.25 && self.beta <= 1e6) {
            return Err(Error::InvalidConfig(
                "beta must be in [0.25, 1e6] (the initial weights, up to 1/4, must be in the box)",
            ));
        }
        if !(self.mean_bound > 0.0 && self.mean_bound <= 1e6) {
            return Err(Error::InvalidConfig("mean_bound must be in (0, 1e6]"));
        }
        if !(self.offset_std >= 0.0 && self.offset_std < f32::INFINITY) {
            return Err(Error::InvalidConfig("offset_std must be finite and >= 0"));
        }
        self.learning_rate.check()
    }
}

impl Default for GaussianConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One sample for a Gaussian GLN with side-information size `D` and `B` base Gaussians.
///
/// Building it is where bad data is caught (NaN or infinite side information or base means,
/// a NaN or negative base variance), so a network's `predict` cannot fail on it. The base
/// Gaussians are the network's first-layer inputs: usually each feature `x_j` as `(x_j, σ²)`
/// with one variance for all, or the predictions of simple base predictors with their own
/// variances. Base variances are clipped to `[sigma2_min, sigma2_max]` by the network
/// (0 and `+∞` are therefore valid: the most and the least confident inputs it allows).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct GaussianInput<'a, const D: usize, const B: usize> {
    side: &'a [f32; D],
    mean: [f32; B],
    variance: [f32; B],
}

impl<'a, const D: usize, const B: usize> GaussianInput<'a, D, B> {
    /// Side information `side` and base Gaussians `(means[j], variance)`.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite side value (its index) or base mean (its
    /// index); [`Error::NotAVariance`] for a NaN or negative `variance` (index 0).
    pub fn new(side: &'a [f32; D], means: &[f32; B], variance: f32) -> Result<Self, Error> {
        Self::with_variances(side, means, &[variance; B])
    }

    /// Side information `side` and base Gaussians `(means[j], variances[j])`.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite side value or base mean;
    /// [`Error::NotAVariance`] for a NaN or negative variance (each with its index).
    pub fn with_variances(
        side: &'a [f32; D],
        means: &[f32; B],
        variances: &[f32; B],
    ) -> Result<Self, Error> {
        check_finite(side)?;
        check_finite(means)?;
        if let Some(index) = variances.iter().position(|v| !(*v >= 0.0)) {
            return Err(Error::NotAVariance { index });
        }
        Ok(Self {
            side,
            mean: *means,
            variance: *variances,
        })
    }

    /// [`GaussianInput::with_variances`] from slices.
    ///
    /// # Errors
    /// [`Error::WrongLength`] if a slice has the wrong length, else as `with_variances`.
    pub fn from_slices(side: &'a [f32], means: &[f32], variances: &[f32]) -> Result<Self, Error> {
        let side: &[f32; D] = side.try_into().map_err(|_| Error::WrongLength {
            expected: D,
            found: side.len(),
        })?;
        let wrong = |found| Error::WrongLength { expected: B, found };
        let means: &[f32; B] = means.try_into().map_err(|_| wrong(means.len()))?;
        let variances: &[f32; B] = variances.try_into().map_err(|_| wrong(variances.len()))?;
        Self::with_variances(side, means, variances)
    }

    /// The side information.
    pub fn side(&self) -> &'a [f32; D] {
        self.side
    }

    /// The base means (unclipped).
    pub fn means(&self) -> &[f32; B] {
        &self.mean
    }

    /// The base variances (unclipped).
    pub fn variances(&self) -> &[f32; B] {
        &self.variance
    }
}

impl<'a, const D: usize> GaussianInput<'a, D, D> {
    /// The usual input: side information `z` (standardised features) and base Gaussians
    /// `(z_j, variance)`.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite `z_j`; [`Error::NotAVariance`] for a NaN or
    /// negative `variance`.
    pub fn from_side(z: &'a [f32; D], variance: f32) -> Result<Self, Error> {
        Self::new(z, z, variance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nll_matches_the_formula() {
        let g = Gaussian {
            mean: 0.5,
            variance: 2.0,
        };
        let y = -1.25f64;
        let want = 0.5 * (2.0 * core::f64::consts::PI * 2.0).ln() + (y - 0.5).powi(2) / 4.0;
        assert!((g.nll(y as f32) as f64 - want).abs() < 1e-6);
        assert_eq!(g.log_density(y as f32), -g.nll(y as f32));
        assert!((g.z_score(y as f32) as f64 - (y - 0.5) / 2f64.sqrt()).abs() < 1e-6);
        assert!((LN_2PI as f64 - (2.0 * core::f64::consts::PI).ln()).abs() < 1e-7);
    }

    #[test]
    fn input_rejects_bad_values_with_their_position() {
        let z = [0.0f32, 1.0];
        assert_eq!(
            GaussianInput::<2, 2>::from_side(&[0.0, f32::NAN], 1.0),
            Err(Error::NonFinite { index: 1 })
        );
        assert_eq!(
            GaussianInput::new(&z, &[f32::INFINITY, 0.0], 1.0),
            Err(Error::NonFinite { index: 0 })
        );
        assert_eq!(
            GaussianInput::new(&z, &[0.0, 0.0], -1.0),
            Err(Error::NotAVariance { index: 0 })
        );
        assert_eq!(
            GaussianInput::with_variances(&z, &[0.0, 0.0], &[1.0, f32::NAN]),
            Err(Error::NotAVariance { index: 1 })
        );
        assert_eq!(
            GaussianInput::<2, 3>::from_slices(&z, &[0.0; 2], &[1.0; 3]),
            Err(Error::WrongLength {
                expected: 3,
                found: 2
            })
        );
        let ok =
            GaussianInput::<2, 2>::with_variances(&z, &[3.0, 4.0], &[0.0, f32::INFINITY]).unwrap();
        assert_eq!(ok.means(), &[3.0, 4.0]);
        assert_eq!(ok.variances(), &[0.0, f32::INFINITY]);
        assert_eq!(ok.side(), &z);
    }

    #[test]
    fn config_check_rejects_each_bad_value() {
        assert_eq!(GaussianConfig::DEFAULT.check(), Ok(()));
        let d = GaussianConfig::DEFAULT;
        let bad = [
            d.with_variance_bounds(0.0, 1.0),
            d.with_variance_bounds(1.0, 1.0),
            d.with_variance_bounds(1e-3, f32::INFINITY),
            d.with_variance_bounds(1e-3, 1e7),
            d.with_variance_bounds(f32::NAN, 1.0),
            d.with_variance_bounds(1e-7, 1.0),
            d.with_beta(1e7),
            d.with_beta(0.0),
            d.with_beta(0.2),
            d.with_beta(f32::INFINITY),
            d.with_mean_bound(0.0),
            d.with_mean_bound(1e7),
            d.with_offset_std(-0.1),
            d.with_learning_rate(LearningRate::constant(f32::NAN)),
        ];
        for c in bad {
            assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        }
    }
}
