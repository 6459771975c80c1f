//! Which channel and which base predictor drove a reading's surprise.
//!
//! For each channel the detector's Gaussian GLN predicts the standardised reading `z` from
//! the channel's base predictors (last value, moving averages, trend, window statistics,
//! lags, and a regression on each other channel). The prediction's mean is an affine
//! combination of the predictors' means with weights `v_j` (their shares of the predicted
//! precision, see [`GaussianExplanation`]) that sum to 1 with the bias Gaussians' share, so
//! the reading's miss `r = z − μ` splits into the predictors' own misses, weighted:
//!
//! ```text
//! r = Σ_j v_j (z − μ_j) + bias part        (z − μ_j: how far the reading is from predictor j)
//! ```
//!
//! and the part of the prediction surprise (the negative log-likelihood the score is built
//! from) that depends on the reading, `r² / (2σ²)`, splits the same way:
//!
//! ```text
//! r² / (2σ²) = Σ_j v_j (z − μ_j) · r / (2σ²) + bias part
//! ```
//!
//! [`ChannelExplanation::miss`] holds these parts, in nats. The predictor with the largest
//! part is the expectation the reading broke most, counting how much the model relied on
//! it: "vibration: the reading jumped away from its moving average". A predictor the reading
//! agreed with, or that erred the other way, has a small or negative part.
//!
//! [`Detector::update_explained`] returns the verdict and, beside it, a
//! [`DetectorExplanation`]: for every channel the explanation of its model's prediction and
//! of its miss, and [`DetectorExplanation::driver`] names the driving predictor of the
//! verdict's channel. It computes the explanation *before* the update, from the same state
//! and the same inputs as the update (then calls [`Detector::update`] unchanged): the
//! verdict, the learning and the fingerprint are exactly those of `update`; the cost is one
//! more pass of each channel's model (the explanation), paid only by the caller who asks.
//! [`Detector::explain_reading`] does the explaining alone, without updating.
//!
//! ```
//! use gln::detector::{Detector, DetectorConfig, SmallSensorModel, Timescale};
//!
//! let mut det: Detector<2, 8, 8, 8, SmallSensorModel> =
//!     Detector::with_seed(1, DetectorConfig::DEFAULT);
//! let reading = |t: u32| [20.0 + 0.01 * (t % 97) as f32, 1.0 + 0.02 * (t % 13) as f32];
//! for t in 0..1000 {
//!     det.update(&reading(t))?;
//! }
//! let [temp, vib] = reading(1000);
//! let (v, e) = det.update_explained(&[temp, vib + 2.0])?; // the vibration jumps
//! assert!(v.anomaly);
//! let d = e.unwrap().driver(&v).unwrap();
//! assert_eq!(d.channel, 1); // vibration, not temperature
//! assert_eq!(d.timescale, Timescale::Recent); // it jumped away from its recent values
//! println!("channel {}: vs {} (most: {})", d.channel, d.timescale, d.predictor);
//! # Ok::<(), gln::Error>(())
//! ```
//!
//! What the explanation covers: the prediction surprise of this reading. The score also has
//! a level term (`½ z²`, how unusual the value is for the channel overall, kept in
//! [`ChannelExplanation::level`]), the smoothed score remembers earlier readings, and a
//! stuck sensor is found by counting repeats. For a [`Reason::Level`] or [`Reason::Stuck`]
//! flag, [`DetectorExplanation::driver`] therefore names the reference of that test (the
//! long-run mean, the last value); for a [`Reason::Predictability`] flag, which comes from
//! the smoothed surprise, it names what *this* reading broke, which need not be what built
//! the flag up.

use core::fmt;

use super::channel::TEMPORAL;
use super::{Detector, Reason, Verdict, check_reading};
use crate::error::Error;
use crate::explain::Explanation;
use crate::gaussian::{Gaussian, GaussianExplain, GaussianExplanation, GaussianNetwork};
use crate::math::clamp;

