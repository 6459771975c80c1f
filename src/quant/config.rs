//! The configuration of an integer GLN: a [`Config`] and its bounds in fixed point.

use super::fixed::{LOGIT_SHIFT, WEIGHT_SHIFT, ln_f64, round_sat};
use super::layer::QClip;
use crate::config::{Config, LearningRate};
use crate::error::Error;
use crate::net::ModelConfig;

/// A [`Config`] checked for the integer GLN, with its clipping bounds in fixed point
/// (computed once, at construction, so the learning path needs no `logf`).
///
/// Besides [`Config::check`], the integer formats need `eps ≥` [`QConfig::MIN_EPS`] (input
/// logits within ±8) and `beta ≤` [`QConfig::MAX_BETA`] (weights within ±8).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct QConfig {
    config: Config,
    logit: i32,
    beta: i32,
}

impl QConfig {
    /// The smallest `eps`: `logit(1 − eps)` must fit the Q12 inputs (below 8).
    pub const MIN_EPS: f32 = 4e-4;
    /// The largest `beta`: the weights are Q12 `i16` (below 8).
    pub const MAX_BETA: f32 = 7.99;
    /// [`Config::DEFAULT`] for the integer GLN.
    pub const DEFAULT: QConfig = QConfig::new(Config::DEFAULT);

    /// `config` for the integer GLN, or the reason it does not fit.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] from [`Config::check`], or for `eps` below
    /// [`QConfig::MIN_EPS`] or `beta` above [`QConfig::MAX_BETA`].
    pub const fn try_new(config: Config) -> Result<Self, Error> {
        if let Err(e) = config.check() {
            return Err(e);
        }
        if !(config.eps >= Self::MIN_EPS) {
            return Err(Error::InvalidConfig(
                "eps must be at least QConfig::MIN_EPS (4e-4) for the integer GLN",
            ));
        }
        if !(config.beta <= Self::MAX_BETA) {
            return Err(Error::InvalidConfig(
                "beta must be at most QConfig::MAX_BETA (7.99) for the integer GLN",
            ));
        }
        let eps = config.eps as f64;
        let logit = ln_f64((1.0 - eps) / eps) * (1u32 << LOGIT_SHIFT) as f64;
        Ok(Self {
            config,
            logit: round_sat(logit as f32, i16::MAX as i32),
            // Rounded down, so the box never exceeds `beta`.
            beta: (config.beta * (1u32 << WEIGHT_SHIFT) as f32) as i32,
        })
    }

    /// [`QConfig::try_new`] that panics on an invalid `config` (at compile time in a
    /// `const` context).
    ///
    /// # Panics
    /// If [`QConfig::try_new`] fails.
    // The documented panic (a build error in a `const`).
    #[allow(clippy::panic)]
    pub const fn new(config: Config) -> Self {
        match Self::try_new(config) {
            Ok(c) => c,
            Err(Error::InvalidConfig(why)) => panic!("{}", why),
            Err(_) => panic!("invalid configuration"),
        }
    }

    /// The configuration this was built from.
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// `logit(1 − eps)` in Q12 (rounded) and `beta` in Q12 (rounded down).
    pub const fn clip(&self) -> QClip {
        QClip {
            logit: self.logit,
            beta: self.beta,
        }
    }
}

impl ModelConfig for QConfig {
    fn learning_rate(&self) -> &LearningRate {
        &self.config.learning_rate
    }
    fn offset_std(&self) -> f32 {
        self.config.offset_std
    }
    fn beta(&self) -> f32 {
        self.config.beta
    }
    fn validate(&self) -> Result<(), Error> {
        // Only `try_new` builds one, so the bounds are those of `config`.
        Self::try_new(self.config).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_fixed_point() {
        let c = QConfig::DEFAULT.clip();
        assert_eq!(c.beta, 5 * 4096);
        assert!((c.logit as f32 / 4096.0 - crate::math::logit(0.99)).abs() < 2e-4);
        assert!(QConfig::try_new(Config::DEFAULT.with_beta(8.5)).is_err());
        assert!(QConfig::try_new(Config::DEFAULT.with_eps(1e-4)).is_err());
        assert!(QConfig::try_new(Config::DEFAULT.with_eps(f32::NAN)).is_err());
        let edge = QConfig::new(Config::DEFAULT.with_eps(QConfig::MIN_EPS).with_beta(7.99));
        assert!(edge.clip().logit < 32767 && edge.clip().beta < 32767);
    }
}
