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
//!    by its own running location and spread (the *calibration*), optionally smoothed, and
//!    the score is `Σ_channels |prediction| + level_weight · level` (`|·|` when two-sided:
//!    a channel suddenly too predictable counts too);
//! 4. flags the reading after a warm-up when a test passes its adaptive threshold (streaming
//!    quantiles of its recent values): the instant score (a reading that does not fit), a
//!    channel's smoothed prediction or level surprise (a change that lasts), or a channel
//!    repeating the same value far longer than it ever did (a stuck sensor); it returns a
//!    [`Verdict`] (score, yes/no, [`Reason`], channel, what was expected);
//! 5. learns (unless frozen): the model (robustly: targets limited to a few σ of the
//!    prediction), the predictors' error variances, the standardisation, the calibration
//!    and the thresholds (values above a threshold count as if at it).
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
//! The record is kind 4 of the [`persist`](crate::persist) format. Its shape words are `CH, W,
//! D, B` and the model's `depth, K, C, N, width_1 .. width_4` (a Gaussian GLN). Its body,
//! little-endian, from byte 64:
//!
//! | size | field |
//! |---:|---|
//! | 52 | configuration: `warmup` (`u32`); `smoothing`, `threshold_k`, `sustained_k`, `threshold_rate`, `stats_horizon`, `error_horizon`, `cross_horizon`, `learn_clip`, `std_floor`, `calibration`, `level_weight` (`f32`); `two_sided` (`u32`, 0 or 1) |
//! | 32 | counters: readings, gaps (`u64`); current gap run, correlation count, calibration count (`u32`); frozen (`u32`, 0 or 1) |
//! | 4 + 4 · W · CH | the window: its length (`u32`), then `W` rows of `CH` readings (`f32`), oldest first, unused rows `+0.0` |
//! | 24 | the instant score's threshold: median then q90, each `q`, `spread` (`f32`) and its count (`u32`) |
//! | 132 · CH | each channel: count (`u32`); mean, variance, the 8 levels, trend, volatility, the 16 expert errors (`f32`); error count, run, longest run (`u32`); stuck (`u32`, 0 or 1) |
//! | 4 · CH² | the correlation matrix (`f32`), row by row |
//! | 72 · CH | each channel's calibration: prediction location and spread, level location and spread, the two smoothed components (`f32`); its two thresholds (24 bytes each, as above) |
//! | CH · (72 + 4 · weights) | each channel's model: the body of its Gaussian GLN record (seed, steps, configuration, hyperplane hash, weights) |
//!
//! Besides the checks of every record (magic, version, CRC, kind, shape, length), a load
//! refuses a configuration [`DetectorConfig::check`] rejects, any NaN or infinite value, a
//! negative variance, error, volatility or spread, a window longer than `W` or holding a
//! reading beyond [`MAX_READING`] or non-zero unused slots, every model value a Gaussian GLN
//! load refuses, and every state the detector cannot reach: a count that disagrees with the
//! number of readings (each quantile, correlation, calibration, channel and error count moves
//! once per learned reading), a window not cleared after `W` consecutive gaps, a gap run
//! longer than the gaps, statistics before the first reading, an asymmetric correlation
//! matrix, a stuck flag on a run too short to be stuck. Nothing changes when it refuses.

mod channel;
pub mod explain;
#[cfg(feature = "micromath")]
mod imu;
mod persist;
mod quantile;
mod score;

pub use explain::{ChannelExplanation, DetectorExplanation, Driver, Predictor, Timescale};
pub use quantile::{StreamingQuantile, Threshold};

use crate::config::{LearningRate, Schedule, StepScale};
use crate::error::Error;
use crate::gaussian::{
    Gaussian, GaussianConfig, GaussianGln2, GaussianGln3, GaussianInput, GaussianNetwork,
};
use crate::hash::Fnv1a;
use crate::math::{abs, clamp, sqrt};
use crate::network::argmax;
use channel::{Channel, Recent, TEMPORAL, rate};
use heapless::HistoryBuf;
use score::ChannelScore;

/// Readings learned before the score calibration starts.
const CAL_START: u64 = 30;

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

/// Settings of a [`Detector`]. [`DetectorConfig::DEFAULT`] needs no tuning for a start,
/// except for the signal's rhythm (`warmup`, `threshold_rate`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DetectorConfig {
    /// Readings learned before any flag is raised; the score is 0 until then.
    pub warmup: u32,
    /// Smoothing of the score: `score ← score + smoothing · (nll − score)`, in `(0, 1]`
    /// (1: the score is this reading's NLL).
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
    /// Weight of the level surprise (how unusual the value itself is for the channel)
    /// against the prediction surprise (how unexpected it was given the recent past). In
    /// `[0, 1e6]` (0: no level surprise).
    pub level_weight: f32,
    /// Count a prediction surprise far *below* usual (a channel suddenly too predictable:
    /// stuck, flat, missing its usual movement) as anomalous too.
    pub two_sided: bool,
}

