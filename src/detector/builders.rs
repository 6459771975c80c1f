//! The `const fn` builders of [`DetectorConfig`], one per field.

use super::DetectorConfig;

/// `const fn` builders of [`DetectorConfig`]: the type is `#[non_exhaustive]` (adding a
/// setting is not a breaking change), so code outside the crate builds a configuration from
/// [`DetectorConfig::DEFAULT`] with these, in a `const` or `static` too:
///
/// ```
/// use gln::detector::DetectorConfig;
///
/// const CONFIG: DetectorConfig = DetectorConfig::DEFAULT
///     .with_warmup(400)
///     .with_threshold_rate(1.0 / 200.0);
/// assert!(CONFIG.check().is_ok());
/// ```
///
/// Each sets one field (documented on [`DetectorConfig`]) and checks nothing: call
/// [`DetectorConfig::check`], or let `Detector::new` (a const panic) or `Detector::try_new`
/// check the result.
impl DetectorConfig {
    /// The same configuration with another `warmup`.
    pub const fn with_warmup(mut self, warmup: u32) -> Self {
        self.warmup = warmup;
        self
    }

    /// The same configuration with another `smoothing`.
    pub const fn with_smoothing(mut self, smoothing: f32) -> Self {
        self.smoothing = smoothing;
        self
    }

    /// The same configuration with another `threshold_k`.
    pub const fn with_threshold_k(mut self, threshold_k: f32) -> Self {
        self.threshold_k = threshold_k;
        self
    }

    /// The same configuration with another `sustained_k`.
    pub const fn with_sustained_k(mut self, sustained_k: f32) -> Self {
        self.sustained_k = sustained_k;
        self
    }

    /// The same configuration with another `threshold_rate`.
    pub const fn with_threshold_rate(mut self, threshold_rate: f32) -> Self {
        self.threshold_rate = threshold_rate;
        self
    }

    /// The same configuration with another `stats_horizon`.
    pub const fn with_stats_horizon(mut self, stats_horizon: f32) -> Self {
        self.stats_horizon = stats_horizon;
        self
    }

    /// The same configuration with another `error_horizon`.
    pub const fn with_error_horizon(mut self, error_horizon: f32) -> Self {
        self.error_horizon = error_horizon;
        self
    }

    /// The same configuration with another `cross_horizon`.
    pub const fn with_cross_horizon(mut self, cross_horizon: f32) -> Self {
        self.cross_horizon = cross_horizon;
        self
    }

    /// The same configuration with another `learn_clip`.
    pub const fn with_learn_clip(mut self, learn_clip: f32) -> Self {
        self.learn_clip = learn_clip;
        self
    }

    /// The same configuration with another `std_floor`.
    pub const fn with_std_floor(mut self, std_floor: f32) -> Self {
        self.std_floor = std_floor;
        self
    }

    /// The same configuration with another `calibration`.
    pub const fn with_calibration(mut self, calibration: f32) -> Self {
        self.calibration = calibration;
        self
    }

    /// The same configuration with another `level_weight`.
    pub const fn with_level_weight(mut self, level_weight: f32) -> Self {
        self.level_weight = level_weight;
        self
    }

    /// The same configuration with another `two_sided`.
    pub const fn with_two_sided(mut self, two_sided: bool) -> Self {
        self.two_sided = two_sided;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every builder sets its own field and no other.
    #[test]
    fn each_builder_sets_its_field_only() {
        let d = DetectorConfig::DEFAULT;
        let set = d
            .with_warmup(7)
            .with_smoothing(0.5)
            .with_threshold_k(2.0)
            .with_sustained_k(3.0)
            .with_threshold_rate(0.25)
            .with_stats_horizon(11.0)
            .with_error_horizon(12.0)
            .with_cross_horizon(13.0)
            .with_learn_clip(6.0)
            .with_std_floor(1e-3)
            .with_calibration(14.0)
            .with_level_weight(0.5)
            .with_two_sided(!d.two_sided);
        let expected = DetectorConfig {
            warmup: 7,
            smoothing: 0.5,
            threshold_k: 2.0,
            sustained_k: 3.0,
            threshold_rate: 0.25,
            stats_horizon: 11.0,
            error_horizon: 12.0,
            cross_horizon: 13.0,
            learn_clip: 6.0,
            std_floor: 1e-3,
            calibration: 14.0,
            level_weight: 0.5,
            two_sided: !d.two_sided,
        };
        assert_eq!(set, expected);
        assert_eq!(d.with_warmup(7), DetectorConfig { warmup: 7, ..d });
        assert_eq!(d.with_two_sided(d.two_sided), d);
    }
}
