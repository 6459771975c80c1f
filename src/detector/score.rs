//! From each channel's surprises to one anomaly score: calibration and smoothing.

use super::quantile::Threshold;
use crate::math::{abs, clamp};

/// Values further than `WINSOR` spreads from the location update the calibration as if
/// they were at that distance,
const WINSOR: f32 = 10.0;
/// once this many values have been seen.
const WINSOR_AFTER: u32 = 20;

/// Running location (mean) and spread (mean absolute deviation) of one score component.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Running {
    pub(super) loc: f32,
    pub(super) spread: f32,
}

impl Running {
    const NEW: Running = Running {
        loc: 0.0,
        spread: 0.0,
    };

    /// `(v − loc) / spread` (0 before two values).
    fn standardize(&self, v: f32, n: u32) -> f32 {
        if n < 2 {
            return 0.0;
        }
        (v - self.loc) / (self.spread + 1e-6)
    }

    fn learn(&mut self, v: f32, a: f32, n: u32) {
        if n <= 1 {
            self.loc = v;
            return;
        }
        // Winsorised once a spread is known: a few wild values (the first readings, before
        // the standardisation has settled; the anomalies themselves) must not inflate the
        // spread for thousands of readings.
        let v = if n > WINSOR_AFTER {
            let lim = WINSOR * self.spread;
            clamp(v, self.loc - lim, self.loc + lim)
        } else {
            v
        };
        self.spread += a * (abs(v - self.loc) - self.spread);
        self.loc += a * (v - self.loc);
    }
}

/// The level surprise of a standardised value: `½ z²`, `z` limited to `±LEVEL_Z`.
fn level(z: f32) -> f32 {
    let z = clamp(z, -LEVEL_Z, LEVEL_Z);
    0.5 * z * z
}

/// Bound on `|z|` in the level surprise.
const LEVEL_Z: f32 = 20.0;

/// One channel's calibrated and smoothed surprise: of its prediction (the NLL of the
/// reading under the model) and of its level (half the squared standardised value, the NLL
/// under the channel's long-run Gaussian up to a constant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ChannelScore {
    pub(super) pred: Running,
    pub(super) level: Running,
    /// Smoothed standardised components.
    pub(super) sp: f32,
    pub(super) sl: f32,
    /// Adaptive thresholds of the smoothed components (prediction, level).
    pub(super) tp: Threshold,
    pub(super) tl: Threshold,
}

/// How the components are weighed and smoothed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    pub smoothing: f32,
    pub level_weight: f32,
    pub two_sided: bool,
}

impl ChannelScore {
    pub(crate) const NEW: ChannelScore = ChannelScore {
        pred: Running::NEW,
        level: Running::NEW,
        sp: 0.0,
        sl: 0.0,
        tp: Threshold::new(),
        tl: Threshold::new(),
    };

    /// The standardised components of a reading with prediction NLL `nll` and standardised
    /// value `z`, with `n` readings calibrated so far, and their smoothed values:
    /// `((up, ul), (sp, sl))`.
    pub(crate) fn components(&self, nll: f32, z: f32, n: u32, m: &Mix) -> ((f32, f32), (f32, f32)) {
        let up = self.pred.standardize(nll, n);
        let ul = self.level.standardize(level(z), n);
        (
            (up, ul),
            (
                self.sp + m.smoothing * (up - self.sp),
                self.sl + m.smoothing * (ul - self.sl),
            ),
        )
    }

    /// This channel's share of the score from its smoothed components.
    pub(crate) fn value((sp, sl): (f32, f32), m: &Mix) -> f32 {
        let p = if m.two_sided { abs(sp) } else { sp };
        p + m.level_weight * sl
    }

    /// Whether the smoothed prediction and level surprises are above their thresholds
    /// (multiplier `k`); the level only counts if it is weighed in.
    pub(crate) fn sustained(&self, (sp, sl): (f32, f32), m: &Mix, k: f32) -> (bool, bool) {
        let p = if m.two_sided { abs(sp) } else { sp };
        (
            p > self.tp.value(k),
            m.level_weight > 0.0 && sl > self.tl.value(k),
        )
    }

    /// Learns the thresholds of the smoothed components; values above a threshold count as
    /// if they were at it.
    pub(crate) fn learn_thresholds(&mut self, (sp, sl): (f32, f32), m: &Mix, k: f32, rate: f32) {
        let p = if m.two_sided { abs(sp) } else { sp };
        self.tp.update_capped(p, k, rate);
        self.tl.update_capped(sl, k, rate);
    }

    /// Keeps the smoothed components (the tracking state).
    pub(crate) fn track(&mut self, (sp, sl): (f32, f32)) {
        self.sp = sp;
        self.sl = sl;
    }

    /// Learns the calibration from the `n`-th reading (rate `a`).
    pub(crate) fn learn(&mut self, nll: f32, z: f32, a: f32, n: u32) {
        self.pred.learn(nll, a, n);
        self.level.learn(level(z), a, n);
    }

    pub(crate) fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        for v in [
            self.pred.loc,
            self.pred.spread,
            self.level.loc,
            self.level.spread,
            self.sp,
            self.sl,
        ] {
            f(v);
        }
        for t in [&self.tp, &self.tl] {
            let (a, b) = t.quantiles();
            for q in [a, b] {
                f(q.value());
                f(q.count() as f32);
            }
        }
    }
}
