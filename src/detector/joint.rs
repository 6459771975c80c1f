//! The joint view of all channels: how far a reading, as a point of every channel's
//! standardised value at once, lies from the normal readings the detector remembers.
//!
//! Scoring channels one by one misses readings that are usual for every channel alone but
//! impossible together (two sensors of one rig that always move together, now apart). The
//! joint view keeps a small sample of recent normal readings (standardised, all channels)
//! and scores a reading by its distance to its nearest neighbours in that sample: a
//! k-nearest-neighbour density score in fixed memory (`JOINT_MEMORY × CH` floats).
//!
//! - **Distance.** Root mean square over channels of the difference of standardised values,
//!   averaged over the `JOINT_K` nearest remembered readings (several neighbours, so one
//!   remembered outlier does not vouch for a new one).
//! - **Scale.** The distance is put on the score's scale by its own streaming quantiles:
//!   `(d − median) / (q90 − median)` of recent distances, like every other component.
//! - **Memory.** Readings enter the sample by reservoir sampling with a horizon: the
//!   `n`-th admitted reading replaces a slot with probability `max(M / n, M / H)` (`M` the
//!   sample size, `H` [`JOINT_HORIZON`]): a uniform sample of everything seen while young,
//!   an exponentially fading one later, so the sample follows a machine that slowly changes
//!   its operating point. The slot and the draw come from a hash of the admission count:
//!   deterministic, integer only, the same bits on every target.
//! - **Admission.** A reading enters only if it was not flagged and it is at least as
//!   typical as the median reading (its distance at most the running median distance): an
//!   anomaly, however long, does not teach the sample that it is normal. One reading in
//!   [`JOINT_LEAK`] enters regardless, so a stream that really moved is learned again (once
//!   a few of its readings are remembered they are typical, and it follows fast); when most
//!   recent readings are far beyond the sample, it empties and starts again.
//! - **Weight.** The channels' own scores cover the channels one at a time; the joint view
//!   covers all `CH` at once, and its share of the score counts `CH` times.

use super::quantile::Threshold;
use crate::math::{abs, clamp, sqrt};

/// Remembered readings.
pub(crate) const JOINT_MEMORY: usize = 64;
/// Neighbours the distance is averaged over.
pub(crate) const JOINT_K: usize = 4;
/// Admissions after which the sample forgets exponentially (about this many readings).
pub const JOINT_HORIZON: u32 = 2000;
/// One reading in this many enters the sample even if it is not typical (see
/// `Detector`'s joint learning): the way back for a stream that really moved.
pub const JOINT_LEAK: u64 = 64;
/// Bound on one channel's difference in a distance (local spreads).
const Z_MAX: f32 = 20.0;
/// Bound of a joint distance (each channel's difference is within `±Z_MAX`).
pub(crate) const JOINT_DISTANCE_MAX: f32 = Z_MAX;
/// Relative floor of a channel's local spread.
const SCALE_FLOOR: f32 = 1e-4;
/// Memory (readings) and share of the joint view's regime shock (as the detector's own).
const SHOCK_MEMORY: f32 = 32.0;
const SHOCK_SHARE: f32 = 0.5;
/// Smallest upper spread the distance is divided by (standardised units).
const SPREAD_FLOOR: f32 = 0.05;
/// Bound of the normalised joint score.
const NORM_MAX: f32 = 1e6;

/// The remembered sample and the distance's threshold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Joint<const CH: usize> {
    /// Remembered readings, in the channels' own units.
    pub(super) points: [[f32; CH]; JOINT_MEMORY],
    /// Running location and spread (mean absolute deviation) of each channel over the
    /// admitted readings: the local scale distances are measured in.
    pub(super) loc: [f32; CH],
    pub(super) spread: [f32; CH],
    /// Running share of recent readings far beyond the joint threshold (a new regime).
    pub(super) shock: f32,
    /// Filled slots.
    pub(super) len: u32,
    /// Readings admitted since the sample was last emptied (saturating).
    pub(super) admitted: u32,
    pub(super) t: Threshold,
}

