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

/// The learning rate of a model: a [`Schedule`], a floor, and the scaling by fan-in.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LearningRate {
    /// The base rate as a function of the step count.
    pub schedule: Schedule,
    /// `η_t` never goes below this, so a decaying schedule keeps tracking slow drift
    /// (0 disables it).
    pub floor: f32,
    /// Fan-in scaling: a layer whose neurons have `m` inputs (bias included) learns at
    /// `η_t · min(1, fan_in_ref / m)`. The step of a neuron's logit grows with the number of
    /// its inputs, so wide layers need smaller rates; this makes that part of the schedule
    /// instead of a per-shape accident. `f32::INFINITY` disables it.
    pub fan_in_ref: f32,
}

impl LearningRate {
    /// A constant rate, no floor, no fan-in scaling.
    pub const fn constant(eta: f32) -> Self {
        Self {
            schedule: Schedule::Constant { eta },
            floor: 0.0,
            fan_in_ref: f32::INFINITY,
        }
    }

    /// The base rate `η_t` at step `t` (before fan-in scaling).
    pub fn at(&self, t: u64) -> f32 {
        let t = t as f32;
        let eta = match self.schedule {
            Schedule::Constant { eta } => eta,
            Schedule::InverseTime { c, max } => min(max, c / t),
            Schedule::Hyperbolic { a, b, max } => min(max, a / (1.0 + b * t)),
        };
        if eta < self.floor { self.floor } else { eta }
    }

    /// The factor applied to a layer whose neurons have `m` inputs (bias included).
    pub fn fan_in_scale(&self, m: usize) -> f32 {
        let m = m as f32;
        if self.fan_in_ref < m {
            self.fan_in_ref / m
        } else {
            1.0
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
        if !(self.fan_in_ref > 0.0) {
            return Err(Error::InvalidConfig(
                "fan_in_ref must be > 0 (INFINITY disables it)",
            ));
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
pub struct Config {
    /// Input clipping: every probability entering a neuron is clipped to `[eps, 1 - eps]`,
    /// i.e. every input logit to `±logit(1 - eps)`. A neuron whose output is outside
    /// `(eps, 1 - eps)` is saturated and not updated. In `(0, 0.5)`.
    pub eps: f32,
    /// Weight clipping: every weight stays in `[-beta, beta]`. Finite, `> 0`.
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
    /// The defaults: `eps = 0.01`, `beta = 5`, a constant rate of 0.01 scaled by fan-in
    /// beyond 100 inputs, weights starting at `1/m`, hyperplane offsets with std 0.05.
    pub const DEFAULT: Config = Config {
        eps: 0.01,
        beta: 5.0,
        learning_rate: LearningRate {
            schedule: Schedule::Constant { eta: 0.01 },
            floor: 0.0,
            fan_in_ref: f32::INFINITY,
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
        if !(self.beta > 0.0 && self.beta < f32::INFINITY) {
            return Err(Error::InvalidConfig("beta must be finite and > 0"));
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
            fan_in_ref: f32::INFINITY,
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
            fan_in_ref: f32::INFINITY,
        };
        assert_eq!(hyp.at(1), 0.003);
        assert_eq!(hyp.at(5000), 1.0 / (1.0 + 0.1 * 5000.0));
        // The floor takes over once the decay goes below it.
        assert_eq!(hyp.at(1_000_000), 1e-4);
    }

    #[test]
    fn fan_in_scaling() {
        let mut lr = LearningRate::constant(0.1);
        assert_eq!(lr.fan_in_scale(785), 1.0);
        lr.fan_in_ref = 10.0;
        assert_eq!(lr.fan_in_scale(5), 1.0);
        assert_eq!(lr.fan_in_scale(10), 1.0);
        assert_eq!(lr.fan_in_scale(40), 0.25);
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
            Config::DEFAULT.with_offset_std(-1.0),
            Config::DEFAULT.with_learning_rate(LearningRate::constant(f32::NAN)),
            Config::DEFAULT.with_learning_rate(LearningRate::constant(-0.1)),
            Config::DEFAULT.with_learning_rate(LearningRate {
                fan_in_ref: 0.0,
                ..LearningRate::constant(0.1)
            }),
        ];
        for c in bad {
            assert!(matches!(c.check(), Err(Error::InvalidConfig(_))), "{c:?}");
        }
    }

    #[test]
    fn logit_bound_of_the_default() {
        let l = Config::DEFAULT.logit_bound();
        assert!((l - 4.59512).abs() < 1e-4, "{l}");
    }
}
