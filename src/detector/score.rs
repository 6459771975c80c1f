//! From each channel's surprises to one anomaly score: calibration, smoothing, and a
//! self-calibrating combination of several views of the same surprises.
//!
//! Each channel has two surprises per reading, of its prediction (the NLL of the reading
//! under the model) and of its level (`½ z²`). Each is first standardised by its own running
//! location and spread (the *calibration*), then looked at in several ways, the
//! *components*: the instant prediction surprise, its smoothed value (a change that lasts),
//! the smoothed value negated (a channel that became too predictable), the smoothed level
//! and the instant level. Each component has its own adaptive [`Threshold`] (streaming
//! median and q90 of its recent values) and is put on one scale by it:
//! `(v − median) / (q90 − median)`, the number of "usual upper spreads" above its usual
//! value. The channel's score is the largest of them: a component that is usually wide
//! (a noisy stream's instant surprise, the lower tail of a stream whose predictability
//! swings) counts for little, a component that is usually tight and now far out counts for
//! much; which one matters is decided by the stream, not by a per-family setting.

use super::quantile::Threshold;
use crate::math::{abs, clamp};

/// Values further than `WINSOR` spreads from the location update the calibration as if
/// they were at that distance,
pub(crate) const WINSOR: f32 = 10.0;
/// once this many values have been seen.
const WINSOR_AFTER: u32 = 20;
/// Smallest spread (nats) the winsorising limit is measured in. Without it, a component
/// that was constant for long (e.g. clipped during a run of extreme readings) keeps a spread
/// near 0, every later value is clamped to its stale location, and the calibration can
/// never follow the stream again (a detector soaked with extreme readings then flagged
/// ordinary readings for a million readings and more). Far below an ordinary stream's
/// spread (tenths of a nat), so it binds only after such a run.
const WINSOR_FLOOR: f32 = 1e-3;

/// The components of a channel's score, in the order of [`ChannelScore::t`].
pub(crate) const COMPONENTS: usize = 5;
/// Component indices.
pub(crate) const INSTANT: usize = 0;
pub(crate) const PRED: usize = 1;
pub(crate) const TOO_PREDICTABLE: usize = 2;
pub(crate) const LEVEL: usize = 3;
pub(crate) const LEVEL_INSTANT: usize = 4;

/// Smallest upper spread a component is divided by (calibrated units: about a tenth of
/// the surprise's usual deviation), so a component that has been constant does not turn
/// the first small change into an enormous score.
const SPREAD_FLOOR: f32 = 0.1;
/// A reading enters the smoothed surprises at most `VOTE_K` usual upper spreads above its
/// component's median.
const VOTE_K: f32 = 1e6;
/// Bound of a normalised component (keeps sums over channels finite).
const NORM_MAX: f32 = 1e6;

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
            let spread = if self.spread > WINSOR_FLOOR {
                self.spread
            } else {
                WINSOR_FLOOR
            };
            let lim = WINSOR * spread;
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
pub(crate) const LEVEL_Z: f32 = 20.0;

/// `(v − median) / max(q90 − median, SPREAD_FLOOR)`, within `±NORM_MAX`.
fn normalize(v: f32, t: &Threshold) -> f32 {
    let (m, q) = t.quantiles();
    let spread = q.value() - m.value();
    let spread = if spread > SPREAD_FLOOR {
        spread
    } else {
        SPREAD_FLOOR
    };
    clamp((v - m.value()) / spread, -NORM_MAX, NORM_MAX)
}

/// One reading's view of a channel: its components (calibrated units), the smoothed
/// prediction and level surprises to keep, and each component normalised.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Components {
    pub raw: [f32; COMPONENTS],
    pub norm: [f32; COMPONENTS],
}

impl Components {
    /// The smoothed prediction and level surprises (the tracking state).
    fn smoothed(&self) -> (f32, f32) {
        let [_, sp, _, sl, _] = self.raw;
        (sp, sl)
    }
}

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
    /// Each component's adaptive threshold (see the module docs).
    pub(super) t: [Threshold; COMPONENTS],
    /// Persistence of the prediction and level surprises: their last calibrated values
    /// and running lag-1 products and squares.
    pub(super) persist: [Persistence; 2],
}

/// The lag-1 autocorrelation of a calibrated surprise, running: whether a surprise tends
/// to last. Smoothing pays only for surprises that last: on a stream of independent rows
/// it would only smear one reading's surprise over the next ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Persistence {
    pub(super) last: f32,
    pub(super) lag: f32,
    pub(super) power: f32,
}

impl Persistence {
    const NEW: Persistence = Persistence {
        last: 0.0,
        lag: 0.0,
        power: 0.0,
    };

    fn learn(&mut self, u: f32, a: f32) {
        let u = clamp(u, -WINSOR, WINSOR);
        self.lag += a * (u * self.last - self.lag);
        self.power += a * (u * u - self.power);
    }

    fn track(&mut self, u: f32) {
        self.last = clamp(u, -WINSOR, WINSOR);
    }

    /// The weight of the smoothed surprise: 0 while the autocorrelation is within `se`
    /// (about two standard errors of a zero autocorrelation) of 0, rising to 1 at `2 se`.
    fn weight(&self, se: f32) -> f32 {
        if !(self.power > 0.0) {
            return 0.0;
        }
        let rho = self.lag / self.power;
        clamp((rho - se) / se, 0.0, 1.0)
    }
}

/// How the components are weighed and smoothed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mix {
    pub smoothing: f32,
    pub level_weight: f32,
    pub two_sided: bool,
    /// About two standard errors of a zero autocorrelation over the calibration's memory.
    pub se: f32,
}

