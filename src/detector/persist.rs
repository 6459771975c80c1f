//! Kind 4: the whole [`Detector`] in one record (see [`crate::persist`]), its models
//! included, so that a board that resets and restores continues bit for bit as if it had
//! not reset: the same verdicts, the same fingerprints.
//!
//! The layout and what a load checks are in the [module docs](super) ("Saving and
//! restoring"). The derived state (the position of the window's ring buffer) is not stored:
//! the readings are written back in order, which is all the detector reads.

use super::channel::{Channel, LEVELS, TEMPORAL, Z_MAX};
use super::joint::{JOINT_DISTANCE_MAX, JOINT_MEMORY, Joint};
use super::quantile::Threshold;
use super::score::{COMPONENTS, ChannelScore, LEVEL_Z, WINSOR};
use super::{CAL_START, Detector, DetectorConfig, LOG_GAIN_MAX, MAX_READING};
use crate::error::Error;
use crate::gaussian::GaussianNetwork;
use crate::math::abs;
use crate::persist::{
    Body, PersistError, Record, SHAPE_WORDS, Sink, Source, kind, put_f32, put_u32, put_u64, sealed,
};

// Bounds of the stored statistics: what `MAX_READING` and the update rules can reach, with
// a margin of 1% for rounding (every statistic below is an exponential average, a convex
// combination of its inputs, so the set each bound describes is kept by every update; a
// state within them saves a record the loader accepts again).

/// A channel's mean and its levels average readings (`|x| <= MAX_READING`).
pub(crate) const STAT_MAX: f32 = 1.01 * MAX_READING;
/// Its trend and volatility average differences of two readings.
pub(crate) const DIFF_MAX: f32 = 2.0 * STAT_MAX;
/// Its variance averages squared deviations of a reading from the mean.
pub(crate) const VAR_MAX: f32 = DIFF_MAX * DIFF_MAX;
/// Its experts' errors average squared misses of a reading by a prediction (a level, a
/// reading plus a trend, or a linear extrapolation: at most `3 STAT_MAX` away from 0).
pub(crate) const ERR_MAX: f32 = (4.0 * STAT_MAX) * (4.0 * STAT_MAX);
/// A correlation averages products of two standardised values (`|z| <= Z_MAX`).
pub(crate) const CROSS_MAX: f32 = 1.01 * Z_MAX * Z_MAX;
/// A prediction's NLL, `½ ln(2π σ²) + (z − μ)² / (2σ²)`, with `|z| <= Z_MAX` and what every
/// valid Gaussian GLN configuration allows (`σ² ∈ [1e-6, 1e6]`, `|μ| <= 1e6`): about
/// `[-6, 5e17]`.
pub(crate) const NLL_MIN: f32 = -7.0;
pub(crate) const NLL_MAX: f32 = 1e18;
/// The level surprise `½ z²` with `|z| <= LEVEL_Z`.
pub(crate) const LEVEL_MAX: f32 = 1.01 * 0.5 * LEVEL_Z * LEVEL_Z;
/// A calibrated surprise, `(v − loc) / (spread + 1e-6)`, of the prediction and of the level,
/// and so their smoothed values.
pub(crate) const PRED_SURPRISE_MAX: f32 = (NLL_MAX - NLL_MIN) * 1.01e6;
pub(crate) const LEVEL_SURPRISE_MAX: f32 = LEVEL_MAX * 1.01e6;
/// A persistence's lag-1 product and power average products of values within `±WINSOR`.
pub(crate) const PERSIST_MAX: f32 = 1.01 * WINSOR * WINSOR;

/// A channel's share of the instant score is a normalised component, within `±1e6`.
pub(crate) const INSTANT_MAX: f32 = 1.01e6;
/// Bounds of the values each component's threshold learns from, in the order of
/// [`ChannelScore::t`](super::score::ChannelScore): the instant and the smoothed prediction
/// surprise, the latter negated, the smoothed and the instant level surprise.
pub(crate) const COMPONENT_MAX: [f32; COMPONENTS] = [
    PRED_SURPRISE_MAX,
    PRED_SURPRISE_MAX,
    PRED_SURPRISE_MAX,
    LEVEL_SURPRISE_MAX,
    LEVEL_SURPRISE_MAX,
];

