//! The detector's settings: [`DetectorConfig`], its defaults and its checks.

use crate::error::Error;

/// Settings of a [`Detector`](super::Detector). [`DetectorConfig::DEFAULT`] needs no tuning for a start,
/// except for the signal's rhythm (`warmup`, `threshold_rate`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct DetectorConfig {
    /// Readings learned before any flag is raised; the score is 0 until then.
    pub warmup: u32,
    /// Smoothing of the smoothed components: `s ← s + smoothing · (u − s)` of each calibrated
    /// surprise `u`, in `(0, 1]` (the instant components are always scored beside them).
    pub smoothing: f32,
    /// The instant score's threshold is `median + threshold_k · (q90 − median)` of recent
    /// instant scores (streaming quantiles). In `(0, 1e6]`.
    pub threshold_k: f32,
    /// The same for the (smoothed) score, whose distribution has a much lighter tail. In
    /// `(0, 1e6]`.
    pub sustained_k: f32,
    /// Memory of the thresholds' quantiles: about `1 / threshold_rate` recent values (make it
    /// cover a cycle of the signal). In `(0, 1]`.
    pub threshold_rate: f32,
    /// Memory of each channel's standardisation, in readings.
    pub stats_horizon: f32,
    /// Memory of each base predictor's error variance, in readings.
    pub error_horizon: f32,
    /// Memory of the cross-channel correlations, in readings.
    pub cross_horizon: f32,
    /// Robust learning: the model learns `μ + clip(y − μ, ±learn_clip · σ)` instead of `y`,
    /// and the predictors' squared errors are limited likewise, so a fault does not teach
    /// the model that faults are normal. `f32::INFINITY` disables it.
    pub learn_clip: f32,
    /// Relative floor of the standardisation scale: at least `std_floor · |mean|`.
    pub std_floor: f32,
    /// Memory of the score calibration, in readings: each channel's surprises are
    /// compared with their own running location and spread over about this many readings.
    pub calibration: f32,
    /// Weight of the level components (how unusual the value itself is for the channel)
    /// against the prediction components (how unexpected it was given the recent past),
    /// all on one normalised scale. In `[0, 1e6]` (0: no level surprise).
    pub level_weight: f32,
    /// Count a prediction surprise far *below* usual (a channel suddenly too predictable:
    /// stuck, flat, missing its usual movement) as anomalous too.
    pub two_sided: bool,
}

impl DetectorConfig {
    /// The defaults, for any sensor stream: 300 readings of warm-up; every component, the
    /// level weighted like the prediction (1: all components are on one scale), two-sided,
    /// calibrated over about 2000 readings and smoothed at 0.05; thresholds
    /// `median + 8 (q90 − median)` for the instant score and `+ 5 (q90 − median)` for the
    /// smoothed components, over about 330 values; standardisation over about 10 000
    /// readings, predictor errors over about 100, correlations over about 1000; robust
    /// learning at 4 σ; a relative scale floor of 1e-4. The one configuration evaluated on
    /// every group of `examples/evaluate.rs` (NAB, SKAB, shuttle).
    pub const DEFAULT: DetectorConfig = DetectorConfig {
        warmup: 300,
        smoothing: 0.05,
        threshold_k: 8.0,
        sustained_k: 5.0,
        threshold_rate: 0.003,
        stats_horizon: 10_000.0,
        error_horizon: 100.0,
        cross_horizon: 1000.0,
        learn_clip: 4.0,
        std_floor: 1e-4,
        calibration: 2000.0,
        level_weight: 1.0,
        two_sided: true,
    };

    /// `Ok(())` if every value is in its documented range.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first value out of range.
    pub const fn check(&self) -> Result<(), Error> {
        if !(self.smoothing > 0.0 && self.smoothing <= 1.0) {
            return Err(Error::InvalidConfig("smoothing must be in (0, 1]"));
        }
        if !(positive(self.threshold_k) && positive(self.sustained_k)) {
            return Err(Error::InvalidConfig(
                "threshold_k and sustained_k must be in (0, 1e6]",
            ));
        }
        if !(self.threshold_rate > 0.0 && self.threshold_rate <= 1.0) {
            return Err(Error::InvalidConfig("threshold_rate must be in (0, 1]"));
        }
        if !(horizon(self.stats_horizon)
            && horizon(self.error_horizon)
            && horizon(self.cross_horizon)
            && horizon(self.calibration))
        {
            return Err(Error::InvalidConfig("horizons must be finite and >= 1"));
        }
        if !(self.learn_clip > 0.0) {
            return Err(Error::InvalidConfig("learn_clip must be > 0"));
        }
        if !(self.std_floor >= 0.0 && self.std_floor < 1.0) {
            return Err(Error::InvalidConfig("std_floor must be in [0, 1)"));
        }
        // A NaN weight would make every score NaN; beyond 1e6 a score could overflow and
        // carry an infinity into the thresholds' quantiles.
        if !(self.level_weight >= 0.0 && self.level_weight <= 1e6) {
            return Err(Error::InvalidConfig("level_weight must be in [0, 1e6]"));
        }
        Ok(())
    }
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A threshold multiplier: beyond `1e6` a threshold could overflow to infinity.
const fn positive(k: f32) -> bool {
    k > 0.0 && k <= 1e6
}

const fn horizon(h: f32) -> bool {
    h >= 1.0 && h < f32::INFINITY
}