impl ChannelScore {
    /// The weight of component `k` in the channel's score (0: not counted).
    fn weight(&self, k: usize, m: &Mix) -> f32 {
        let [p, l] = &self.persist;
        match k {
            INSTANT => 1.0,
            PRED => p.weight(m.se),
            TOO_PREDICTABLE if m.two_sided => p.weight(m.se),
            LEVEL => m.level_weight * l.weight(m.se),
            LEVEL_INSTANT => m.level_weight,
            _ => 0.0,
        }
    }
}

impl ChannelScore {
    pub(crate) const NEW: ChannelScore = ChannelScore {
        pred: Running::NEW,
        level: Running::NEW,
        sp: 0.0,
        sl: 0.0,
        t: [Threshold::new(); COMPONENTS],
        persist: [Persistence::NEW; 2],
    };

    /// The components of a reading with prediction NLL `nll` and standardised value `z`,
    /// with `n` readings calibrated so far.
    pub(crate) fn components(&self, nll: f32, z: f32, n: u32, m: &Mix) -> Components {
        let up = self.pred.standardize(nll, n);
        let ul = self.level.standardize(level(z), n);
        // One reading's vote in the smoothed surprises is bounded by its component's usual
        // range: a lasting change moves them, a single wild reading (already scored by
        // the instant components) does not.
        let bound = |v: f32, t: &Threshold| {
            let hi = t.value(VOTE_K);
            if t.quantiles().0.count() >= Threshold::SETTLED && v > hi {
                hi
            } else {
                v
            }
        };
        let [ti, .., tli] = &self.t;
        let sp = self.sp + m.smoothing * (bound(up, ti) - self.sp);
        let sl = self.sl + m.smoothing * (bound(ul, tli) - self.sl);
        let raw = [up, sp, -sp, sl, ul];
        let mut norm = [0.0; COMPONENTS];
        for ((o, &v), t) in norm.iter_mut().zip(&raw).zip(&self.t) {
            *o = normalize(v, t);
        }
        Components { raw, norm }
    }

    /// This channel's share of the score: its largest weighted normalised component.
    pub(crate) fn value(&self, c: &Components, m: &Mix) -> f32 {
        let mut best = 0.0f32;
        for (k, &v) in c.norm.iter().enumerate() {
            let w = self.weight(k, m) * v;
            best = if w > best { w } else { best };
        }
        best
    }

    /// The instant part of the score (the instant prediction surprise, normalised).
    pub(crate) fn instant(c: &Components) -> f32 {
        let [v, ..] = c.norm;
        if v > 0.0 { v } else { 0.0 }
    }

    /// The instant level component, weighted (0 when levels are not counted): how far
    /// outside the levels this channel usually takes one reading is.
    pub(crate) fn instant_level(&self, c: &Components, m: &Mix) -> f32 {
        self.weight(LEVEL_INSTANT, m) * c.norm[LEVEL_INSTANT]
    }

    /// Whether a lasting component (smoothed prediction surprise, either side, or
    /// smoothed level) is beyond `k` usual spreads: `(predictability, level)`, the one
    /// further beyond only.
    pub(crate) fn sustained(&self, c: &Components, m: &Mix, k: f32) -> (bool, bool) {
        let at = |i: usize| {
            if self.weight(i, m) > 0.0 {
                c.norm.get(i).copied().unwrap_or(0.0)
            } else {
                f32::NEG_INFINITY
            }
        };
        let (p, q, l) = (at(PRED), at(TOO_PREDICTABLE), at(LEVEL));
        let p = if q > p { q } else { p };
        (p > k && p >= l, l > k && l > p)
    }

    /// Learns the components' thresholds; values above a threshold count as if they were
    /// at it.
    pub(crate) fn learn_thresholds(&mut self, c: &Components, k: f32, rate: f32) {
        for (t, &v) in self.t.iter_mut().zip(&c.raw) {
            t.update_capped(v, k, rate);
        }
    }

    /// Keeps the smoothed components (the tracking state).
    pub(crate) fn track(&mut self, c: &Components) {
        (self.sp, self.sl) = c.smoothed();
        let [p, l] = &mut self.persist;
        let [inst, .., level] = c.raw;
        p.track(inst);
        l.track(level);
    }

    /// Learns the calibration from the `n`-th reading (rate `a`).
    pub(crate) fn learn(&mut self, c: &Components, nll: f32, z: f32, a: f32, n: u32) {
        let [p, l] = &mut self.persist;
        let [inst, .., lvl] = c.raw;
        p.learn(inst, a);
        l.learn(lvl, a);
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
        for p in &self.persist {
            [p.last, p.lag, p.power].into_iter().for_each(&mut *f);
        }
        for t in &self.t {
            let (a, b) = t.quantiles();
            for q in [a, b] {
                f(q.value());
                f(q.count() as f32);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calibration_that_was_constant_for_long_follows_the_stream_again() {
        // A long constant run (a component clipped through extreme readings) leaves the
        // spread at about 0 and the location at the constant.
        let mut r = Running::NEW;
        for n in 1..=100_000u32 {
            r.learn(5.0, 1e-3, n);
        }
        assert!(r.spread < 1e-6);
        // Then an ordinary stream around -2 with a spread of about 1: the calibration must
        // get there (with a zero winsorising floor it stayed at 5 for good).
        for n in 100_001..=200_000u32 {
            let v = -2.0 + if n % 2 == 0 { 1.0 } else { -1.0 };
            r.learn(v, 1e-3, n);
        }
        assert!((r.loc + 2.0).abs() < 0.05, "location {}", r.loc);
        assert!((r.spread - 1.0).abs() < 0.05, "spread {}", r.spread);
    }
}