/// Bounds of a [`StreamingQuantile`](super::StreamingQuantile) (value, spread) whose inputs
/// are within `±v` (capped inputs included: a cap is at least the median). Each update
/// moves the quantile towards its input by at most `τ a ((1 − a) spread + a dev)`, so past
/// it by at most `τ a (1 − a) spread <= 0.225 spread`, and the spread follows deviations
/// `dev <= v + |q|`: `|q| <= v + 0.45 spread` and `spread <= 2 v + 0.45 spread` hold with
/// `|q| <= 2.7 v` and `spread <= 3.7 v`, rounded up with a margin.
pub(crate) const fn quantile_max(v: f32) -> (f32, f32) {
    (3.0 * v, 4.0 * v)
}

// Versions: the detector's layouts this build reads, and the migration from the previous one
// (`docs/format.md`, "Versions"). Version 1 is the layout of 2026-12-03, frozen: its bytes
// are pinned in `tests/frozen/detector-v1.hex` and must keep loading. Version 2 is the current
// layout; it adds the joint view (the last section of the body). A field added in version `k` is
// written by `write_*`, checked and read (into the target) only when `self.version >= k` by
// the `Checker` step of its section (both passes read through it), counted in `layout`, and
// set to its default by `migrate` when the record is older.

/// The detector's current layout version (the header's version word).
pub(crate) const VERSION: u16 = 2;
/// The previous version, which this build still reads.
pub(crate) const PREVIOUS: u16 = VERSION - 1;
/// The layout version of the models' bodies inside a version 1 detector record.
const MODEL_VERSION_IN_V1: u16 = 1;

/// The sizes of the sections that differ between versions, for layout `version`.
#[derive(Clone, Copy)]
struct Layout {
    counters: usize,
    channel: usize,
    score: usize,
    /// The joint view (version 2): its fixed part and its part per channel.
    joint: usize,
    joint_channel: usize,
}

/// The one place where each version's section sizes are written: a field added in version
/// `k` adds its bytes when `version >= k`.
const fn layout(version: u16) -> Layout {
    let joint = version >= 2;
    Layout {
        counters: COUNTER_BYTES,
        channel: CHANNEL_BYTES,
        score: SCORE_BYTES,
        joint: if joint { JOINT_BYTES } else { 0 },
        joint_channel: if joint { JOINT_CHANNEL_BYTES } else { 0 },
    }
}

/// Bytes of a detector body of `ch` channels and a window of `w` in layout `l`, each model
/// body `model` bytes (saturating: a size too large for the platform cannot wrap round).
const fn body_bytes(l: Layout, ch: usize, w: usize, model: usize) -> usize {
    let window = 4usize.saturating_add(w.saturating_mul(ch).saturating_mul(4));
    let per_channel = l
        .channel
        .saturating_add(ch.saturating_mul(4))
        .saturating_add(l.score)
        .saturating_add(model);
    CONFIG_BYTES
        .saturating_add(l.counters)
        .saturating_add(window)
        .saturating_add(THRESHOLD_BYTES)
        .saturating_add(ch.saturating_mul(per_channel))
        .saturating_add(joint_bytes(l, ch))
}

/// Bytes of the joint view's section: none with one channel (it has no joint view).
const fn joint_bytes(l: Layout, ch: usize) -> usize {
    if ch < 2 {
        return 0;
    }
    l.joint.saturating_add(ch.saturating_mul(l.joint_channel))
}

/// The layout version of the models' bodies in a detector record of layout `version`.
fn model_version<M: Record>(version: u16) -> u16 {
    if version == VERSION {
        M::VERSION
    } else {
        MODEL_VERSION_IN_V1
    }
}

/// Bytes of a saved [`DetectorConfig`].
const CONFIG_BYTES: usize = 4 + 11 * 4 + 4;
/// Bytes of the counters.
const COUNTER_BYTES: usize = 8 + 8 + 8 + 4 + 4 + 4 + 4 + 4 + 4 + 4;
/// Bytes of a saved [`Threshold`].
const THRESHOLD_BYTES: usize = 2 * 12;
/// Bytes of a saved [`Channel`].
const CHANNEL_BYTES: usize = 4 + (2 + LEVELS + 2 + TEMPORAL) * 4 + 4 * 4;
/// Bytes of a saved [`ChannelScore`].
const SCORE_BYTES: usize = 6 * 4 + 2 * 3 * 4 + COMPONENTS * THRESHOLD_BYTES;

/// The joint view (two channels or more): filled slots, admissions and shock share, the
/// distance's threshold;
const JOINT_BYTES: usize = 3 * 4 + THRESHOLD_BYTES;
/// and per channel its local location and spread and its value in every slot (`0.0` when
/// unfilled).
const JOINT_CHANNEL_BYTES: usize = 2 * 4 + 4 * JOINT_MEMORY;

