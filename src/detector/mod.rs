//! A streaming anomaly detector for sensor channels, built on the Gaussian GLN.
//!
//! For each new reading (one value per channel) the [`Detector`]:
//! 1. standardises each channel with its running mean and standard deviation;
//! 2. predicts each channel's value as a Gaussian, from the context: simple base predictors
//!    (the last value, moving averages at eight time scales, a trend, window statistics,
//!    and for several channels a regression on each other channel's current value), each
//!    a Gaussian whose variance is its own running squared error, mixed by a Gaussian GLN
//!    gated on recent values, differences, volatility and the other channels;
//! 3. scores the reading *before* learning from it. Two surprises per channel: of the
//!    prediction (the negative log-likelihood of the reading under the model) and of the
//!    level (`½ z²`, how unusual the value is for the channel overall). Each is standardised
//!    by its own running location and spread (the *calibration*), then seen as five
//!    components (the instant prediction surprise; its smoothed value; the smoothed value
//!    negated, a channel too predictable, when `two_sided`; the smoothed and the instant
//!    level, weighted by `level_weight`), each put on one scale by its own streaming median
//!    and q90 (see `score.rs`). The smoothed components count as far as the surprise is
//!    measured to persist (its running lag-1 autocorrelation). A channel's share of the
//!    score is its largest component; the score is the sum over channels;
//! 4. flags the reading after a warm-up when a test passes its adaptive threshold: the
//!    instant score (a reading that does not fit), a channel's smoothed prediction or level
//!    component (a change that lasts), or a channel repeating the same value far longer
//!    than it ever did (a stuck sensor); every threshold is raised by the alarm budget while
//!    alarms come faster than one per [`ALARM_SPACING`] readings
//!    ([`Detector::sensitivity`]); it returns a [`Verdict`] (score, yes/no, [`Reason`],
//!    channel, what was expected). When most recent readings are far beyond the instant
//!    threshold, the learned normal no longer describes the stream: the detector
//!    re-commissions itself (its statistics restart at fresh-start rates, and it warms up
//!    again; [`Detector::commissioned`]);
//! 5. learns (unless frozen): the model (robustly: targets limited to a few σ of the
//!    prediction), the predictors' error variances, the standardisation (robustly too), the
//!    calibration and the thresholds (values above a threshold count as if at it).
//!
//! The defaults suit sensor streams; set `warmup` to cover at least one cycle of the signal
//! (a day for a room or a shift pattern) and `threshold_rate` to about one over a cycle.
//!
//! Its memory is fixed by its type: `CH` channels, a window of `W` readings
//! ([`heapless::HistoryBuf`]), and `CH` models of type `M` (one per channel). The model's
//! side-information size `D` and base size `B` are the number of features per channel: the
//! `CH − 1` other channels first, then the channel's own temporal features, by priority
//! (up to 16).
//!
//! ```
//! use gln::detector::{Detector, DetectorConfig, SensorModel};
//!
//! let mut det: Detector<1, 16, 16, 16, SensorModel> =
//!     Detector::with_seed(1, DetectorConfig::DEFAULT);
//! for t in 0..2000 {
//!     let temp = 20.0 + 0.01 * (t % 97) as f32;
//!     let v = det.update(&[temp])?;
//!     assert!(!v.warming_up || t < 300);
//! }
//! let v = det.update(&[35.0])?; // a jump of hundreds of standard deviations
//! assert!(v.anomaly);
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! # Bad readings
//! - A NaN or infinite value, or one beyond `±1e15`, is rejected with an [`Error`] naming
//!   the channel; the detector is then exactly as before the call (a test proves it).
//! - A dropped sample: call [`Detector::missing`]. The next reading is then predicted from
//!   the readings before the gap. After `W` consecutive missing readings the window and the
//!   tracking state are cleared (the learned model and statistics stay), and the next reading
//!   restarts them without being scored.
//!
//! # Saving and restoring
//! A [`Detector`] implements [`Persist`](crate::Persist): its whole state (models, window,
//! per-channel statistics, calibration, thresholds, counters, the freeze flag) saves into one
//! record of [`Persist::SAVED_BYTES`](crate::Persist::SAVED_BYTES) bytes, and a detector
//! restored from it continues bit for bit as if it had not been reset: the same verdicts and
//! the same [`fingerprint`](Detector::fingerprint). With the `storage` feature,
//! `storage::Slots` keeps it in NOR flash across power cuts.
//!
//! ```
//! use gln::Persist;
//! use gln::detector::{Detector, DetectorConfig, SmallSensorModel};
//!
//! type Det = Detector<1, 8, 8, 8, SmallSensorModel>;
//! let mut det = Det::with_seed(1, DetectorConfig::DEFAULT);
//! for t in 0..500 {
//!     det.update(&[20.0 + 0.01 * (t % 97) as f32])?;
//! }
//! let mut buf = [0u8; Det::SAVED_BYTES]; // sized at compile time
//! det.save(&mut buf)?;
//!
//! // After a reset: any detector of the same type, then the saved state.
//! let mut restored = Det::with_seed(0, DetectorConfig::DEFAULT);
//! restored.load(&buf)?;
//! assert_eq!(restored.fingerprint(), det.fingerprint());
//! assert_eq!(restored.update(&[21.0])?, det.update(&[21.0])?);
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! The record is kind 4 of the [`persist`](crate::persist) format, layout version 2; a
//! record of version 1 (the layout of 2026-12-03) loads too, checked the same way
//! (`docs/format.md`, "Versions"). Its shape words are `CH, W,
//! D, B` and the model's `depth, K, C, N, width_1 .. width_4` (a Gaussian GLN). Its body,
//! little-endian, from byte 64:
//!
//! | size | field |
//! |---:|---|
//! | 52 | configuration: `warmup` (`u32`); `smoothing`, `threshold_k`, `sustained_k`, `threshold_rate`, `stats_horizon`, `error_horizon`, `cross_horizon`, `learn_clip`, `std_floor`, `calibration`, `level_weight` (`f32`); `two_sided` (`u32`, 0 or 1) |
//! | 52 | counters: readings, commissioning start, gaps (`u64`); current gap run, correlation count, calibration count (`u32`); frozen (`u32`, 0 or 1); share of surprising readings, the alarm budget's log factor (`f32`); readings since the last flag (`u32`) |
//! | 4 + 4 · W · CH | the window: its length (`u32`), then `W` rows of `CH` readings (`f32`), oldest first, unused rows `+0.0` |
//! | 24 | the instant score's threshold: median then q90, each `q`, `spread` (`f32`) and its count (`u32`) |
//! | 132 · CH | each channel: count (`u32`); mean, variance, the 8 levels, trend, volatility, the 16 expert errors (`f32`); error count, run, longest run (`u32`); stuck (`u32`, 0 or 1) |
//! | 4 · CH² | the correlation matrix (`f32`), row by row |
//! | 168 · CH | each channel's calibration: prediction location and spread, level location and spread, the two smoothed components (`f32`); the persistence of the prediction and of the level surprise, each last value, lag-1 product, square (`f32`); its five component thresholds (24 bytes each, as above) |
//! | CH · (72 + 4 · weights) | each channel's model: the body of its Gaussian GLN record (seed, steps, configuration, hyperplane hash, weights) |
//!
//! Besides the checks of every record (magic, version, CRC, kind, shape, length), a load
//! refuses a configuration [`DetectorConfig::check`] rejects, any NaN or infinite value, a
//! negative variance, error, volatility or spread, a statistic beyond what a stream can
//! reach (means, levels, trends, volatilities, variances and errors beyond what readings
//! within [`MAX_READING`] make, correlations beyond products of standardised values within
//! `±1000`, calibration locations, spreads and smoothed surprises beyond what NLLs and level
//! surprises can make, thresholds' quantiles beyond three times (spreads four times) the
//! values they learn from, with a margin for rounding), a window longer than `W` or holding a
//! reading beyond [`MAX_READING`] or non-zero unused slots, every model value a Gaussian GLN
//! load refuses, and every state the detector cannot reach: a count that disagrees with the
//! number of readings (each quantile, correlation, calibration, channel and error count moves
//! once per learned reading), a window not cleared after `W` consecutive gaps, a gap run
//! longer than the gaps, statistics before the first reading, an asymmetric correlation
//! matrix, a stuck flag on a run too short to be stuck, a commissioning that starts after
//! the last reading, a share of surprising readings outside `[0, 1]`, an alarm budget's log
//! factor outside `[0, 6]`. Nothing changes when
//! it refuses.

