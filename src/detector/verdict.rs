//! What the detector says about a reading: [`Verdict`] and [`Reason`].

use crate::gaussian::Gaussian;

/// What the detector says about one reading.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Verdict<const CH: usize> {
    /// The anomaly score (higher is more anomalous; 0 while warming up): for each channel,
    /// the surprise of its prediction and of its level, each standardised by its own running
    /// location and spread and smoothed, summed over channels (see [`DetectorConfig`](super::DetectorConfig)).
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
    /// The joint view's share of the score: how far this reading, all channels at once,
    /// lies from the remembered normal readings, in usual upper spreads (0 with one channel
    /// and while warming up; see [`Reason::Joint`]).
    pub joint: f32,
    /// The predicted value of each channel, in its own units (mean and variance).
    pub expected: [Gaussian; CH],
}

/// Why a reading is flagged. Each test has its own adaptive threshold (streaming quantiles
/// of its recent values, see [`DetectorConfig`](super::DetectorConfig)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
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
    /// The channels together are unlike every remembered normal reading, though each may
    /// look usual alone: two sensors that always moved together now disagree (the joint
    /// view, two channels or more).
    Joint,
}

impl Reason {
    /// A one-word name for logs: `surprise`, `predictability`, `level`, `stuck`, `joint`.
    /// `Reason` is `#[non_exhaustive]`, so code outside the crate matches it with a wildcard
    /// arm; this names every reason, new ones included.
    pub const fn name(self) -> &'static str {
        match self {
            Reason::Surprise => "surprise",
            Reason::Predictability => "predictability",
            Reason::Level => "level",
            Reason::Stuck => "stuck",
            Reason::Joint => "joint",
        }
    }
}

impl core::fmt::Display for Reason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}