const SHAPE_NAMES: [&str; SHAPE_WORDS] = [
    "CH (channels)",
    "W (window)",
    "D (side-information size)",
    "B (base-input size)",
    "model depth",
    "model K (halfspaces)",
    "model C (contexts)",
    "model N (heads)",
    "model width 1",
    "model width 2",
    "model width 3",
    "model width 4",
];

/// The detector's shape words from its parameters and its model's shape words. Only
/// evaluated at compile time, where an out-of-range index or a failed assertion is a build
/// error.
#[allow(clippy::indexing_slicing)]
const fn shape(
    ch: usize,
    w: usize,
    d: usize,
    b: usize,
    model_kind: u16,
    model: &[u32; SHAPE_WORDS],
) -> [u32; SHAPE_WORDS] {
    assert!(
        model_kind == kind::GAUSSIAN_GLN,
        "a detector's model is a Gaussian GLN"
    );
    assert!(
        ch <= u32::MAX as usize && w <= u32::MAX as usize,
        "CH or W over u32::MAX"
    );
    assert!(
        model[1] as usize == d && model[2] as usize == b,
        "the model's D and B are the detector's"
    );
    [
        ch as u32, w as u32, d as u32, b as u32, model[0], model[3], model[4], model[5], model[6],
        model[7], model[8], model[9],
    ]
}

/// The number of learned readings (every quantile, error and correlation count) implied by
/// the reading count: the first reading starts the tracking without learning.
fn learned(readings: u64) -> u32 {
    u32::try_from(readings.saturating_sub(1)).unwrap_or(u32::MAX)
}

fn write_config<S: Sink>(out: &mut S, c: &DetectorConfig) -> Result<(), S::Error> {
    put_u32(out, c.warmup)?;
    for v in [
        c.smoothing,
        c.threshold_k,
        c.sustained_k,
        c.threshold_rate,
        c.stats_horizon,
        c.error_horizon,
        c.cross_horizon,
        c.learn_clip,
        c.std_floor,
        c.calibration,
        c.level_weight,
    ] {
        put_f32(out, v)?;
    }
    put_u32(out, u32::from(c.two_sided))
}

fn write_threshold<S: Sink>(out: &mut S, t: &Threshold) -> Result<(), S::Error> {
    for q in [&t.median, &t.upper] {
        put_f32(out, q.q)?;
        put_f32(out, q.spread)?;
        put_u32(out, q.n)?;
    }
    Ok(())
}

fn write_joint<S: Sink, const CH: usize>(out: &mut S, j: &Joint<CH>) -> Result<(), S::Error> {
    put_u32(out, j.len)?;
    put_u32(out, j.admitted)?;
    put_f32(out, j.shock)?;
    for &v in j.loc.iter().chain(&j.spread) {
        put_f32(out, v)?;
    }
    write_threshold(out, &j.t)?;
    for &v in j.points.iter().flatten() {
        put_f32(out, v)?;
    }
    Ok(())
}

fn write_channel<S: Sink>(out: &mut S, c: &Channel) -> Result<(), S::Error> {
    put_u32(out, c.n)?;
    put_f32(out, c.mean)?;
    put_f32(out, c.var)?;
    for &v in &c.level {
        put_f32(out, v)?;
    }
    put_f32(out, c.trend)?;
    put_f32(out, c.vol)?;
    for &v in &c.err {
        put_f32(out, v)?;
    }
    put_u32(out, c.err_n)?;
    put_u32(out, c.run)?;
    put_u32(out, c.longest)?;
    put_u32(out, u32::from(c.stuck))
}

fn write_score<S: Sink>(out: &mut S, c: &ChannelScore) -> Result<(), S::Error> {
    for v in [
        c.pred.loc,
        c.pred.spread,
        c.level.loc,
        c.level.spread,
        c.sp,
        c.sl,
    ] {
        put_f32(out, v)?;
    }
    for p in &c.persist {
        for v in [p.last, p.lag, p.power] {
            put_f32(out, v)?;
        }
    }
    for t in &c.t {
        write_threshold(out, t)?;
    }
    Ok(())
}

/// The counters (a check of the later fields depends on them).
struct Counters {
    readings: u64,
    commissioned: u64,
    gaps: u64,
    gap_run: u32,
    /// Readings learned (each quantile, correlation and error count moves once per one).
    learned: u32,
    cross_n: u32,
    cal_n: u32,
    frozen: bool,
    shock: f32,
    log_gain: f32,
    quiet: u32,
}