mod builders;
mod channel;
mod config;
pub mod explain;
#[cfg(feature = "micromath")]
mod imu;
mod joint;
mod persist;
mod quantile;
mod score;
mod step;
mod verdict;

pub use config::DetectorConfig;
pub use explain::{ChannelExplanation, DetectorExplanation, Driver, Predictor, Timescale};
pub use quantile::{StreamingQuantile, Threshold};
pub use verdict::{Reason, Verdict};

use crate::config::{LearningRate, Schedule, StepScale};
use crate::error::Error;
use crate::gaussian::{Gaussian, GaussianConfig, GaussianGln2, GaussianGln3, GaussianNetwork};
use crate::hash::Fnv1a;
use crate::math::{abs, argmax, clamp, exp, sqrt};
use channel::{Channel, Recent, TEMPORAL, rate};
use heapless::HistoryBuf;
use joint::Joint;
pub use joint::{JOINT_HORIZON, JOINT_LEAK};
use score::ChannelScore;
use step::{Predicted, Prepared, Step};

/// Readings learned before the score calibration starts.
const CAL_START: u64 = 30;

/// Flags at most this many readings apart are one alarm (see [`Detector::sensitivity`]).
pub const ALARM_MERGE: u32 = 30;
/// The alarm budget: at most one alarm per this many readings (see
/// [`Detector::sensitivity`]).
pub const ALARM_SPACING: f32 = 1000.0;
/// The log factor each alarm adds to the budget's controller (`ln 2 / 4`: four alarms in
/// a burst double the thresholds).
const ALARM_STEP: f32 = core::f32::consts::LN_2 / 4.0;
/// Bound of the budget's log factor (a factor of at most about 400).
pub(crate) const LOG_GAIN_MAX: f32 = 6.0;

