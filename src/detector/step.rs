//! One channel's step through a reading: prepared (scale, standardised value, model input),
//! predicted (its NLL and expected value), scored and its stuck test; `update` and the
//! explanation share it.

use super::channel::{Channel, TEMPORAL};
use super::score::{self, ChannelScore};
use crate::gaussian::{Gaussian, GaussianInput, GaussianNetwork};
use crate::math::{clamp, sqrt};

/// One channel's step through a reading, prepared: its scale, standardised value, model
/// input (side information, base means and variances) and its own base predictions (raw
/// units, which its error variances learn from).
#[derive(Clone, Copy, Debug)]
pub(super) struct Prepared<const D: usize, const B: usize> {
    pub(super) scale: f32,
    pub(super) z: f32,
    pub(super) side: [f32; D],
    pub(super) means: [f32; B],
    pub(super) vars: [f32; B],
    pub(super) experts: [f32; TEMPORAL],
}

impl<const D: usize, const B: usize> Prepared<D, B> {
    pub(super) const NONE: Self = Self {
        scale: 1.0,
        z: 0.0,
        side: [0.0; D],
        means: [0.0; B],
        vars: [0.0; B],
        experts: [0.0; TEMPORAL],
    };

    pub(super) fn input(&self) -> Option<GaussianInput<'_, D, B>> {
        // Cannot fail: every value is finite or a `+∞` variance.
        GaussianInput::with_variances(&self.side, &self.means, &self.vars).ok()
    }

    /// The channel's prediction (before learning, which it does unless `learn` is false,
    /// robustly at `clip` σ), its NLL and the expected value in raw units. `None` if the
    /// input cannot be built (it always can).
    pub(super) fn predict<M: GaussianNetwork<D, B, 1>>(
        &self,
        model: &mut M,
        ch: &Channel,
        learn: bool,
        clip: f32,
    ) -> Option<Predicted> {
        let input = self.input()?;
        let zc = self.z;
        let [p] = if learn {
            match model.learn_with(&input, &mut |_, p| robust_target(zc, p, clip)) {
                Ok(before) => before,
                // Cannot happen: the target is finite. Score without learning.
                Err(_) => model.predict_all(&input),
            }
        } else {
            model.predict_all(&input)
        };
        let s = self.scale;
        Some(Predicted {
            nll: p.nll(zc),
            expected: Gaussian {
                mean: ch.mean() + p.mean * s,
                variance: p.variance * s * s,
            },
        })
    }
}

/// One channel's prediction of a reading: its NLL (nats) and the expected value.
#[derive(Clone, Copy, Debug)]
pub(super) struct Predicted {
    pub(super) nll: f32,
    pub(super) expected: Gaussian,
}

impl Predicted {
    pub(super) const NONE: Self = Self {
        nll: 0.0,
        expected: Gaussian {
            mean: 0.0,
            variance: 1.0,
        },
    };
}

/// One channel's step through a reading: prepared, predicted, scored (its calibrated
/// components, its instant score and its share of the score) and its stuck test; then
/// learned from and tracked.
#[derive(Clone, Copy, Debug)]
pub(super) struct Step<const D: usize, const B: usize> {
    pub(super) prepared: Prepared<D, B>,
    pub(super) predicted: Predicted,
    pub(super) comps: score::Components,
    pub(super) instant: f32,
    pub(super) contribution: f32,
    /// The channel's run of repeated values and whether it is stuck.
    pub(super) run: (u32, bool),
}

impl<const D: usize, const B: usize> Step<D, B> {
    pub(super) fn new(prepared: Prepared<D, B>) -> Self {
        Self {
            prepared,
            predicted: Predicted::NONE,
            comps: score::Components::default(),
            instant: 0.0,
            contribution: 0.0,
            run: (0, false),
        }
    }

    /// Predicts (and learns, unless `learn` is false) with the channel's model; a channel
    /// whose input cannot be built (it always can) keeps [`Predicted::NONE`].
    pub(super) fn predict<M: GaussianNetwork<D, B, 1>>(
        &mut self,
        model: &mut M,
        ch: &Channel,
        learn: bool,
        clip: f32,
    ) {
        if let Some(q) = self.prepared.predict(model, ch, learn, clip) {
            self.predicted = q;
        }
    }

    /// Scores the prediction with the channel's calibration `cs` (`n` readings calibrated).
    pub(super) fn score(&mut self, cs: &ChannelScore, n: u32, mix: &score::Mix) {
        self.comps = cs.components(self.predicted.nll, self.prepared.z, n, mix);
        self.instant = ChannelScore::instant(&self.comps);
        self.contribution = cs.value(&self.comps, mix);
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