/// A base predictor of a channel: what one input of the channel's model is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Predictor {
    /// The regression of this channel on another channel's current reading (that channel's
    /// index): "this channel disagrees with what that one implies".
    Channel(usize),
    /// The reading `k` steps back: `Lag(1)` is the last value.
    Lag(u8),
    /// An exponentially weighted moving average with smoothing factor `1/n` (a memory of
    /// about `n` readings): `MovingAverage(4)`, ..., `MovingAverage(256)`.
    MovingAverage(u16),
    /// The channel's long-run mean (the standardisation's).
    LongRunMean,
    /// The last value plus the smoothed trend (a moving average of the differences).
    Trend,
    /// The last value plus the last difference.
    LinearExtrapolation,
    /// The mean of the window.
    WindowMean,
    /// The middle of the window's range.
    WindowMidrange,
    /// The oldest reading in the window.
    WindowOldest,
}

/// The channel's own predictors, in the order of its model's inputs after the cross-channel
/// ones (the order of the detector's `Channel::experts`; a test checks them against it).
const TEMPORAL_PREDICTORS: [Predictor; TEMPORAL] = [
    Predictor::Lag(1),
    Predictor::MovingAverage(4),
    Predictor::MovingAverage(16),
    Predictor::LongRunMean,
    Predictor::Trend,
    Predictor::MovingAverage(2),
    Predictor::MovingAverage(8),
    Predictor::MovingAverage(32),
    Predictor::MovingAverage(64),
    Predictor::MovingAverage(128),
    Predictor::WindowMean,
    Predictor::LinearExtrapolation,
    Predictor::Lag(2),
    Predictor::WindowMidrange,
    Predictor::WindowOldest,
    Predictor::MovingAverage(256),
];

impl Predictor {
    /// Input `input` of channel `channel`'s model in a detector over `channels` channels:
    /// the `channels − 1` regressions on the other channels (in increasing channel order),
    /// then the channel's own predictors by priority. `None` past the last predictor or for
    /// a channel out of range.
    pub fn of(channels: usize, channel: usize, input: usize) -> Option<Predictor> {
        if channel >= channels {
            return None;
        }
        // `channels >= 1` here, and `input + 1` only when `input < cross < usize::MAX`.
        let cross = channels.saturating_sub(1);
        if input < cross {
            let other = if input < channel {
                input
            } else {
                input.saturating_add(1)
            };
            return Some(Predictor::Channel(other));
        }
        TEMPORAL_PREDICTORS
            .get(input.saturating_sub(cross))
            .copied()
    }

    /// A short name, for logs and displays ("last value", "moving average 1/4", "trend",
    /// "other channel", ...). [`fmt::Display`] names the other channel's index.
    pub const fn name(&self) -> &'static str {
        match self {
            Predictor::Channel(_) => "other channel",
            Predictor::Lag(1) => "last value",
            Predictor::Lag(2) => "value 2 readings back",
            Predictor::Lag(_) => "an earlier value",
            Predictor::MovingAverage(2) => "moving average 1/2",
            Predictor::MovingAverage(4) => "moving average 1/4",
            Predictor::MovingAverage(8) => "moving average 1/8",
            Predictor::MovingAverage(16) => "moving average 1/16",
            Predictor::MovingAverage(32) => "moving average 1/32",
            Predictor::MovingAverage(64) => "moving average 1/64",
            Predictor::MovingAverage(128) => "moving average 1/128",
            Predictor::MovingAverage(256) => "moving average 1/256",
            Predictor::MovingAverage(_) => "moving average",
            Predictor::LongRunMean => "long-run mean",
            Predictor::Trend => "trend",
            Predictor::LinearExtrapolation => "linear extrapolation",
            Predictor::WindowMean => "window mean",
            Predictor::WindowMidrange => "window midrange",
            Predictor::WindowOldest => "oldest value in the window",
        }
    }
}

impl fmt::Display for Predictor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Predictor::Channel(c) => write!(f, "channel {c}"),
            p => f.write_str(p.name()),
        }
    }
}

/// The time scale of a base predictor: base predictors of one time scale say much the same
/// thing (the last value, the value before and a fast moving average are all "where the
/// signal just was"), so the model spreads its trust over them and the time scale's total
/// part of a miss is often clearer than any one predictor's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timescale {
    /// The last few readings: the last two values, the moving averages 1/2 and 1/4, the
    /// trend and the linear extrapolation.
    Recent,
    /// About a window of readings: the window's mean, midrange and oldest value, the moving
    /// averages 1/8 and 1/16.
    Window,
    /// The slow level: the moving averages 1/32 to 1/256 and the long-run mean.
    Slow,
    /// The regressions on the other channels.
    Channels,
}