/// Reads a body while checking it: remembers the first invalid value and keeps reading.
/// Both passes read through it, the check pass into throwaway values and the apply pass into
/// the staging copy, so the bytes applied are checked value by value exactly as the bytes
/// checked were.
struct Checker<'b, 'a, S: Source> {
    input: &'b mut Body<'a, S>,
    first: Option<Error>,
    /// The record's layout version (one this build reads).
    version: u16,
}

impl<S: Source> Checker<'_, '_, S> {
    /// Records `what` at byte `at` unless an earlier value was invalid.
    fn fail(&mut self, at: u32, what: &'static str) {
        if self.first.is_none() {
            self.first = Some(PersistError::BadValue { offset: at, what }.into());
        }
    }

    /// Records `what` at `at` if `ok` is false.
    fn require(&mut self, ok: bool, at: u32, what: &'static str) {
        if !ok {
            self.fail(at, what);
        }
    }

    fn u32(&mut self) -> Result<(u32, u32), S::Error> {
        let at = self.input.offset();
        Ok((self.input.u32()?, at))
    }

    /// A flag: 0 or 1.
    fn flag(&mut self, what: &'static str) -> Result<bool, S::Error> {
        let (v, at) = self.u32()?;
        self.require(v <= 1, at, what);
        Ok(v == 1)
    }

    /// A finite value (`+0.0` exactly when `zero`).
    fn finite(&mut self, zero: bool) -> Result<f32, S::Error> {
        let at = self.input.offset();
        let v = self.input.f32()?;
        if !v.is_finite() {
            self.fail(at, "value is NaN or infinite");
        } else if zero && v.to_bits() != 0 {
            self.fail(at, "statistic is not zero before its first value");
        }
        Ok(v)
    }

    /// A finite value `>= 0` (a variance, an error, a spread), `+0.0` exactly when `zero`.
    fn non_negative(&mut self, zero: bool) -> Result<f32, S::Error> {
        let at = self.input.offset();
        let v = self.finite(zero)?;
        self.require(!(v < 0.0), at, "variance, error or spread is negative");
        Ok(v)
    }

    /// A finite value within `[lo, hi]` (`+0.0` exactly when `zero`).
    fn within(&mut self, zero: bool, lo: f32, hi: f32) -> Result<f32, S::Error> {
        let at = self.input.offset();
        let v = self.finite(zero)?;
        self.require(
            !(v < lo || v > hi),
            at,
            "statistic beyond what a stream can reach",
        );
        Ok(v)
    }

    /// A finite value within `[0, hi]` (`+0.0` exactly when `zero`).
    fn up_to(&mut self, zero: bool, hi: f32) -> Result<f32, S::Error> {
        let at = self.input.offset();
        let v = self.non_negative(zero)?;
        self.require(!(v > hi), at, "statistic beyond what a stream can reach");
        Ok(v)
    }

    /// The configuration: refused as [`DetectorConfig::check`] refuses it.
    fn config(&mut self) -> Result<DetectorConfig, S::Error> {
        let warmup = self.input.u32()?;
        let mut f = [0.0f32; 11];
        for v in &mut f {
            *v = self.input.f32()?;
        }
        let two_sided = self.flag("two_sided flag is neither 0 nor 1")?;
        let [
            smoothing,
            threshold_k,
            sustained_k,
            threshold_rate,
            stats_horizon,
            error_horizon,
            cross_horizon,
            learn_clip,
            std_floor,
            calibration,
            level_weight,
        ] = f;
        let config = DetectorConfig {
            warmup,
            smoothing,
            threshold_k,
            sustained_k,
            threshold_rate,
            stats_horizon,
            error_horizon,
            cross_horizon,
            learn_clip,
            std_floor,
            calibration,
            level_weight,
            two_sided,
        };
        if let (None, Err(e)) = (&self.first, config.check()) {
            self.first = Some(e);
        }
        Ok(config)
    }

    /// The counters: each learned reading counts once everywhere.
    fn counters(&mut self, ch: usize) -> Result<Counters, S::Error> {
        let readings = self.input.u64()?;
        let at = self.input.offset();
        let commissioned = self.input.u64()?;
        self.require(
            commissioned <= readings,
            at,
            "commissioning starts after the last reading",
        );
        let gaps = self.input.u64()?;
        let (gap_run, gap_at) = self.u32()?;
        self.require(
            u64::from(gap_run) <= gaps,
            gap_at,
            "gap run longer than the gaps counted",
        );
        let learned = learned(readings);
        let (cross_n, at) = self.u32()?;
        let want = if ch >= 2 { learned } else { 0 };
        self.require(
            cross_n == want,
            at,
            "correlation count disagrees with the readings",
        );
        let (cal_n, at) = self.u32()?;
        let want = u32::try_from(readings.saturating_sub(CAL_START)).unwrap_or(u32::MAX);
        self.require(
            cal_n == want,
            at,
            "calibration count disagrees with the readings",
        );
        let (frozen, shock, log_gain, quiet) = self.alarm_state()?;
        Ok(Counters {
            readings,
            commissioned,
            gaps,
            gap_run,
            learned,
            cross_n,
            cal_n,
            frozen,
            shock,
            log_gain,
            quiet,
        })
    }