impl DetectorConfig {
    /// The defaults, for sensor streams: 300 readings of warm-up; both surprises, the level
    /// weighted 0.5, two-sided, calibrated over about 2000 readings and smoothed at 0.05
    /// (anomalies that last are scored as they last); thresholds `median + 8 (q90 − median)`
    /// for the instant score and `+ 5 (q90 − median)` for the smoothed surprises, over about
    /// 330 values; standardisation over about 10 000 readings, predictor errors over about
    /// 100, correlations over about 1000; robust learning at 4 σ; a relative scale floor of
    /// 1e-4. These are the settings evaluated on NAB (`examples/evaluate.rs`).
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
        level_weight: 0.5,
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

/// What the detector says about one reading.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Verdict<const CH: usize> {
    /// The anomaly score (higher is more anomalous; 0 while warming up): for each channel,
    /// the surprise of its prediction and of its level, each standardised by its own running
    /// location and spread and smoothed, summed over channels (see [`DetectorConfig`]).
    /// This is the value to rank readings by: anomalies that last score as long as they
    /// last.
    pub score: f32,
    /// The same without smoothing: this reading alone (0 while warming up).
    pub instant: f32,
    /// This reading's negative log-likelihood under the model, summed over channels (nats).
    pub nll: f32,
    /// The threshold the instant score was compared with.
    pub instant_threshold: f32,
    /// `true` if the reading is flagged (never while warming up): see `reason`.
    pub anomaly: bool,
    /// Why the reading is flagged (`None` if it is not).
    pub reason: Option<Reason>,
    /// `true` during the warm-up.
    pub warming_up: bool,
    /// The channel behind the flag; when not flagged, the one contributing most to the score.
    pub channel: usize,
    /// Each channel's share of the score.
    pub contributions: [f32; CH],
    /// The predicted value of each channel, in its own units (mean and variance).
    pub expected: [Gaussian; CH],
}