impl Timescale {
    /// Every time scale, in the order of [`DetectorExplanation::timescales`].
    pub const ALL: [Timescale; 4] = [
        Timescale::Recent,
        Timescale::Window,
        Timescale::Slow,
        Timescale::Channels,
    ];

    /// Its position in [`Timescale::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Timescale::Recent => 0,
            Timescale::Window => 1,
            Timescale::Slow => 2,
            Timescale::Channels => 3,
        }
    }

    /// A short name: "recent values", "the window", "the slow level", "other channels".
    pub const fn name(self) -> &'static str {
        match self {
            Timescale::Recent => "recent values",
            Timescale::Window => "the window",
            Timescale::Slow => "the slow level",
            Timescale::Channels => "other channels",
        }
    }
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Predictor {
    /// Its time scale.
    pub const fn timescale(&self) -> Timescale {
        match self {
            Predictor::Channel(_) => Timescale::Channels,
            Predictor::Lag(_)
            | Predictor::Trend
            | Predictor::LinearExtrapolation
            | Predictor::MovingAverage(0..=4) => Timescale::Recent,
            Predictor::MovingAverage(5..=16)
            | Predictor::WindowMean
            | Predictor::WindowMidrange
            | Predictor::WindowOldest => Timescale::Window,
            Predictor::MovingAverage(_) | Predictor::LongRunMean => Timescale::Slow,
        }
    }
}

/// One channel's prediction and miss for one reading, explained over its model's base
/// predictors (input `j` is [`Predictor::of`]`(CH, channel, j)`). Standardised units.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ChannelExplanation<const B: usize> {
    /// The standardised reading `z` the model predicted (clipped to `±1000`).
    pub z: f32,
    /// The model's prediction of `z` (`model.prediction`), its mean and precision split
    /// over the base predictors (see [`GaussianExplanation`]).
    pub model: GaussianExplanation<B>,
    /// The part of the prediction surprise that depends on the reading,
    /// `(z − μ)² / (2σ²)` in nats (`miss.output`), split over the base predictors (see the
    /// [module documentation](self)). Its clip counts are those of `model.mean` plus those
    /// of `model.precision`.
    pub miss: Explanation<B>,
    /// The level surprise `½ z²` (`|z|` limited to 20), the score's other term.
    pub level: f32,
    /// The prediction in the channel's own units: equal to the verdict's `expected`.
    pub expected: Gaussian,
}

impl<const B: usize> ChannelExplanation<B> {
    /// Nothing predicted (all zero, unit variances).
    const EMPTY: Self = {
        let none = Explanation {
            inputs: [0.0; B],
            bias: 0.0,
            output: 0.0,
            clipped_inputs: 0,
            clipped_neurons: 0,
        };
        let unit = Gaussian {
            mean: 0.0,
            variance: 1.0,
        };
        Self {
            z: 0.0,
            model: GaussianExplanation {
                prediction: unit,
                mean: none,
                precision: none,
            },
            miss: none,
            level: 0.0,
            expected: unit,
        }
    };

    /// The input with the largest positive part of the miss and that part's fraction of
    /// the miss (it can exceed 1 when other predictors pull the other way); `None` when no
    /// part is positive.
    pub fn top(&self) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        for (j, &v) in self.miss.inputs.iter().enumerate() {
            if v > 0.0 && best.is_none_or(|(_, b)| v > b) {
                best = Some((j, v));
            }
        }
        best.map(|(j, v)| (j, v / self.miss.output))
    }
}

/// What drove a verdict: its channel, and what the reading was measured against.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Driver {
    /// The verdict's channel (flagged, or contributing most to the score).
    pub channel: usize,
    /// For a [`Reason::Level`] flag, the long-run mean (the level
    /// term measures the reading against it); for [`Reason::Stuck`],
    /// the last value (the reading repeats it); otherwise the base predictor with the
    /// largest part of the channel's miss.
    pub predictor: Predictor,
    /// That predictor's fraction of the channel's miss (1 for a level or stuck flag). It
    /// can exceed 1 when other predictors pull the other way.
    pub share: f32,
    /// The time scale with the largest part of the channel's miss (the predictor's for a
    /// level or stuck flag).
    pub timescale: Timescale,
    /// That time scale's fraction of the miss (1 for a level or stuck flag).
    pub timescale_share: f32,
}