    /// The frozen flag, the share of surprising readings, the alarm budget's log factor and
    /// the readings since the last flag.
    fn alarm_state(&mut self) -> Result<(bool, f32, f32, u32), S::Error> {
        let frozen = self.flag("frozen flag is neither 0 nor 1")?;
        let at = self.input.offset();
        let shock = self.finite(false)?;
        self.require(
            (0.0..=1.0).contains(&shock),
            at,
            "share of surprising readings outside [0, 1]",
        );
        let at = self.input.offset();
        let log_gain = self.finite(false)?;
        self.require(
            (0.0..=LOG_GAIN_MAX).contains(&log_gain),
            at,
            "alarm budget factor out of its range",
        );
        // Readings since the last flag: any value (saturating) is reachable.
        let (quiet, _) = self.u32()?;
        Ok((frozen, shock, log_gain, quiet))
    }

    /// The window of `w` rows of `CH` readings; `keep` gets each row in use, oldest first.
    fn window<const CH: usize>(
        &mut self,
        w: usize,
        c: &Counters,
        mut keep: impl FnMut([f32; CH]),
    ) -> Result<(), S::Error> {
        let (readings, gap_run) = (c.readings, c.gap_run);
        let (len, at) = self.u32()?;
        let len = len as usize;
        self.require(len <= w, at, "window longer than its capacity");
        self.require(
            len == 0 || readings > 0,
            at,
            "readings in the window before the first reading",
        );
        self.require(
            len == 0 || (gap_run as usize) < w,
            at,
            "window not cleared after a long gap",
        );
        for i in 0..w {
            let mut row = [0.0f32; CH];
            for v in &mut row {
                let at = self.input.offset();
                *v = self.input.f32()?;
                if i < len {
                    self.require(
                        abs(*v) <= MAX_READING,
                        at,
                        "reading is NaN, infinite or beyond MAX_READING",
                    );
                } else {
                    self.require(v.to_bits() == 0, at, "unused window slot is not zero");
                }
            }
            if i < len {
                keep(row);
            }
        }
        Ok(())
    }

    /// One channel, into `out`: everything zero before the first reading.
    fn channel(&mut self, c: &Counters, out: &mut Channel) -> Result<(), S::Error> {
        let (readings, learned) = (c.readings, c.learned);
        let fresh = readings == 0;
        let count = u32::try_from(readings).unwrap_or(u32::MAX);
        let (n, at) = self.u32()?;
        self.require(n == count, at, "channel count disagrees with the readings");
        out.n = n;
        out.mean = self.within(fresh, -STAT_MAX, STAT_MAX)?;
        out.var = self.up_to(fresh, VAR_MAX)?;
        for v in &mut out.level {
            *v = self.within(fresh, -STAT_MAX, STAT_MAX)?;
        }
        out.trend = self.within(fresh, -DIFF_MAX, DIFF_MAX)?;
        out.vol = self.up_to(fresh, DIFF_MAX)?;
        for v in &mut out.err {
            *v = self.up_to(learned == 0, ERR_MAX)?;
        }
        let (err_n, at) = self.u32()?;
        self.require(
            err_n == learned,
            at,
            "error count disagrees with the readings",
        );
        let (run, at) = self.u32()?;
        self.require(!fresh || run == 0, at, "a run before the first reading");
        let (longest, at) = self.u32()?;
        self.require(!fresh || longest == 0, at, "a run before the first reading");
        let at = self.input.offset();
        let stuck = self.flag("stuck flag is neither 0 nor 1")?;
        self.require(
            !stuck || run > longest.saturating_mul(2).saturating_add(10),
            at,
            "stuck flag on a run too short to be stuck",
        );
        (out.err_n, out.run, out.longest, out.stuck) = (err_n, run, longest, stuck);
        Ok(())
    }

