//! What the integer GLN needs of a [`Config`]: its bounds in fixed point, and the limits of
//! its formats.

use super::fixed::{LOGIT_SHIFT, WEIGHT_SHIFT, ln_f64, round_sat};
use super::layer::QClip;
use crate::config::Config;
use crate::error::Error;

/// The smallest `eps` of an integer GLN: `logit(1 − eps)` must fit the Q12 inputs (below 8).
pub const MIN_EPS: f32 = 4e-4;
/// The largest `beta` of an integer GLN: the weights are Q12 `i16` (below 8).
pub const MAX_BETA: f32 = 7.99;

/// `Ok` for a configuration the integer GLN can use: [`Config::check`], and `eps ≥`
/// [`MIN_EPS`], `beta ≤` [`MAX_BETA`].
///
/// # Errors
/// [`Error::InvalidConfig`] naming the value out of range.
pub const fn check(config: &Config) -> Result<(), Error> {
    if let Err(e) = config.check() {
        return Err(e);
    }
    if !(config.eps >= MIN_EPS) {
        return Err(Error::InvalidConfig(
            "eps must be at least quant::MIN_EPS (4e-4) for the integer GLN",
        ));
    }
    if !(config.beta <= MAX_BETA) {
        return Err(Error::InvalidConfig(
            "beta must be at most quant::MAX_BETA (7.99) for the integer GLN",
        ));
    }
    Ok(())
}

impl QClip {
    /// The bounds of `config` in fixed point: `logit(1 − eps)` in Q12 (rounded; computed in
    /// `f64` by a series, the same bits on every target) and `beta` in Q12 (rounded down, so
    /// the box never exceeds `beta`), both saturated to the `i16` range.
    pub const fn of(config: &Config) -> Self {
        let eps = config.eps as f64;
        let logit = ln_f64((1.0 - eps) / eps) * (1u32 << LOGIT_SHIFT) as f64;
        let beta = config.beta * (1u32 << WEIGHT_SHIFT) as f32;
        Self {
            logit: round_sat(logit as f32, i16::MAX as i32),
            // Truncation: rounds a positive value down, so the box never exceeds `beta`.
            beta: if beta < i16::MAX as f32 {
                beta as i32
            } else {
                i16::MAX as i32
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_fixed_point() {
        let c = QClip::of(&Config::DEFAULT);
        assert_eq!(c.beta, 5 * 4096);
        assert!((c.logit as f32 / 4096.0 - crate::math::logit(0.99)).abs() < 2e-4);
        assert_eq!(QClip::of(&Config::DEFAULT.with_beta(0.7)).beta, 2867); // 2867.2
        assert_eq!(QClip::of(&Config::DEFAULT.with_beta(0.7001)).beta, 2867); // 2867.6
        assert!(check(&Config::DEFAULT.with_beta(8.5)).is_err());
        assert!(check(&Config::DEFAULT.with_eps(1e-4)).is_err());
        assert!(check(&Config::DEFAULT.with_eps(f32::NAN)).is_err());
        let edge = Config::DEFAULT.with_eps(MIN_EPS).with_beta(MAX_BETA);
        assert!(check(&edge).is_ok());
        let c = QClip::of(&edge);
        assert!(c.logit < 32767 && c.beta < 32767);
    }
}