/// Every channel's prediction and miss for one reading, explained (see the
/// [module documentation](self)). Plain data, fixed size, no heap.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct DetectorExplanation<const CH: usize, const B: usize> {
    /// One explanation per channel.
    pub channels: [ChannelExplanation<B>; CH],
}

impl<const CH: usize, const B: usize> DetectorExplanation<CH, B> {
    /// What input `input` of channel `channel`'s model is.
    pub fn predictor(channel: usize, input: usize) -> Option<Predictor> {
        Predictor::of(CH, channel, input)
    }

    /// The driver of `verdict` (which should be the verdict of the reading explained):
    /// its channel, what the reading broke (see [`Driver`]). `None` if the channel is out
    /// of range, or, for a verdict other than a level or stuck flag, if no predictor has a
    /// positive part of the miss (a reading predicted exactly).
    pub fn driver(&self, verdict: &Verdict<CH>) -> Option<Driver> {
        let channel = verdict.channel;
        let e = self.channels.get(channel)?;
        let fixed = match verdict.reason {
            Some(Reason::Level) => Some(Predictor::LongRunMean),
            Some(Reason::Stuck) => Some(Predictor::Lag(1)),
            _ => None,
        };
        if let Some(predictor) = fixed {
            return Some(Driver {
                channel,
                predictor,
                share: 1.0,
                timescale: predictor.timescale(),
                timescale_share: 1.0,
            });
        }
        let (j, share) = e.top()?;
        let scales = self.timescales(channel);
        let mut top = (Timescale::Recent, f32::NEG_INFINITY);
        for (t, &v) in Timescale::ALL.iter().zip(&scales) {
            if v > top.1 {
                top = (*t, v);
            }
        }
        Some(Driver {
            channel,
            predictor: Predictor::of(CH, channel, j)?,
            share,
            timescale: top.0,
            timescale_share: top.1 / e.miss.output,
        })
    }

    /// Channel `channel`'s miss summed by the time scale of its predictors (in the order of
    /// [`Timescale::ALL`]; the bias part is left out). Zeros for a channel out of range.
    pub fn timescales(&self, channel: usize) -> [f32; 4] {
        match self.channels.get(channel) {
            Some(e) => e.miss.sum_by(|j| match Predictor::of(CH, channel, j) {
                Some(p) => p.timescale().index(),
                None => usize::MAX,
            }),
            None => [0.0; 4],
        }
    }

    /// Each channel's miss in nats (`channels[c].miss.output`).
    pub fn misses(&self) -> [f32; CH] {
        core::array::from_fn(|c| self.channels.get(c).map_or(0.0, |e| e.miss.output))
    }
}