    /// The correlation matrix.
    fn cross<const CH: usize>(&mut self, cross_n: u32) -> Result<[[f32; CH]; CH], S::Error> {
        // Correlations: symmetric (the same products update both halves), a non-negative
        // diagonal, zero before the first update.
        let base = self.input.offset();
        let mut cross = [[0.0f32; CH]; CH];
        for (i, row) in cross.iter_mut().enumerate() {
            for (j, m) in row.iter_mut().enumerate() {
                *m = if i == j {
                    self.up_to(cross_n == 0, CROSS_MAX)?
                } else {
                    self.within(cross_n == 0, -CROSS_MAX, CROSS_MAX)?
                };
            }
        }
        for (i, row) in cross.iter().enumerate() {
            for (j, m) in row.iter().enumerate().skip(i.saturating_add(1)) {
                let mirror = cross.get(j).and_then(|r| r.get(i)).copied();
                if mirror.map(f32::to_bits) != Some(m.to_bits()) {
                    // Report the lower-triangle entry (j, i).
                    let index = j.saturating_mul(CH).saturating_add(i).saturating_mul(4);
                    let offset = base.saturating_add(u32::try_from(index).unwrap_or(u32::MAX));
                    self.fail(offset, "correlation matrix is not symmetric");
                }
            }
        }
        Ok(cross)
    }

    /// One channel's calibration, into `out`.
    fn score(&mut self, c: &Counters, out: &mut ChannelScore) -> Result<(), S::Error> {
        let (fresh, learned, cal_n) = (c.readings == 0, c.learned, c.cal_n);
        out.pred.loc = self.within(cal_n == 0, NLL_MIN, NLL_MAX)?;
        out.pred.spread = self.up_to(cal_n <= 1, NLL_MAX - NLL_MIN)?;
        out.level.loc = self.within(cal_n == 0, 0.0, LEVEL_MAX)?;
        out.level.spread = self.up_to(cal_n <= 1, LEVEL_MAX)?;
        out.sp = self.within(fresh, -PRED_SURPRISE_MAX, PRED_SURPRISE_MAX)?;
        out.sl = self.within(fresh, -LEVEL_SURPRISE_MAX, LEVEL_SURPRISE_MAX)?;
        for p in &mut out.persist {
            let at = self.input.offset();
            p.last = self.finite(false)?;
            self.require(
                abs(p.last) <= WINSOR,
                at,
                "last calibrated surprise beyond its bound",
            );
            p.lag = self.within(cal_n == 0, -PERSIST_MAX, PERSIST_MAX)?;
            p.power = self.up_to(cal_n == 0, PERSIST_MAX)?;
        }
        for (t, v) in out.t.iter_mut().zip(COMPONENT_MAX) {
            self.threshold(learned, v, t)?;
        }
        Ok(())
    }

    /// The joint view (see [`JOINT_BYTES`]): every bound an admitted stream can reach.
    /// With one channel, or before anything was admitted, it is empty and all zero.
    fn joint<const CH: usize>(&mut self, learned: u32, j: &mut Joint<CH>) -> Result<(), S::Error> {
        let (len, at) = self.u32()?;
        let (admitted, at_a) = self.u32()?;
        let none = admitted == 0 || CH < 2;
        self.require(
            len as usize <= JOINT_MEMORY && len <= admitted && admitted <= learned,
            at,
            "joint sample size disagrees with its admissions",
        );
        let full = (admitted as usize).min(JOINT_MEMORY) as u32;
        self.require(
            len == full || CH < 2,
            at_a,
            "joint sample not filled in order",
        );
        (j.len, j.admitted) = (len, admitted);
        let at = self.input.offset();
        j.shock = self.finite(none)?;
        self.require(
            (0.0..=1.0).contains(&j.shock),
            at,
            "joint share of far readings outside [0, 1]",
        );
        for v in &mut j.loc {
            *v = self.within(none, -STAT_MAX, STAT_MAX)?;
        }
        for v in &mut j.spread {
            *v = self.up_to(none || admitted == 1, DIFF_MAX)?;
        }
        let mut counts = [0u32; 2];
        for (n, q) in counts.iter_mut().zip([&mut j.t.median, &mut j.t.upper]) {
            (q.q, q.spread, q.n) = self.joint_quantile(learned, none)?;
            *n = q.n;
        }
        self.require(
            counts[0] == counts[1],
            at_a,
            "joint quantile counts disagree",
        );
        for (i, p) in j.points.iter_mut().enumerate() {
            for v in p.iter_mut() {
                *v = self.within(i >= len as usize, -MAX_READING, MAX_READING)?;
            }
        }
        Ok(())
    }

