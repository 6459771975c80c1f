//! What a model is configured with at construction: clipping, learning rate, initial weights.

use crate::Error;

/// How the learning rate `η_t` changes with the step count `t` (1 for the first `learn`).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Schedule {
    /// `η_t = eta`: keeps adapting forever (drifting streams; O(s√T) switching regret).
    Constant {
        /// The rate.
        eta: f32,
    },
    /// `η_t = min(max, c / t)`: converges on a stationary stream.
    InverseTime {
        /// Numerator.
        c: f32,
        /// Cap for the first steps.
        max: f32,
    },
    /// `η_t = min(max, a / (1 + b t))` (the form of the authors' MNIST example).
    Hyperbolic {
        /// Numerator.
        a: f32,
        /// Decay per step.
        b: f32,
        /// Cap.
        max: f32,
    },
}

/// How a layer's step is scaled relative to the schedule's `η_t`.
///
/// A neuron's update moves its output logit by `η (p − y) ‖x‖²`, so the same `η` is a much
/// larger step for a neuron with many large inputs (a wide hidden layer, whose inputs are
/// confident logits near `±logit(1 − eps)`) than for one with few small inputs. Scaling makes
/// that part of the schedule instead of a per-shape accident.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum StepScale {
    /// Every layer learns at `η_t`.
    None,
    /// Layers after the first learn at `η_t · min(1, reference / m)`, `m` being their number
    /// of inputs (bias included); the first layer learns at `η_t`. Measured on MNIST: the
    /// hidden layers stay stable while `η_t · min(m, reference)` is below about 0.5 (a
    /// `[16, 16, 1]` network at `η = 0.05` reaches 96.8% with `reference = 5` and 94.3%
    /// without scaling).
    HiddenFanIn {
        /// The fan-in up to which no scaling applies.
        reference: f32,
    },
}

/// The learning rate of a model: a [`Schedule`], a floor, and the step scaling per layer.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LearningRate {
    /// The base rate as a function of the step count.
    pub schedule: Schedule,
    /// `η_t` never goes below this, so a decaying schedule keeps tracking slow drift
    /// (0 disables it).
    pub floor: f32,
    /// How each layer's step is scaled.
    pub scale: StepScale,
}

impl LearningRate {
    /// A constant rate, no floor, no scaling.
    pub const fn constant(eta: f32) -> Self {
        Self {
            schedule: Schedule::Constant { eta },
            floor: 0.0,
            scale: StepScale::None,
        }
    }

    /// The base rate `η_t` at step `t` (before scaling).
    pub fn at(&self, t: u64) -> f32 {
        // `t` as f32 only where a schedule needs it, through u32 when it fits: the same value
        // (both conversions round to nearest), without a 64-bit software conversion on Arm.
        let t = || match u32::try_from(t) {
            Ok(t) => t as f32,
            Err(_) => t as f32,
        };
        let eta = match self.schedule {
            Schedule::Constant { eta } => eta,
            Schedule::InverseTime { c, max } => min(max, c / t()),
            Schedule::Hyperbolic { a, b, max } => min(max, a / (1.0 + b * t())),
        };
        if eta < self.floor { self.floor } else { eta }
    }

    /// The rate of layer `layer` (0 for the first) whose neurons have `m` inputs (bias
    /// included), given the schedule's `η_t`.
    pub fn for_layer(&self, eta: f32, layer: usize, m: usize) -> f32 {
        match self.scale {
            StepScale::None => eta,
            StepScale::HiddenFanIn { reference } => {
                let m = m as f32;
                if layer > 0 && reference < m {
                    eta * (reference / m)
                } else {
                    eta
                }
            }
        }
    }