impl<const CH: usize> Joint<CH> {
    pub(crate) const NEW: Self = Self {
        points: [[0.0; CH]; JOINT_MEMORY],
        loc: [0.0; CH],
        spread: [0.0; CH],
        shock: 0.0,
        len: 0,
        admitted: 0,
        t: Threshold::new(),
    };

    /// Whether the joint view counts: two channels or more, and enough remembered
    /// readings to have `JOINT_K` neighbours.
    pub(crate) fn active(&self) -> bool {
        CH >= 2 && self.len as usize >= JOINT_K * 4
    }

    /// The mean RMS distance of `z` to its `JOINT_K` nearest remembered readings (0 while
    /// inactive).
    pub(crate) fn distance(&self, x: &[f32; CH]) -> f32 {
        if !self.active() {
            return 0.0;
        }
        let mut inv = [0.0f32; CH];
        for (i, &s) in inv.iter_mut().zip(&self.spread) {
            *i = 1.0 / (s + SCALE_FLOOR * (1.0 + abs(s)));
        }
        let mut best = [f32::MAX; JOINT_K];
        for p in self.points.iter().take(self.len as usize) {
            let mut d = 0.0f32;
            for ((&a, &b), &i) in p.iter().zip(x).zip(&inv) {
                let e = clamp((a - b) * i, -Z_MAX, Z_MAX);
                d += e * e;
            }
            insert(&mut best, d);
        }
        let sum: f32 = best.iter().sum();
        sqrt(sum / (JOINT_K as f32 * CH as f32))
    }

    /// `d` in usual upper spreads above its usual value (0 while inactive or before the
    /// threshold has seen values).
    pub(crate) fn normalized(&self, d: f32) -> f32 {
        if !self.active() || self.t.quantiles().0.count() < 2 {
            return 0.0;
        }
        let (m, q) = self.t.quantiles();
        let spread = q.value() - m.value();
        let spread = if spread > SPREAD_FLOOR {
            spread
        } else {
            SPREAD_FLOOR
        };
        clamp((d - m.value()) / spread, -NORM_MAX, NORM_MAX)
    }

    /// Learns from one reading: its distance `d` updates the threshold (capped at the
    /// alarm level `cap`, in normalised units), and the reading `z` enters the sample if
    /// `admit`.
    pub(crate) fn learn(&mut self, z: &[f32; CH], d: f32, cap: f32, admit: bool, rate: f32) {
        if CH < 2 {
            return;
        }
        if self.active() {
            let (m, q) = self.t.quantiles();
            let spread = q.value() - m.value();
            let spread = if spread > SPREAD_FLOOR {
                spread
            } else {
                SPREAD_FLOOR
            };
            self.t.update_capped_at(d, m.value() + cap * spread, rate);
        }
        if admit {
            self.admit(z);
        }
    }

    /// Follows the share of recent readings whose normalised distance `u` is beyond
    /// `far`; when most of them are, the remembered sample no longer describes the stream
    /// (a machine moved to another operating point, a detector warmed up elsewhere) and the
    /// joint view starts again from the readings that follow.
    pub(crate) fn learn_shock(&mut self, u: f32, far: f32) {
        if !self.active() {
            return;
        }
        let s = if u > far { 1.0 } else { 0.0 };
        self.shock += (s - self.shock) / SHOCK_MEMORY;
        if self.shock > SHOCK_SHARE {
            self.clear();
        }
    }

    /// Reservoir sampling with a horizon (see the module docs).
    fn admit(&mut self, x: &[f32; CH]) {
        self.admitted = self.admitted.saturating_add(1);
        let n = self.admitted;
        let a = 1.0 / (if n < JOINT_HORIZON { n } else { JOINT_HORIZON }) as f32;
        for ((l, s), &v) in self.loc.iter_mut().zip(self.spread.iter_mut()).zip(x) {
            if n == 1 {
                *l = v;
            } else {
                *s += a * (abs(v - *l) - *s);
                *l += a * (v - *l);
            }
        }
        let slot = if (self.len as usize) < JOINT_MEMORY {
            let s = self.len;
            self.len = self.len.saturating_add(1);
            s
        } else {
            let h = mix(n);
            let window = if n < JOINT_HORIZON { n } else { JOINT_HORIZON };
            // Replace with probability M / window: a uniform draw below `window` that
            // lands in the first M values names the slot.
            let draw = h.checked_rem(u64::from(window)).unwrap_or(0) as u32;
            if draw as usize >= JOINT_MEMORY {
                return;
            }
            draw
        };
        if let Some(p) = self.points.get_mut(slot as usize) {
            *p = *x;
        }
    }