    /// One quantile of the joint distance's threshold: its estimate and spread within what
    /// distances (at most [`JOINT_DISTANCE_MAX`]) reach, zero before its first value, and
    /// its count (returned) within the readings learned (0 if nothing was admitted).
    fn joint_quantile(&mut self, learned: u32, none: bool) -> Result<(f32, f32, u32), S::Error> {
        let (q, spread) = quantile_max(JOINT_DISTANCE_MAX);
        let at = self.input.offset();
        let (v, s) = (self.input.f32()?, self.input.f32()?);
        let (n, at_n) = self.u32()?;
        self.require(
            n <= learned && (n == 0 || !none),
            at_n,
            "joint threshold count beyond the readings",
        );
        let zero = (n == 0 && v.to_bits() != 0) || (n <= 1 && s.to_bits() != 0);
        let within = abs(v) <= q && (0.0..=spread).contains(&s);
        self.require(
            within && !zero,
            at,
            "joint threshold beyond what a stream can reach",
        );
        Ok((v, s, n))
    }

    /// A [`Threshold`] that has seen `count` values.
    /// Its values were within `±v`, so (see [`quantile_max`]) each quantile within
    /// `±3 v` and each spread within `[0, 4 v]`.
    /// Into `out` (its quantiles' levels are kept).
    fn threshold(&mut self, count: u32, v: f32, out: &mut Threshold) -> Result<(), S::Error> {
        let (q, spread) = quantile_max(v);
        for s in [&mut out.median, &mut out.upper] {
            s.q = self.within(count == 0, -q, q)?;
            s.spread = self.up_to(count <= 1, spread)?;
            let (n, at) = self.u32()?;
            self.require(n == count, at, "quantile count disagrees with the readings");
            s.n = n;
        }
        Ok(())
    }
}

impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> sealed::Sealed
    for Detector<CH, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1> + Record,
{
}

impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> Record
    for Detector<CH, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1> + Record,
{
    const KIND: u16 = kind::DETECTOR;
    const SHAPE: [u32; SHAPE_WORDS] = shape(CH, W, D, B, M::KIND, &M::SHAPE);
    const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = SHAPE_NAMES;
    const VERSION: u16 = VERSION;
    const OLDEST_VERSION: u16 = PREVIOUS;
    const BODY_BYTES: usize = body_bytes(layout(VERSION), CH, W, M::BODY_BYTES);

    fn body_bytes(version: u16) -> usize {
        let model = M::body_bytes(model_version::<M>(version));
        body_bytes(layout(version), CH, W, model)
    }

    fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
        write_config(out, &self.config)?;
        put_u64(out, self.readings)?;
        put_u64(out, self.commissioned)?;
        put_u64(out, self.gaps)?;
        put_u32(out, self.gap_run)?;
        put_u32(out, self.cross_n)?;
        put_u32(out, self.cal_n)?;
        put_u32(out, u32::from(self.frozen))?;
        put_f32(out, self.shock)?;
        put_f32(out, self.log_gain)?;
        put_u32(out, self.quiet)?;
        let len = self.window.len();
        // `W <= u32::MAX` (checked by `SHAPE`).
        put_u32(out, u32::try_from(len).unwrap_or(u32::MAX))?;
        for row in self.window.oldest_ordered() {
            for &v in row {
                put_f32(out, v)?;
            }
        }
        for _ in len..W {
            for _ in 0..CH {
                put_f32(out, 0.0)?;
            }
        }
        write_threshold(out, &self.instant)?;
        for c in &self.channels {
            write_channel(out, c)?;
        }
        for &v in self.cross.iter().flatten() {
            put_f32(out, v)?;
        }
        for c in &self.cal {
            write_score(out, c)?;
        }
        for m in &self.models {
            m.write_body(out)?;
        }
        if CH >= 2 {
            write_joint(out, &self.joint)?;
        }
        Ok(())
    }

    fn check_body<S: Source>(
        input: &mut Body<'_, S>,
        version: u16,
    ) -> Result<Result<(), Error>, S::Error> {
        let mut ck = Checker {
            input,
            first: None,
            version,
        };
        ck.config()?;
        let c = ck.counters(CH)?;
        ck.window::<CH>(W, &c, |_| ())?;
        ck.threshold(c.learned, INSTANT_MAX * CH as f32, &mut Threshold::new())?;
        let (mut channel, mut score) = (Channel::NEW, ChannelScore::NEW);
        for _ in 0..CH {
            ck.channel(&c, &mut channel)?;
        }
        ck.cross::<CH>(c.cross_n)?;
        for _ in 0..CH {
            ck.score(&c, &mut score)?;
        }
        for _ in 0..CH {
            let r = M::check_body(ck.input, model_version::<M>(ck.version))?;
            if let (None, Err(e)) = (&ck.first, r) {
                ck.first = Some(e);
            }
        }
        if ck.version >= 2 && CH >= 2 {
            let mut scratch = Joint::<CH>::NEW;
            ck.joint::<CH>(c.learned, &mut scratch)?;
        }
        Ok(match ck.first {
            Some(e) => Err(e),
            None => Ok(()),
        })
    }

    fn apply_body<S: Source>(
        &mut self,
        input: &mut Body<'_, S>,
        version: u16,
    ) -> Result<Result<(), Error>, S::Error> {
        // Read through the check pass's checks, into the staging copy.
        let mut ck = Checker {
            input,
            first: None,
            version,
        };
        self.config = ck.config()?;
        let c = ck.counters(CH)?;
        (self.readings, self.commissioned, self.gaps) = (c.readings, c.commissioned, c.gaps);
        (self.gap_run, self.cross_n, self.cal_n) = (c.gap_run, c.cross_n, c.cal_n);
        (self.frozen, self.shock, self.log_gain, self.quiet) =
            (c.frozen, c.shock, c.log_gain, c.quiet);
        self.window.clear();
        let window = &mut self.window;
        ck.window::<CH>(W, &c, |row| window.write(row))?;
        ck.threshold(c.learned, INSTANT_MAX * CH as f32, &mut self.instant)?;
        for ch in &mut self.channels {
            ck.channel(&c, ch)?;
        }
        self.cross = ck.cross::<CH>(c.cross_n)?;
        for s in &mut self.cal {
            ck.score(&c, s)?;
        }
        // Each model checks its values as it applies them; the record's CRC-32 is checked
        // over every byte applied by the caller.
        let mut models = Ok(());
        for m in &mut self.models {
            let r = m.apply_body(ck.input, model_version::<M>(ck.version))?;
            models = models.and(r);
        }
        if ck.version >= 2 && CH >= 2 {
            ck.joint::<CH>(c.learned, &mut self.joint)?;
        }
        self.migrate(version);
        // The check pass accepted these values: one refused now is a changed source.
        let own = match ck.first {
            Some(_) => Err(PersistError::Changed.into()),
            None => Ok(()),
        };
        Ok(own.and(models))
    }

    fn blank() -> Self {
        Self::new(
            core::array::from_fn(|_| M::blank()),
            DetectorConfig::DEFAULT,
        )
    }
}

impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> Detector<CH, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1> + Record,
{
    /// After a record of layout `from` was applied: sets every field that layout does not
    /// hold to its default, the migration of the previous version's state to the current
    /// one. It must set each such field (the target is a staging copy holding any state).
    /// A field added in version `k` is set here when `from < k`. Version 2 added the joint
    /// view: a version 1 record starts it empty (it fills from the next readings, as after
    /// its own regime shock).
    fn migrate(&mut self, from: u16) {
        if from < 2 {
            self.joint = Joint::NEW;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Persist;
    use crate::detector::{SensorModel, SmallSensorModel};
    use crate::gaussian::GaussianGln1;

    #[test]
    fn saved_sizes_follow_the_layout() {
        // 64 header + 52 config + 52 counters + window + 24 threshold + per channel
        // (132 + 4 CH + 168 + model body) + joint view (two channels or more: 12 + 8 CH + 24
        // + 256 CH) + 4 CRC; a model body is 72 + 4 weights.
        type Tiny = Detector<1, 4, 2, 2, GaussianGln1<2, 2, 1, 2>>;
        assert_eq!(GaussianGln1::<2, 2, 1, 2>::WEIGHTS, 10);
        assert_eq!(
            <Tiny as Persist>::SAVED_BYTES,
            64 + 52 + 52 + 4 + 16 + 24 + 132 + 4 + 168 + 72 + 40 + 4
        );
        type Small = Detector<2, 8, 8, 8, SmallSensorModel>;
        let body = 72 + 4 * SmallSensorModel::WEIGHTS;
        assert_eq!(
            <Small as Persist>::SAVED_BYTES,
            64 + 52
                + 52
                + 4
                + 4 * 8 * 2
                + 24
                + 2 * (132 + 8 + 168 + body)
                + (12 + 16 + 24 + 512)
                + 4
        );
        type Reference = Detector<1, 16, 16, 16, SensorModel>;
        assert_eq!(
            <Reference as Persist>::SAVED_BYTES,
            64 + 52 + 52 + 4 + 64 + 24 + 132 + 4 + 168 + 72 + 4 * SensorModel::WEIGHTS + 4
        );
        assert_eq!(
            <Small as Record>::SHAPE,
            [2, 8, 8, 8, 2, 2, 4, 1, 8, 1, 0, 0]
        );
    }
}