    pub(crate) const fn check(&self) -> Result<(), Error> {
        let ok = match self.schedule {
            Schedule::Constant { eta } => nonneg(eta),
            Schedule::InverseTime { c, max } => nonneg(c) && nonneg(max),
            Schedule::Hyperbolic { a, b, max } => nonneg(a) && nonneg(b) && nonneg(max),
        };
        if !ok {
            return Err(Error::InvalidConfig(
                "learning-rate parameters must be finite and >= 0",
            ));
        }
        if !nonneg(self.floor) {
            return Err(Error::InvalidConfig(
                "learning-rate floor must be finite and >= 0",
            ));
        }
        match self.scale {
            StepScale::None => {}
            StepScale::HiddenFanIn { reference } => {
                if !(reference > 0.0 && reference < f32::INFINITY) {
                    return Err(Error::InvalidConfig(
                        "step-scale reference must be finite and > 0",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The weights every row starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WeightInit {
    /// All weights 0 (the authors' choice): the first prediction is 1/2. A zero model sits in
    /// `.bss` and costs no flash on a board.
    Zero,
    /// Every weight `1/m` for a neuron with `m` inputs (pygln's choice): each neuron starts at
    /// the geometric mean of its inputs. Non-zero, so a `static` model of this kind is stored
    /// in flash (`.data`) as well as RAM.
    Average,
}

/// Construction-time settings of a Bernoulli GLN. [`Config::DEFAULT`] holds the defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// Input clipping: every probability entering a neuron is clipped to `[eps, 1 - eps]`,
    /// i.e. every input logit to `±logit(1 - eps)`. A neuron whose output is outside
    /// `(eps, 1 - eps)` is saturated and not updated. In `(0, 0.5)`, and large enough that
    /// `1 - eps < 1` in `f32` (about `3e-8`).
    pub eps: f32,
    /// Weight clipping: every weight stays in `[-beta, beta]`. In `(0, MAX_BETA]`, and at
    /// least 0.5 with [`WeightInit::Average`] (so the initial weights are in the box).
    pub beta: f32,
    /// The learning-rate schedule.
    pub learning_rate: LearningRate,
    /// The starting weights.
    pub init: WeightInit,
    /// Standard deviation of the hyperplane offsets `b` (the directions are unit vectors, so
    /// this is in units of the standardised side information). 0 puts every hyperplane
    /// through the origin.
    pub offset_std: f32,
}

impl Config {
    /// The largest `beta` [`Config::check`] accepts. With every weight in `[-beta, beta]` and
    /// every input logit within `±logit(1 - eps) ≤ ±17`, a neuron's logit is at most
    /// `(inputs + 1) · 17 · beta`, which stays finite in `f32` for any model that fits in
    /// memory, so no sum can overflow to infinity or NaN.
    pub const MAX_BETA: f32 = 1e9;

    /// The defaults: `eps = 0.01` (the authors'), `beta = 5` (pygln's; on MNIST 50 gives the
    /// same bits: the box rarely binds), a constant rate of 0.02 (keeps adapting, suits a
    /// drifting sensor) with hidden layers scaled beyond 8 inputs ([`StepScale::HiddenFanIn`]),
    /// weights starting at `1/m`, hyperplane offsets with std 0.05.
    pub const DEFAULT: Config = Config {
        eps: 0.01,
        beta: 5.0,
        learning_rate: LearningRate {
            schedule: Schedule::Constant { eta: 0.02 },
            floor: 0.0,
            scale: StepScale::HiddenFanIn { reference: 8.0 },
        },
        init: WeightInit::Average,
        offset_std: 0.05,
    };

    /// The same configuration with another learning rate.
    pub const fn with_learning_rate(mut self, learning_rate: LearningRate) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// The same configuration with another `eps`.
    pub const fn with_eps(mut self, eps: f32) -> Self {
        self.eps = eps;
        self
    }

    /// The same configuration with another `beta`.
    pub const fn with_beta(mut self, beta: f32) -> Self {
        self.beta = beta;
        self
    }

    /// The same configuration with another weight initialisation.
    pub const fn with_init(mut self, init: WeightInit) -> Self {
        self.init = init;
        self
    }

    /// The same configuration with another hyperplane offset spread.
    pub const fn with_offset_std(mut self, offset_std: f32) -> Self {
        self.offset_std = offset_std;
        self
    }

    /// `Ok(())` if every value is in its documented range.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first value out of range.
    pub const fn check(&self) -> Result<(), Error> {
        if !(self.eps > 0.0 && self.eps < 0.5) {
            return Err(Error::InvalidConfig("eps must be in (0, 0.5)"));
        }
        // Below about 3e-8, `1 - eps` rounds to 1 in f32: the logit bound is infinite, no
        // input is clipped, and `0 * inf` would make NaN predictions.
        if !(1.0 - self.eps < 1.0) {
            return Err(Error::InvalidConfig(
                "eps must be at least 3e-8 (1 - eps must be below 1 in f32)",
            ));
        }
        if !(self.beta > 0.0 && self.beta <= Self::MAX_BETA) {
            return Err(Error::InvalidConfig(
                "beta must be > 0 and at most Config::MAX_BETA (1e9)",
            ));
        }
        if matches!(self.init, WeightInit::Average) && self.beta < 0.5 {
            return Err(Error::InvalidConfig(
                "beta must be at least 0.5 with WeightInit::Average (weights start at up to 1/2)",
            ));
        }
        if !nonneg(self.offset_std) {
            return Err(Error::InvalidConfig("offset_std must be finite and >= 0"));
        }
        self.learning_rate.check()
    }

    /// `logit(1 - eps)`: the bound on every input logit and the saturation threshold.
    pub fn logit_bound(&self) -> f32 {
        crate::math::logit(1.0 - self.eps)
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}

const fn nonneg(x: f32) -> bool {
    x >= 0.0 && x < f32::INFINITY
}

fn min(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_follow_their_formulas() {
        let c = LearningRate::constant(0.02);
        assert_eq!(c.at(1), 0.02);
        assert_eq!(c.at(1_000_000), 0.02);

        let inv = LearningRate {
            schedule: Schedule::InverseTime {
                c: 100.0,
                max: 0.01,
            },
            floor: 0.0,
            scale: StepScale::None,
        };
        assert_eq!(inv.at(1), 0.01);
        assert_eq!(inv.at(10_000), 0.01);
        assert_eq!(inv.at(20_000), 100.0 / 20_000.0);

        let hyp = LearningRate {
            schedule: Schedule::Hyperbolic {
                a: 1.0,
                b: 0.1,
                max: 0.003,
            },
            floor: 1e-4,
            scale: StepScale::None,
        };
        assert_eq!(hyp.at(1), 0.003);
        assert_eq!(hyp.at(5000), 1.0 / (1.0 + 0.1 * 5000.0));
        // The floor takes over once the decay goes below it.
        assert_eq!(hyp.at(1_000_000), 1e-4);
    }

    #[test]
    fn step_scaling() {
        let mut lr = LearningRate::constant(0.1);
        assert_eq!(lr.for_layer(0.1, 1, 785), 0.1);
        lr.scale = StepScale::HiddenFanIn { reference: 10.0 };
        assert_eq!(lr.for_layer(0.1, 0, 785), 0.1);
        assert_eq!(lr.for_layer(0.1, 1, 5), 0.1);
        assert_eq!(lr.for_layer(0.1, 2, 40), 0.1 * 0.25);
    }

    #[test]
    fn check_rejects_each_bad_value() {
        assert_eq!(Config::DEFAULT.check(), Ok(()));
        let bad = [
            Config::DEFAULT.with_eps(0.0),
            Config::DEFAULT.with_eps(0.5),
            Config::DEFAULT.with_eps(f32::NAN),
            Config::DEFAULT.with_beta(0.0),
            Config::DEFAULT.with_beta(f32::INFINITY),
            Config::DEFAULT.with_beta(2e9),
            Config::DEFAULT.with_beta(0.25),
            Config::DEFAULT.with_eps(1e-8),
            Config::DEFAULT.with_eps(f32::from_bits(1)),
            Config::DEFAULT.with_offset_std(-1.0),
            Config::DEFAULT.with_learning_rate(LearningRate::constant(f32::NAN)),
            Config::DEFAULT.with_learning_rate(LearningRate::constant(-0.1)),
            Config::DEFAULT.with_learning_rate(LearningRate {
                scale: StepScale::HiddenFanIn { reference: 0.0 },
                ..LearningRate::constant(0.1)
            }),
        ];
        for c in bad {
            assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        }
        // The edges that are accepted.
        let good = [
            Config::DEFAULT.with_eps(3e-8),
            Config::DEFAULT.with_beta(Config::MAX_BETA),
            Config::DEFAULT.with_beta(0.5),
            Config::DEFAULT.with_init(WeightInit::Zero).with_beta(1e-30),
        ];
        for c in good {
            assert_eq!(c.check(), Ok(()), "{c:?}");
            assert!(c.logit_bound().is_finite() && c.logit_bound() < 17.0);
        }
    }

    #[test]
    fn logit_bound_of_the_default() {
        let l = Config::DEFAULT.logit_bound();
        assert!((l - 4.59512).abs() < 1e-4, "{l}");
    }
}