    /// Forgets the sample (a new commissioning).
    pub(crate) fn clear(&mut self) {
        *self = Self::NEW;
    }

    /// Every stored float, in a fixed order (fingerprints).
    pub(crate) fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        for p in self.points.iter().take(self.len as usize) {
            p.iter().for_each(|&v| f(v));
        }
        self.loc.iter().chain(&self.spread).for_each(|&v| f(v));
        f(self.shock);
        let (a, b) = self.t.quantiles();
        for q in [a, b] {
            f(q.value());
            f(q.spread);
            f(q.count() as f32);
        }
        f(self.len as f32);
        f(self.admitted as f32);
    }
}

/// Inserts `d` into the ascending `best`, dropping the largest.
fn insert(best: &mut [f32; JOINT_K], d: f32) {
    let mut v = d;
    for b in best.iter_mut() {
        if v < *b {
            core::mem::swap(b, &mut v);
        }
    }
}

/// SplitMix64's finaliser of the admission count: the reservoir's deterministic draw.
fn mix(n: u32) -> u64 {
    let mut z = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// Two channels that move together: `(u, u + small noise)`.
    fn together(r: &mut SplitMix64) -> [f32; 2] {
        let u = 2.0 * r.next_normal();
        [u, u + 0.1 * r.next_normal()]
    }

    #[test]
    fn a_reading_usual_per_channel_but_not_together_is_far() {
        let mut j = Joint::<2>::NEW;
        let mut r = SplitMix64::new(1);
        for _ in 0..3000 {
            let z = together(&mut r);
            let d = j.distance(&z);
            j.learn(&z, d, 8.0, true, 0.003);
        }
        // Usual per channel (1.5 σ each), but apart.
        let apart = j.normalized(j.distance(&[3.0, -3.0]));
        let usual = j.normalized(j.distance(&[3.0, 3.0]));
        assert!(apart > 8.0, "apart {apart}");
        assert!(usual < 2.0, "usual {usual}");
    }

    #[test]
    fn the_sample_follows_a_moved_operating_point() {
        let mut j = Joint::<2>::NEW;
        let mut r = SplitMix64::new(2);
        for _ in 0..2000 {
            let z = together(&mut r);
            j.learn(&z, j.distance(&z), 8.0, true, 0.003);
        }
        let moved = |r: &mut SplitMix64| {
            let [a, b] = together(r);
            [a + 5.0, b - 5.0]
        };
        let before = j.distance(&moved(&mut r));
        // Admitted (as the detector does once the budget has raised its thresholds).
        for _ in 0..(4 * JOINT_HORIZON) {
            let z = moved(&mut r);
            j.learn(&z, j.distance(&z), 8.0, true, 0.003);
        }
        let after = j.distance(&moved(&mut r));
        assert!(after < 0.2 * before, "{before} -> {after}");
    }

    #[test]
    fn one_channel_has_no_joint_view_and_values_stay_bounded() {
        let mut one = Joint::<1>::NEW;
        one.learn(&[3.0], 0.0, 8.0, true, 0.003);
        assert_eq!((one.len, one.distance(&[100.0])), (0, 0.0));
        let mut j = Joint::<2>::NEW;
        let big = crate::detector::MAX_READING;
        for i in 0..500 {
            let v = if i % 2 == 0 { big } else { -big };
            let z = [v, -v];
            let d = j.distance(&z);
            assert!(d.is_finite());
            j.learn(&z, d, 8.0, true, 0.003);
        }
        assert!(j.spread.iter().chain(&j.loc).all(|v| v.is_finite()));
        assert!(j.normalized(j.distance(&[0.0, 0.0])).is_finite());
    }
}