impl<const CH: usize, const W: usize, const D: usize, const B: usize, M> Detector<CH, W, D, B, M>
where
    M: GaussianNetwork<D, B, 1> + GaussianExplain<D, B, 1>,
{
    /// [`Self::update`], with the explanation of the reading beside the verdict (see the
    /// [module documentation](self)): the verdict, the learning and the fingerprint are
    /// exactly those of `update`. The explanation is `None` for a reading that is not
    /// scored (the first one, or the first after a long gap).
    ///
    /// Costs one more pass of each channel's model than `update` (the explanation, before
    /// the update), and `CH` explanations of stack.
    ///
    /// # Errors
    /// As [`Self::update`]; nothing changes then.
    #[allow(clippy::type_complexity)]
    pub fn update_explained(
        &mut self,
        x: &[f32; CH],
    ) -> Result<(Verdict<CH>, Option<DetectorExplanation<CH, B>>), Error> {
        let explanation = self.explain_reading(x)?;
        let verdict = self.update(x)?;
        Ok((verdict, explanation))
    }

    /// The explanation of what [`Self::update`] would see for reading `x` now, without
    /// updating anything: every channel's prediction from the current state, explained.
    /// `None` if the window is empty (the next reading is not scored).
    ///
    /// # Errors
    /// As [`Self::update`] for a bad reading.
    pub fn explain_reading(
        &self,
        x: &[f32; CH],
    ) -> Result<Option<DetectorExplanation<CH, B>>, Error> {
        check_reading(x)?;
        if self.window.recent().is_none() {
            return Ok(None);
        }
        let prepared = self.prepare(x);
        let mut out = [ChannelExplanation::EMPTY; CH];
        for (((e, p), ch), model) in out
            .iter_mut()
            .zip(&prepared)
            .zip(&self.channels)
            .zip(&self.models)
        {
            // The model's input, built exactly as `update` builds it (a test compares the
            // prediction with the verdict's, bit for bit, over whole streams). Neither can
            // fail (every value is finite or a `+∞` variance, head 0 exists); `update`
            // would skip the channel, so this leaves it empty.
            let Some(input) = p.input() else {
                continue;
            };
            let Ok(g) = model.explain(&input, 0) else {
                continue;
            };
            let (zc, s) = (p.z, p.scale);
            let pr = g.prediction;
            *e = ChannelExplanation {
                z: zc,
                model: g,
                miss: miss(&g, zc),
                level: {
                    let zl = clamp(zc, -20.0, 20.0);
                    0.5 * zl * zl
                },
                expected: Gaussian {
                    mean: ch.mean() + pr.mean * s,
                    variance: pr.variance * s * s,
                },
            };
        }
        Ok(Some(DetectorExplanation { channels: out }))
    }
}

/// `(z − μ)² / (2σ²)` split over the inputs: with `v_j` the inputs' shares of the precision
/// and `m_j` their parts of the mean, input `j`'s part of the miss `r = z − μ` is
/// `v_j z − m_j`, and its part of `r² / (2σ²)` is that times `r / (2σ²)`.
fn miss<const B: usize>(g: &GaussianExplanation<B>, z: f32) -> Explanation<B> {
    let p = g.prediction;
    let r = z - p.mean;
    let k = r / (2.0 * p.variance);
    let pi = g.precision.output;
    let mut inputs = [0.0f32; B];
    for ((o, &pj), &mj) in inputs
        .iter_mut()
        .zip(&g.precision.inputs)
        .zip(&g.mean.inputs)
    {
        *o = ((pj / pi) * z - mj) * k;
    }
    Explanation {
        inputs,
        bias: ((g.precision.bias / pi) * z - g.mean.bias) * k,
        output: r * r / (2.0 * p.variance),
        clipped_inputs: g
            .mean
            .clipped_inputs
            .saturating_add(g.precision.clipped_inputs),
        clipped_neurons: g
            .mean
            .clipped_neurons
            .saturating_add(g.precision.clipped_neurons),
    }
}

#[cfg(test)]
mod tests {
    use super::super::channel::{Channel, Recent};
    use super::*;

    #[test]
    fn the_names_follow_the_channel_experts_order() {
        // A channel state where every expert predicts a different value.
        let mut ch = Channel::NEW;
        ch.seed(0.0);
        ch.learn(100.0, &[0.0; TEMPORAL], 1e-6, 1e-6, f32::INFINITY, u32::MAX); // mean 50
        ch.track(12.0, 0.0); // level k = 12 / 2^(k+1), trend 1.5
        let r = Recent {
            lag: [2.2, 5.5, 0.0, 0.0],
            oldest: 11.0,
            mean: 7.0,
            min: -3.0,
            max: 13.0,
        };
        let expected = |p: Predictor| match p {
            Predictor::Lag(1) => 2.2,
            Predictor::Lag(2) => 5.5,
            Predictor::MovingAverage(n) => 12.0 / f32::from(n),
            Predictor::LongRunMean => 50.0,
            Predictor::Trend => 2.2 + 1.5,
            Predictor::LinearExtrapolation => 2.2 + (2.2 - 5.5),
            Predictor::WindowMean => 7.0,
            Predictor::WindowMidrange => 5.0,
            Predictor::WindowOldest => 11.0,
            Predictor::Lag(_) | Predictor::Channel(_) => f32::NAN,
        };
        let experts = ch.experts(&r);
        for (i, (&got, &p)) in experts.iter().zip(&TEMPORAL_PREDICTORS).enumerate() {
            assert_eq!(got, expected(p), "expert {i} is not {p:?}");
            assert_eq!(experts.iter().filter(|&&v| v == got).count(), 1);
        }
    }