/// Memory (readings) of the share of surprising readings behind a regime shock,
const SHOCK_MEMORY: f32 = 32.0;
/// the readings that count (an instant score `SHOCK_K` times as far above its median as
/// the alarm threshold),
const SHOCK_K: f32 = 4.0;
/// and the share beyond which the stream is in a regime the detector has not learned: an
/// anomaly is a minority of readings, a new normal is the majority.
const SHOCK_SHARE: f32 = 0.5;
/// Smallest spread (`q90 − median`) of the instant score's threshold. Each channel's
/// instant score is in usual upper spreads of its own component, so its q90 is about 1 by
/// construction; on a discrete stream (a sensor quantised to 0.5 °C) most readings score
/// exactly 0, q90 collapses onto the median, and without this floor a reading one step
/// above usual passed a threshold of a fraction of a spread.
const INSTANT_MIN_SPREAD: f32 = 1.0;

/// Readings beyond `±MAX_READING` are rejected: below it every statistic stays finite.
pub const MAX_READING: f32 = 1e15;

/// The reference sensor model: 16 features, layers `[16, 16, 1]`, 4 halfspaces.
pub type SensorModel = GaussianGln3<16, 16, 16, 16, 4, 16>;

/// A small model for small cores: 8 features, layers `[8, 1]`, 2 halfspaces.
pub type SmallSensorModel = GaussianGln2<8, 8, 8, 2, 4>;

/// The Gaussian GLN configuration the detector is meant to run with: variances within
/// `[1e-3, 100]` (a prediction can be 30 times sharper than the channel's spread), an
/// inverse-time learning rate `min(0.05, 5/t)` with a floor of 0.005 so the model keeps
/// adapting to slow drift, curvature-normalised steps.
pub const SENSOR_MODEL_CONFIG: GaussianConfig = GaussianConfig {
    sigma2_min: 1e-3,
    sigma2_max: 100.0,
    beta: 1000.0,
    mean_bound: 1000.0,
    learning_rate: LearningRate {
        schedule: Schedule::InverseTime { c: 5.0, max: 0.05 },
        floor: 0.005,
        scale: StepScale::None,
    },
    normalized: true,
    offset_std: 0.05,
};

/// A streaming anomaly detector over `CH` channels with a window of `W` readings and one
/// model `M` per channel (side information `D`, base Gaussians `B`; see the module docs).
#[derive(Clone, Debug)]
pub struct Detector<const CH: usize, const W: usize, const D: usize, const B: usize, M> {
    models: [M; CH],
    window: HistoryBuf<[f32; CH], W>,
    channels: [Channel; CH],
    /// Running second moments of the standardised channels, `E[z_i z_j]`.
    cross: [[f32; CH]; CH],
    cross_n: u32,
    /// Per-channel calibration and smoothing of the surprises.
    cal: [ChannelScore; CH],
    cal_n: u32,
    instant: Threshold,
    /// The joint view of all channels: a sample of normal readings and its distance's
    /// threshold.
    joint: Joint<CH>,
    readings: u64,
    /// The reading count when the current commissioning began (0, or the last regime
    /// shock): the detector warms up again for `warmup` readings after it.
    commissioned: u64,
    /// Running share of recent readings whose instant score passed its threshold.
    shock: f32,
    /// The alarm budget's controller: the log of the factor on every test's threshold
    /// multiplier (see [`Self::sensitivity`]).
    log_gain: f32,
    /// Readings scored since the last flag (saturating).
    quiet: u32,
    gaps: u64,
    gap_run: u32,
    frozen: bool,
    config: DetectorConfig,
}

impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> Detector<CH, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1>,
{
    /// Side features per channel taken from the channel's own history.
    const OWN_SIDE: usize = D - (CH - 1);
    /// Base Gaussians per channel taken from the channel's own predictors.
    const OWN_BASE: usize = B - (CH - 1);

    /// A detector around `models` (one per channel, untrained or pre-trained).
    ///
    /// A `const fn`, so a detector can be built at compile time into a `static`.
    ///
    /// # Panics
    /// A bad shape is a compile error: `CH` or `W < 2`, `D` or `B` smaller than `CH` or
    /// larger than `CH − 1 + 16`. An invalid `config` panics (at compile time in a `const`
    /// context); for a configuration chosen at run time use [`Self::try_new`].
    // Construction only: in a `const` context an invalid config is a compile error.
    #[allow(clippy::panic)]
    pub const fn new(models: [M; CH], config: DetectorConfig) -> Self {
        const {
            assert!(CH > 0, "CH (channels) must be at least 1");
            assert!(W >= 2, "W (window) must be at least 2");
            assert!(D >= CH, "D must leave at least one own feature: D >= CH");
            assert!(B >= CH, "B must leave at least one own predictor: B >= CH");
            assert!(D - (CH - 1) <= TEMPORAL, "D must be at most CH - 1 + 16");
            assert!(B - (CH - 1) <= TEMPORAL, "B must be at most CH - 1 + 16");
        }
        if let Err(Error::InvalidConfig(why)) = config.check() {
            panic!("{}", why);
        }
        Self {
            models,
            window: HistoryBuf::new(),
            channels: [Channel::NEW; CH],
            cross: [[0.0; CH]; CH],
            cross_n: 0,
            cal: [ChannelScore::NEW; CH],
            cal_n: 0,
            instant: Threshold::new(),
            joint: Joint::NEW,
            readings: 0,
            commissioned: 0,
            shock: 0.0,
            log_gain: 0.0,
            quiet: u32::MAX,
            gaps: 0,
            gap_run: 0,
            frozen: false,
            config,
        }
    }

    /// [`Self::new`] for a configuration chosen at run time: a bad one is an error, not a
    /// panic.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first value of `config` out of range (see
    /// [`DetectorConfig::check`]).
    pub fn try_new(models: [M; CH], config: DetectorConfig) -> Result<Self, Error> {
        config.check()?;
        Ok(Self::new(models, config))
    }

    /// [`Self::with_model_config`] for configurations chosen at run time: a bad one is an
    /// error, not a panic.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first value out of range in `model` (see
    /// [`GaussianConfig::check`]) or in `config` (see [`DetectorConfig::check`]).
    pub fn try_with_model_config(
        seed: u64,
        model: GaussianConfig,
        config: DetectorConfig,
    ) -> Result<Self, Error> {
        model.check()?;
        config.check()?;
        Ok(Self::with_model_config(seed, model, config))
    }

    /// A detector with fresh models built from `seed` (channel `c` uses `seed + c`) and
    /// [`SENSOR_MODEL_CONFIG`].
    pub fn with_seed(seed: u64, config: DetectorConfig) -> Self {
        Self::with_model_config(seed, SENSOR_MODEL_CONFIG, config)
    }

    /// A detector with fresh models built from `seed` and `model`.
    pub fn with_model_config(seed: u64, model: GaussianConfig, config: DetectorConfig) -> Self {
        let models = core::array::from_fn(|c| M::build(seed.wrapping_add(c as u64), model));
        Self::new(models, config)
    }

    /// The configuration.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// The model of channel `c`, if `c < CH`.
    pub fn model(&self, c: usize) -> Option<&M> {
        self.models.get(c)
    }

    /// Number of readings accepted so far (missing ones not included).
    pub fn readings(&self) -> u64 {
        self.readings
    }

    /// Number of missing readings reported with [`Self::missing`].
    pub fn gaps(&self) -> u64 {
        self.gaps
    }

    /// `true` while warming up: fewer than `config.warmup` readings learned since the
    /// detector started or since it last recognised a new regime (see [`Self::commissioned`]).
    pub fn warming_up(&self) -> bool {
        self.readings
            < self
                .commissioned
                .saturating_add(u64::from(self.config.warmup))
    }

    /// The reading count at which the current commissioning began: 0, or the reading at
    /// which the detector last found itself in a regime its learned normal does not
    /// describe (most recent readings beyond the instant threshold, see the module docs),
    /// after which it re-learns its statistics at the rates of a fresh start and warms up
    /// again.
    pub fn commissioned(&self) -> u64 {
        self.commissioned
    }

    /// Readings learned since the current commissioning began, plus one (saturating): the
    /// count that sets the fresh-start learning rates.
    fn fresh_count(&self) -> u32 {
        let since = self.readings.saturating_sub(self.commissioned);
        u32::try_from(since.saturating_add(1)).unwrap_or(u32::MAX)
    }

    /// Stops (`true`) or resumes (`false`) learning: while frozen, readings are scored and
    /// tracked (the window and the moving averages follow the signal) but nothing is
    /// learned: model weights, statistics, error variances and threshold stay as they are.
    /// For example while a known fault or maintenance is going on.
    pub fn freeze(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// `true` if learning is frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// The current threshold on the instant score (the learned one times the alarm
    /// budget's factor, see [`Self::sensitivity`]).
    pub fn instant_threshold(&self) -> f32 {
        self.instant_at(self.config.threshold_k * self.gain())
    }

    /// The instant score's learned threshold at multiplier `k`.
    fn instant_at(&self, k: f32) -> f32 {
        self.instant.value_min_spread(k, INSTANT_MIN_SPREAD)
    }

    /// The factor (at least 1) the alarm budget puts on every test's threshold multiplier
    /// (`threshold_k`, `sustained_k`). An *alarm* is a flag more than [`ALARM_MERGE`]
    /// readings after the previous flag (later flags within that gap continue it). The
    /// budget is one alarm per [`ALARM_SPACING`] readings: each alarm multiplies the factor
    /// by `2^(1/4)`, each reading scored divides it by `2^(1/(4 ALARM_SPACING))`, so that
    /// when alarms come faster than the budget (a stream noisier than its thresholds
    /// expect) the thresholds rise until they do not, while a burst of a few real faults
    /// costs little sensitivity (four alarms: a factor 2, recovered over about
    /// `4 ALARM_SPACING` readings). It is 1 while alarms are rarer.
    pub fn sensitivity(&self) -> f32 {
        self.gain()
    }

    fn gain(&self) -> f32 {
        exp(self.log_gain)
    }

    /// Learns the alarm budget's controller from whether this reading was flagged.
    fn learn_budget(&mut self, flagged: bool) {
        let mut step = -ALARM_STEP / ALARM_SPACING;
        if flagged {
            if self.quiet > ALARM_MERGE {
                step += ALARM_STEP;
            }
            self.quiet = 0;
        } else {
            self.quiet = self.quiet.saturating_add(1);
        }
        self.log_gain = clamp(self.log_gain + step, 0.0, LOG_GAIN_MAX);
    }

    /// Reports a dropped sample (see the module docs).
    pub fn missing(&mut self) {
        self.gaps = self.gaps.saturating_add(1);
        self.gap_run = self.gap_run.saturating_add(1);
        if self.gap_run as usize >= W {
            self.window.clear();
        }
    }

    /// [`Self::update`] from a slice.
    ///
    /// # Errors
    /// [`Error::WrongLength`] if `x.len() != CH`, else as [`Self::update`].
    pub fn update_slice(&mut self, x: &[f32]) -> Result<Verdict<CH>, Error> {
        let x: &[f32; CH] = x.try_into().map_err(|_| Error::WrongLength {
            expected: CH,
            found: x.len(),
        })?;
        self.update(x)
    }

    /// Scores one reading (a value per channel), then learns from it (unless frozen).
    ///
    /// Every finite value within `±`[`MAX_READING`] is a valid reading (zeros of either
    /// sign and subnormals included); the verdict and the state stay finite for any stream
    /// of them. A dropped sample is reported with [`Self::missing`], not with a placeholder
    /// value.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value and [`Error::Overflow`] for a value
    /// beyond `±`[`MAX_READING`], with the channel's index. Nothing changes then.
    pub fn update(&mut self, x: &[f32; CH]) -> Result<Verdict<CH>, Error> {
        check_reading(x)?;
        self.gap_run = 0;
        let Some(&last) = self.window.recent() else {
            return Ok(self.start(x));
        };
        let learn = !self.frozen;
        let mut steps = self.prepare(x).map(Step::new);
        let clip = self.config.learn_clip;
        for ((s, model), ch) in steps
            .iter_mut()
            .zip(self.models.iter_mut())
            .zip(&self.channels)
        {
            s.predict(model, ch, learn, clip);
        }
        // The verdict, from the statistics before this reading.
        let mix = self.mix();
        let gain = self.gain();
        for (((s, cs), ch), (&v, &l)) in steps
            .iter_mut()
            .zip(&self.cal)
            .zip(&self.channels)
            .zip(x.iter().zip(&last))
        {
            s.score(cs, self.cal_n, &mix);
            s.run = ch.stuck(v, l, gain);
        }
        let jd = self.joint.distance(x);
        let verdict = self.judge(&steps, &mix, self.joint.normalized(jd));
        if learn {
            self.learn(&steps, x, &verdict);
            self.learn_joint(x, jd, &verdict);
        }
        // Track.
        for (((s, cs), ch), (&v, &l)) in steps
            .iter()
            .zip(self.cal.iter_mut())
            .zip(self.channels.iter_mut())
            .zip(x.iter().zip(&last))
        {
            cs.track(&s.comps);
            ch.track(v, l);
            ch.track_run(s.run.0, learn, s.run.1);
        }
        self.window.write(*x);
        Ok(verdict)
    }

    /// How the calibrated components are mixed into a channel's score.
    fn mix(&self) -> score::Mix {
        score::Mix {
            smoothing: self.config.smoothing,
            level_weight: self.config.level_weight,
            two_sided: self.config.two_sided,
            se: 2.0 / sqrt(self.config.calibration),
        }
    }

    /// The verdict on the scored channel steps, from the statistics before this reading.
    fn judge(&self, steps: &[Step<D, B>; CH], mix: &score::Mix, joint: f32) -> Verdict<CH> {
        let warming_up = self.warming_up();
        let mut inst = [0.0f32; CH];
        let mut contributions = [0.0f32; CH];
        let mut expected = [Predicted::NONE.expected; CH];
        for (((i, c), e), s) in inst
            .iter_mut()
            .zip(contributions.iter_mut())
            .zip(expected.iter_mut())
            .zip(steps)
        {
            (*i, *c, *e) = (s.instant, s.contribution, s.predicted.expected);
        }
        let instant = inst.iter().sum::<f32>();
        let instant_threshold = self.instant_threshold();
        let (reason, channel) = if instant > instant_threshold {
            (Some(Reason::Surprise), argmax(&inst))
        } else if let Some(c) = self.out_of_range(steps, mix) {
            (Some(Reason::Level), c)
        } else if joint > self.config.threshold_k * self.gain() {
            (Some(Reason::Joint), argmax(&contributions))
        } else {
            let ks_flag = self.config.sustained_k * self.gain();
            self.sustained_reason(steps, mix, ks_flag)
                .map_or((None, argmax(&contributions)), |(r, c)| (Some(r), c))
        };
        let (reason, channel) = match (reason, steps.iter().position(|s| s.run.1)) {
            (None, Some(c)) => (Some(Reason::Stuck), c),
            _ => (reason, channel),
        };
        let reason = if warming_up { None } else { reason };
        Verdict {
            score: if warming_up {
                0.0
            } else {
                contributions.iter().sum::<f32>() + CH as f32 * joint.max(0.0)
            },
            instant: if warming_up { 0.0 } else { instant },
            nll: steps.iter().fold(0.0f32, |a, s| a + s.predicted.nll),
            instant_threshold,
            anomaly: reason.is_some(),
            reason,
            warming_up,
            channel,
            contributions: if warming_up { [0.0; CH] } else { contributions },
            joint: if warming_up { 0.0 } else { joint },
            expected,
        }
    }

    /// The first channel whose reading is further outside its usual levels than the
    /// instant threshold's multiplier allows (`threshold_k` usual upper spreads of its
    /// instant level component): a reading out of range, however predictable its path.
    fn out_of_range(&self, steps: &[Step<D, B>; CH], mix: &score::Mix) -> Option<usize> {
        let k = self.config.threshold_k * self.gain();
        self.cal
            .iter()
            .zip(steps)
            .position(|(cs, s)| cs.instant_level(&s.comps, mix) > k)
    }

    /// The first channel whose smoothed prediction or level component passes its
    /// threshold (`ks_flag` times its spread), and which.
    fn sustained_reason(
        &self,
        steps: &[Step<D, B>; CH],
        mix: &score::Mix,
        ks_flag: f32,
    ) -> Option<(Reason, usize)> {
        for (c, (cs, s)) in self.cal.iter().zip(steps).enumerate() {
            match cs.sustained(&s.comps, mix, ks_flag) {
                (true, _) => return Some((Reason::Predictability, c)),
                (false, true) => return Some((Reason::Level, c)),
                _ => {}
            }
        }
        None
    }

    /// Learns from the scored channel steps of reading `x`: thresholds, statistics,
    /// correlations, calibration, the shock share and the alarm budget.
    fn learn(&mut self, steps: &[Step<D, B>; CH], x: &[f32; CH], verdict: &Verdict<CH>) {
        let instant = steps.iter().map(|s| s.instant).sum::<f32>();
        let warming_up = verdict.warming_up;
        let surprising = instant > self.instant_at(self.config.threshold_k * SHOCK_K);
        let tr = self.config.threshold_rate;
        // Scores above a threshold move it as if they were at it: an anomaly, however
        // long, does not teach the threshold that anomalies are normal.
        let cap = self.instant_at(self.config.threshold_k);
        self.instant.update_capped_at(instant, cap, tr);
        let rates = ChannelRates {
            stats: 1.0 / self.config.stats_horizon,
            error: 1.0 / self.config.error_horizon,
            clip: self.config.learn_clip,
            fresh: self.fresh_count(),
            sustained_k: self.config.sustained_k,
            threshold_rate: tr,
        };
        for ((s, cs), (ch, &v)) in steps
            .iter()
            .zip(self.cal.iter_mut())
            .zip(self.channels.iter_mut().zip(x))
        {
            cs.learn_thresholds(&s.comps, rates.sustained_k, rates.threshold_rate);
            ch.learn(
                v,
                &s.prepared.experts,
                rates.stats,
                rates.error,
                rates.clip,
                rates.fresh,
            );
        }
        let mut z = [0.0f32; CH];
        for (zc, s) in z.iter_mut().zip(steps) {
            *zc = s.prepared.z;
        }
        self.learn_cross(&z);
        self.learn_calibration(steps, rates.fresh);
        self.learn_shock(surprising, warming_up);
        if !warming_up {
            self.learn_budget(verdict.anomaly);
        }
        self.readings = self.readings.saturating_add(1);
    }

    /// Learns the joint view from reading `x` at joint distance `d`. Only readings at least
    /// as typical as the median one (their normalised distance at most 0) and not flagged
    /// enter the remembered sample, so a long anomaly does not become its normal; one
    /// reading in [`JOINT_LEAK`] enters regardless, so a stream that really moved is
    /// learned again (once a few of its readings are remembered, they are typical).
    fn learn_joint(&mut self, x: &[f32; CH], d: f32, verdict: &Verdict<CH>) {
        let cap = self.config.threshold_k * self.gain();
        let rate = self.config.threshold_rate;
        let typical = verdict.joint <= 0.0 && !verdict.anomaly;
        let leaked = self.readings.is_multiple_of(JOINT_LEAK);
        self.joint.learn(x, d, cap, typical || leaked, rate);
        self.joint
            .learn_shock(verdict.joint, self.config.threshold_k * SHOCK_K);
    }

    /// Learns each channel's calibration, once the standardisation and the predictors have
    /// seen a few readings (the very first surprises say nothing about later ones).
    fn learn_calibration(&mut self, steps: &[Step<D, B>; CH], fresh: u32) {
        if self.readings < CAL_START {
            return;
        }
        self.cal_n = self.cal_n.saturating_add(1);
        let n = if fresh < self.cal_n {
            fresh
        } else {
            self.cal_n
        };
        let a = rate(n, 1.0 / self.config.calibration);
        for (cs, s) in self.cal.iter_mut().zip(steps) {
            cs.learn(&s.comps, s.predicted.nll, s.prepared.z, a, n);
        }
    }

    /// Every channel's prepared step for reading `x`: its scale, standardised value and
    /// model input. `update` and the explanation both start here, so they cannot drift
    /// apart.
    fn prepare(&self, x: &[f32; CH]) -> [Prepared<D, B>; CH] {
        let floor = self.config.std_floor;
        let scale: [f32; CH] = core::array::from_fn(|c| match self.channels.get(c) {
            Some(ch) => ch.scale(floor),
            None => 1.0,
        });
        let z: [f32; CH] =
            core::array::from_fn(|c| match (self.channels.get(c), x.get(c), scale.get(c)) {
                (Some(ch), Some(&v), Some(&s)) => ch.z(v, s),
                _ => 0.0,
            });
        core::array::from_fn(|c| {
            let (Some(ch), Some(&s), Some(&zc)) = (self.channels.get(c), scale.get(c), z.get(c))
            else {
                return Prepared::NONE;
            };
            let r = self.recent(c);
            let (side, means, vars, experts) = self.channel_input(c, ch, &r, s, &z);
            Prepared {
                scale: s,
                z: zc,
                side,
                means,
                vars,
                experts,
            }
        })
    }

    /// Follows the share of recent readings far beyond the instant threshold; when most of
    /// them are (after the warm-up), the learned normal no longer describes the stream: a
    /// new regime (a machine moved to another operating point, a detector switched on in
    /// the middle of a run). The detector then commissions itself again.
    fn learn_shock(&mut self, surprising: bool, warming_up: bool) {
        if warming_up {
            self.shock = 0.0;
            return;
        }
        let s = if surprising { 1.0 } else { 0.0 };
        self.shock += (s - self.shock) / SHOCK_MEMORY;
        if self.shock > SHOCK_SHARE {
            self.shock = 0.0;
            self.log_gain = 0.0;
            // `readings` is incremented right after: the new commissioning starts there.
            self.commissioned = self.readings.saturating_add(1);
            self.joint.clear();
        }
    }

    /// The first reading (or the first after a long gap): starts the tracking state.
    fn start(&mut self, x: &[f32; CH]) -> Verdict<CH> {
        for (ch, &v) in self.channels.iter_mut().zip(x) {
            ch.seed(v);
        }
        self.window.write(*x);
        if self.readings == 0 {
            self.readings = 1;
        }
        Verdict {
            score: 0.0,
            instant: 0.0,
            nll: 0.0,
            instant_threshold: self.instant_threshold(),
            anomaly: false,
            reason: None,
            warming_up: true,
            channel: 0,
            contributions: [0.0; CH],
            joint: 0.0,
            expected: core::array::from_fn(|c| Gaussian {
                mean: x.get(c).copied().unwrap_or(0.0),
                variance: 0.0,
            }),
        }
    }

    /// The input of channel `c`'s model: side information, base means and base variances, from
    /// its recent readings `r`, its scale `s` and every channel's standardised reading `z`;
    /// and the channel's own base predictions (raw units) they were made from. `update` and
    /// the explanation both build it here, so they cannot drift apart.
    fn channel_input(
        &self,
        c: usize,
        ch: &Channel,
        r: &Recent,
        s: f32,
        z: &[f32; CH],
    ) -> ([f32; D], [f32; B], [f32; B], [f32; TEMPORAL]) {
        let own = ch.experts(r);
        let own_var = ch.expert_variances();
        let own_side = ch.side(r, s);
        let mut side = [0.0f32; D];
        let mut means = [0.0f32; B];
        let mut vars = [0.0f32; B];
        let mut k = 0;
        for j in (0..CH).filter(|&j| j != c) {
            let (mu, var) = self.cross_expert(c, j, z);
            if let (Some(sd), Some(m), Some(v), Some(&zj)) =
                (side.get_mut(k), means.get_mut(k), vars.get_mut(k), z.get(j))
            {
                *sd = zj;
                *m = mu;
                *v = var;
            }
            k = k.saturating_add(1);
        }
        let inv = 1.0 / s;
        let inv2 = inv * inv;
        for (dst, v) in side
            .iter_mut()
            .skip(k)
            .zip(own_side.iter().take(Self::OWN_SIDE))
        {
            *dst = *v;
        }
        for ((m, v), (p, e)) in means
            .iter_mut()
            .zip(vars.iter_mut())
            .skip(k)
            .zip(own.iter().zip(&own_var).take(Self::OWN_BASE))
        {
            *m = ch.z(*p, s);
            // An infinite variance stays infinite (no information), else z units.
            *v = *e * inv2;
        }
        (side, means, vars, own)
    }

    /// Lags and window statistics of channel `c`.
    fn recent(&self, c: usize) -> Recent {
        let buf = self.window.as_slice();
        let len = buf.len();
        let at = |k: usize| -> f32 {
            // Reading `k` steps back (1 = the last), the oldest available if `k > len`.
            let k = if k > len { len } else { k };
            let newest = self.window.recent_index().unwrap_or(0);
            let back = k.saturating_sub(1);
            let i = newest
                .saturating_add(W)
                .saturating_sub(back)
                .checked_rem(W)
                .unwrap_or(0);
            buf.get(i).and_then(|r| r.get(c)).copied().unwrap_or(0.0)
        };
        let mut sum = 0.0f32;
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for v in self.window.oldest_ordered().filter_map(|r| r.get(c)) {
            sum += v;
            lo = if *v < lo { *v } else { lo };
            hi = if *v > hi { *v } else { hi };
        }
        Recent {
            lag: [at(1), at(2), at(4), at(8)],
            oldest: at(len),
            mean: sum / len.max(1) as f32,
            min: lo,
            max: hi,
        }
    }

    /// The regression of channel `c` on channel `j` (standardised): mean and variance.
    fn cross_expert(&self, c: usize, j: usize, z: &[f32; CH]) -> (f32, f32) {
        let get = |a: usize, b: usize| {
            self.cross
                .get(a)
                .and_then(|r| r.get(b))
                .copied()
                .unwrap_or(0.0)
        };
        let (cc, jj, cj) = (get(c, c), get(j, j), get(c, j));
        let zj = z.get(j).copied().unwrap_or(0.0);
        if self.cross_n < 2 || !(jj > 1e-6) {
            return (0.0, f32::INFINITY);
        }
        let b = cj / jj;
        let var = cc - b * cj;
        let floor = 1e-3 * cc;
        (
            clamp(b * zj, -channel::Z_MAX, channel::Z_MAX),
            if var > floor { var } else { floor },
        )
    }

    fn learn_cross(&mut self, z: &[f32; CH]) {
        if CH < 2 {
            return;
        }
        self.cross_n = self.cross_n.saturating_add(1);
        let a = rate(self.cross_n, 1.0 / self.config.cross_horizon);
        for (row, zi) in self.cross.iter_mut().zip(z) {
            for (m, zj) in row.iter_mut().zip(z) {
                *m += a * (zi * zj - *m);
            }
        }
    }

    /// FNV-1a hash of the whole state: every model's fingerprint, the window, every
    /// statistic and counter. Equal fingerprints mean the same future verdicts.
    pub fn fingerprint(&self) -> u64 {
        let mut h = Fnv1a::new();
        for m in &self.models {
            h.write_u64(m.fingerprint());
        }
        for r in self.window.oldest_ordered() {
            r.iter().for_each(|&v| h.write_f32(v));
        }
        let mut f = |v: f32| h.write_f32(v);
        for c in &self.channels {
            c.for_each_value(&mut f);
        }
        self.cross.iter().flatten().for_each(|&v| f(v));
        for c in &self.cal {
            c.for_each_value(&mut f);
        }
        let (a, b) = self.instant.quantiles();
        for q in [a, b] {
            f(q.value());
            f(q.count() as f32);
        }
        // One channel has no joint view (it stays empty): its fingerprint does not cover it.
        if CH >= 2 {
            self.joint.for_each_value(&mut f);
        }
        f(self.shock);
        f(self.log_gain);
        h.write_u64(u64::from(self.quiet));
        h.write_u64(self.readings);
        h.write_u64(self.commissioned);
        h.write_u64(self.gaps);
        h.write_u64(u64::from(self.gap_run) | (u64::from(self.cross_n) << 32));
        h.write_u64(u64::from(self.cal_n));
        h.write(&[u8::from(self.frozen)]);
        h.finish()
    }
}

/// The rates every channel learns at for one reading.
#[derive(Clone, Copy, Debug)]
struct ChannelRates {
    stats: f32,
    error: f32,
    clip: f32,
    fresh: u32,
    sustained_k: f32,
    threshold_rate: f32,
}

/// Rejects NaN, infinite and out-of-range readings.
fn check_reading(x: &[f32]) -> Result<(), Error> {
    crate::error::check_finite(x)?;
    match x.iter().position(|v| !(abs(*v) <= MAX_READING)) {
        Some(index) => Err(Error::Overflow { index }),
        None => Ok(()),
    }
}

#[cfg(feature = "defmt")]
impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> defmt::Format
    for Detector<CH, W, D, B, M>
{
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Detector(channels={}, window={}, D={}, B={}, readings={}, gaps={}, frozen={})",
            CH,
            W,
            D,
            B,
            self.readings,
            self.gaps,
            self.frozen
        )
    }
}