/// Why a reading is flagged. Each test has its own adaptive threshold (streaming quantiles
/// of its recent values, see [`DetectorConfig`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reason {
    /// This reading does not fit: the instant score is above its threshold (spikes, jumps,
    /// sudden changes).
    Surprise,
    /// A channel has been unusually hard to predict, or (two-sided) unusually easy, for a
    /// while: more noise, a changed behaviour, a stuck or flat sensor.
    Predictability,
    /// A channel's level has been unusual for a while: drift, overheating, a slow leak.
    Level,
    /// A channel has repeated exactly the same value for more than twice its longest normal
    /// run (plus 10 readings): a stuck sensor or a frozen bus.
    Stuck,
}

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
    readings: u64,
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
    /// context).
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
            readings: 0,
            gaps: 0,
            gap_run: 0,
            frozen: false,
            config,
        }
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

    /// `true` while warming up (fewer than `config.warmup` readings learned).
    pub fn warming_up(&self) -> bool {
        self.readings < u64::from(self.config.warmup)
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

    /// The current threshold on the instant score.
    pub fn instant_threshold(&self) -> f32 {
        self.instant.value(self.config.threshold_k)
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
        let recent: [Recent; CH] = core::array::from_fn(|c| self.recent(c));
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
        let learn = !self.frozen;
        let mut nll_total = 0.0f32;
        let mut nlls = [0.0f32; CH];
        let mut expected = [Gaussian {
            mean: 0.0,
            variance: 1.0,
        }; CH];
        let mut experts = [[0.0f32; TEMPORAL]; CH];
        for c in 0..CH {
            let (Some(ch), Some(r), Some(&s), Some(&zc)) =
                (self.channels.get(c), recent.get(c), scale.get(c), z.get(c))
            else {
                continue;
            };
            let (side, means, vars, own) = self.channel_input(c, ch, r, s, &z);
            let Ok(input) = GaussianInput::with_variances(&side, &means, &vars) else {
                continue; // cannot happen: every value above is finite or +∞ variance
            };
            let Some(model) = self.models.get_mut(c) else {
                continue;
            };
            let clip = self.config.learn_clip;
            let [p] = if learn {
                match model.learn_with(&input, &mut |_, p| robust_target(zc, p, clip)) {
                    Ok(before) => before,
                    // Cannot happen: the target is finite. Score without learning.
                    Err(_) => model.predict_all(&input),
                }
            } else {
                model.predict_all(&input)
            };
            let nll = p.nll(zc);
            nll_total += nll;
            if let Some(n) = nlls.get_mut(c) {
                *n = nll;
            }
            if let Some(e) = expected.get_mut(c) {
                *e = Gaussian {
                    mean: ch.mean() + p.mean * s,
                    variance: p.variance * s * s,
                };
            }
            if let Some(e) = experts.get_mut(c) {
                *e = own;
            }
        }
        // The verdict, from the statistics before this reading.
        let warming_up = self.warming_up();
        let mix = score::Mix {
            smoothing: self.config.smoothing,
            level_weight: self.config.level_weight,
            two_sided: self.config.two_sided,
        };
        let comps: [_; CH] =
            core::array::from_fn(|c| match (self.cal.get(c), nlls.get(c), z.get(c)) {
                (Some(cs), Some(&n), Some(&zc)) => cs.components(n, zc, self.cal_n, &mix),
                _ => ((0.0, 0.0), (0.0, 0.0)),
            });
        let inst: [f32; CH] = core::array::from_fn(|c| match comps.get(c) {
            Some(p) => ChannelScore::value(p.0, &mix),
            None => 0.0,
        });
        let contributions: [f32; CH] = core::array::from_fn(|c| match comps.get(c) {
            Some(p) => ChannelScore::value(p.1, &mix),
            None => 0.0,
        });
        let instant = inst.iter().sum::<f32>();
        let smoothed = contributions.iter().sum::<f32>();
        let instant_threshold = self.instant_threshold();
        let ks = self.config.sustained_k;
        let mut reason = None;
        let mut channel = argmax(&contributions);
        if instant > instant_threshold {
            reason = Some(Reason::Surprise);
            channel = argmax(&inst);
        } else {
            for (c, (cs, p)) in self.cal.iter().zip(&comps).enumerate() {
                match cs.sustained(p.1, &mix, ks) {
                    (true, _) => reason = Some(Reason::Predictability),
                    (false, true) => reason = Some(Reason::Level),
                    _ => continue,
                }
                channel = c;
                break;
            }
        }
        let runs: [(u32, bool); CH] =
            core::array::from_fn(|c| match (self.channels.get(c), x.get(c), last.get(c)) {
                (Some(ch), Some(&v), Some(&l)) => ch.stuck(v, l),
                _ => (0, false),
            });
        if let (None, Some(c)) = (reason, runs.iter().position(|r| r.1)) {
            reason = Some(Reason::Stuck);
            channel = c;
        }
        let reason = if warming_up { None } else { reason };
        let verdict = Verdict {
            score: if warming_up { 0.0 } else { smoothed },
            instant: if warming_up { 0.0 } else { instant },
            nll: nll_total,
            instant_threshold,
            anomaly: reason.is_some(),
            reason,
            warming_up,
            channel,
            contributions: if warming_up { [0.0; CH] } else { contributions },
            expected,
        };
        // Learn.
        if learn {
            let tr = self.config.threshold_rate;
            // Scores above a threshold move it as if they were at it: an anomaly, however
            // long, does not teach the threshold that anomalies are normal.
            self.instant
                .update_capped(instant, self.config.threshold_k, tr);
            for (cs, p) in self.cal.iter_mut().zip(&comps) {
                cs.learn_thresholds(p.1, &mix, ks, tr);
            }
            let (sr, er) = (
                1.0 / self.config.stats_horizon,
                1.0 / self.config.error_horizon,
            );
            let clip = self.config.learn_clip;
            for ((ch, &v), e) in self.channels.iter_mut().zip(x).zip(&experts) {
                ch.learn(v, e, sr, er, clip);
            }
            self.learn_cross(&z);
            // The calibration starts once the standardisation and the predictors have seen
            // a few readings (the very first surprises say nothing about later ones).
            if self.readings >= CAL_START {
                self.cal_n = self.cal_n.saturating_add(1);
                let a = rate(self.cal_n, 1.0 / self.config.calibration);
                for ((cs, &n), &zc) in self.cal.iter_mut().zip(&nlls).zip(&z) {
                    cs.learn(n, zc, a, self.cal_n);
                }
            }
            self.readings = self.readings.saturating_add(1);
        }
        // Track.
        for (cs, p) in self.cal.iter_mut().zip(&comps) {
            cs.track(p.1);
        }
        for (((ch, &v), &l), &(run, stuck)) in self.channels.iter_mut().zip(x).zip(&last).zip(&runs)
        {
            ch.track(v, l);
            ch.track_run(run, learn, stuck);
        }
        self.window.write(*x);
        Ok(verdict)
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
        h.write_u64(self.readings);
        h.write_u64(self.gaps);
        h.write_u64(u64::from(self.gap_run) | (u64::from(self.cross_n) << 32));
        h.write_u64(u64::from(self.cal_n));
        h.write(&[u8::from(self.frozen)]);
        h.finish()
    }
}

/// A threshold multiplier: beyond `1e6` a threshold could overflow to infinity.
const fn positive(k: f32) -> bool {
    k > 0.0 && k <= 1e6
}

const fn horizon(h: f32) -> bool {
    h >= 1.0 && h < f32::INFINITY
}

/// Rejects NaN, infinite and out-of-range readings.
fn check_reading(x: &[f32]) -> Result<(), Error> {
    crate::error::check_finite(x)?;
    match x.iter().position(|v| !(abs(*v) <= MAX_READING)) {
        Some(index) => Err(Error::Overflow { index }),
        None => Ok(()),
    }
}

/// `μ + clip(y − μ, ±c σ)`.
fn robust_target(y: f32, p: &Gaussian, c: f32) -> f32 {
    if c == f32::INFINITY {
        return y;
    }
    let lim = c * sqrt(p.variance);
    p.mean + clamp(y - p.mean, -lim, lim)
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