    #[test]
    fn inputs_map_to_predictors() {
        // Three channels: each model's inputs 0 and 1 are the other two channels.
        assert_eq!(Predictor::of(3, 0, 0), Some(Predictor::Channel(1)));
        assert_eq!(Predictor::of(3, 0, 1), Some(Predictor::Channel(2)));
        assert_eq!(Predictor::of(3, 1, 0), Some(Predictor::Channel(0)));
        assert_eq!(Predictor::of(3, 1, 1), Some(Predictor::Channel(2)));
        assert_eq!(Predictor::of(3, 2, 1), Some(Predictor::Channel(1)));
        assert_eq!(Predictor::of(3, 2, 2), Some(Predictor::Lag(1)));
        assert_eq!(Predictor::of(3, 2, 17), Some(Predictor::MovingAverage(256)));
        assert_eq!(Predictor::of(3, 2, 18), None);
        assert_eq!(Predictor::of(3, 3, 0), None);
        assert_eq!(Predictor::of(1, 0, 0), Some(Predictor::Lag(1)));
        assert_eq!(
            DetectorExplanation::<2, 16>::predictor(1, 5),
            Some(Predictor::Trend)
        );
        extern crate std;
        use std::string::ToString;
        assert_eq!(Predictor::Channel(2).to_string(), "channel 2");
        assert_eq!(
            Predictor::MovingAverage(16).to_string(),
            "moving average 1/16"
        );
        assert_eq!(Predictor::Lag(1).to_string(), "last value");
        assert_eq!(Timescale::Slow.to_string(), "the slow level");
        for (i, t) in Timescale::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
        }
        let scales = TEMPORAL_PREDICTORS.map(|p| p.timescale());
        let count = |t| scales.iter().filter(|&&s| s == t).count();
        assert_eq!(
            [Timescale::Recent, Timescale::Window, Timescale::Slow].map(count),
            [6, 5, 5]
        );
        assert_eq!(Predictor::Channel(0).timescale(), Timescale::Channels);
    }

    fn verdict(reason: Option<Reason>, channel: usize) -> Verdict<2> {
        let g = Gaussian {
            mean: 0.0,
            variance: 1.0,
        };
        Verdict {
            score: 1.0,
            instant: 1.0,
            nll: 1.0,
            instant_threshold: 1.0,
            anomaly: reason.is_some(),
            reason,
            warming_up: false,
            channel,
            contributions: [0.0; 2],
            joint: 0.0,
            expected: [g; 2],
        }
    }

    #[test]
    fn the_driver_follows_the_reason() {
        let mut e = DetectorExplanation::<2, 3> {
            channels: [ChannelExplanation::EMPTY; 2],
        };
        // Channel 1's model: input 0 is channel 0, inputs 1, 2 the last value and the
        // moving average 1/4. Parts of the miss: 1, 3, 6 (sum 10).
        e.channels[1].miss.inputs = [1.0, 3.0, 6.0];
        e.channels[1].miss.output = 10.0;
        let d = e.driver(&verdict(Some(Reason::Surprise), 1)).unwrap();
        assert_eq!(d.predictor, Predictor::MovingAverage(4));
        assert_eq!(
            (d.share, d.timescale, d.timescale_share),
            (0.6, Timescale::Recent, 0.9)
        );
        assert_eq!(e.timescales(1), [9.0, 0.0, 0.0, 1.0]);
        // Level and stuck flags name the level term's and the run's reference.
        let d = e.driver(&verdict(Some(Reason::Level), 1)).unwrap();
        assert_eq!(
            (d.predictor, d.timescale),
            (Predictor::LongRunMean, Timescale::Slow)
        );
        let d = e.driver(&verdict(Some(Reason::Stuck), 1)).unwrap();
        assert_eq!((d.predictor, d.share), (Predictor::Lag(1), 1.0));
        // Channel 0 was predicted exactly: no part is positive, no driver; out of range.
        assert_eq!(e.driver(&verdict(None, 0)), None);
        assert_eq!(e.driver(&verdict(None, 2)), None);
        assert_eq!(e.misses(), [0.0, 10.0]);
    }
}
