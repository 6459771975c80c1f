//! The configurations' bytes: a [`Config`] (40 bytes) and a [`GaussianConfig`] (48 bytes),
//! both with the same 24-byte learning rate (see `docs/format.md`).

use crate::config::{Config, LearningRate, Schedule, StepScale, WeightInit};
use crate::error::Error;
use crate::gaussian::GaussianConfig;
use crate::net::ModelConfig;
use crate::persist::format::{Body, PersistError, Sink, Source, kind, put_f32, put_u32};

/// A configuration as the record of a [`Net`](crate::net::Net) stores it.
pub(crate) trait ConfigRecord: ModelConfig + Sized {
    /// The record kind of the models with this configuration.
    const KIND: u16;
    /// Bytes of the configuration.
    const BYTES: usize;
    /// A valid configuration (what a checked record that fails to re-read falls back to).
    const FALLBACK: Self;
    /// Writes the configuration.
    fn write<S: Sink>(&self, out: &mut S) -> Result<(), S::Error>;
    /// Reads a configuration; `Ok(Err)` for a bad tag or a configuration that its check
    /// rejects.
    fn read<S: Source>(input: &mut Body<'_, S>) -> Result<Result<Self, Error>, S::Error>;
}

impl ConfigRecord for Config {
    const KIND: u16 = kind::BERNOULLI_GLN;
    const BYTES: usize = 40;
    const FALLBACK: Self = Config::DEFAULT;
    fn write<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
        write_bernoulli(out, self)
    }
    fn read<S: Source>(input: &mut Body<'_, S>) -> Result<Result<Self, Error>, S::Error> {
        read_bernoulli(input)
    }
}

impl ConfigRecord for GaussianConfig {
    const KIND: u16 = kind::GAUSSIAN_GLN;
    const BYTES: usize = 48;
    const FALLBACK: Self = GaussianConfig::DEFAULT;
    fn write<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
        write_gaussian(out, self)
    }
    fn read<S: Source>(input: &mut Body<'_, S>) -> Result<Result<Self, Error>, S::Error> {
        read_gaussian(input)
    }
}

/// Writes a learning rate (24 bytes): schedule tag (`u32`: 0 constant, 1 inverse-time, 2
/// hyperbolic), its three parameters (unused ones `+0.0`), the floor, and the step scale
/// (`+inf` for none, else the hidden fan-in reference).
pub(crate) fn write_learning_rate<S: Sink>(out: &mut S, lr: &LearningRate) -> Result<(), S::Error> {
    let (tag, p) = match lr.schedule {
        Schedule::Constant { eta } => (0, [eta, 0.0, 0.0]),
        Schedule::InverseTime { c, max } => (1, [c, max, 0.0]),
        Schedule::Hyperbolic { a, b, max } => (2, [a, b, max]),
    };
    put_u32(out, tag)?;
    for v in p {
        put_f32(out, v)?;
    }
    put_f32(out, lr.floor)?;
    put_f32(
        out,
        match lr.scale {
            StepScale::None => f32::INFINITY,
            StepScale::HiddenFanIn { reference } => reference,
        },
    )
}

/// Reads what [`write_learning_rate`] wrote; `Ok(Err)` for an unknown tag or a non-zero
/// unused parameter (the values themselves are checked with the configuration).
pub(crate) fn read_learning_rate<S: Source>(
    input: &mut Body<'_, S>,
) -> Result<Result<LearningRate, Error>, S::Error> {
    let tag_at = input.offset();
    let tag = input.u32()?;
    let p_at = input.offset();
    let p = [input.f32()?, input.f32()?, input.f32()?];
    let floor = input.f32()?;
    let scale_ref = input.f32()?;
    let bad = |offset, what| Err(PersistError::BadValue { offset, what }.into());
    let unused = |p: &[f32]| p.iter().all(|v| v.to_bits() == 0);
    let schedule = match (tag, p) {
        (0, [eta, ..]) if unused(p.get(1..).unwrap_or(&[])) => Schedule::Constant { eta },
        (1, [c, max, _]) if unused(p.get(2..).unwrap_or(&[])) => Schedule::InverseTime { c, max },
        (2, [a, b, max]) => Schedule::Hyperbolic { a, b, max },
        (0..=2, _) => return Ok(bad(p_at, "unused schedule parameter is not zero")),
        _ => return Ok(bad(tag_at, "unknown learning-rate schedule")),
    };
    Ok(Ok(LearningRate {
        schedule,
        floor,
        scale: if scale_ref == f32::INFINITY {
            StepScale::None
        } else {
            StepScale::HiddenFanIn {
                reference: scale_ref,
            }
        },
    }))
}

fn write_bernoulli<S: Sink>(out: &mut S, c: &Config) -> Result<(), S::Error> {
    put_f32(out, c.eps)?;
    put_f32(out, c.beta)?;
    write_learning_rate(out, &c.learning_rate)?;
    put_u32(
        out,
        match c.init {
            WeightInit::Zero => 0,
            WeightInit::Average => 1,
        },
    )?;
    put_f32(out, c.offset_std)
}

/// Reads a config; `Ok(Err)` for an unknown tag, a non-zero unused parameter, or a config
/// that [`Config::check`] rejects.
fn read_bernoulli<S: Source>(input: &mut Body<'_, S>) -> Result<Result<Config, Error>, S::Error> {
    let eps = input.f32()?;
    let beta = input.f32()?;
    let learning_rate = read_learning_rate(input)?;
    let init_at = input.offset();
    let init = input.u32()?;
    let offset_std = input.f32()?;
    let learning_rate = match learning_rate {
        Ok(lr) => lr,
        Err(e) => return Ok(Err(e)),
    };
    let init = match init {
        0 => WeightInit::Zero,
        1 => WeightInit::Average,
        _ => {
            return Ok(Err(PersistError::BadValue {
                offset: init_at,
                what: "unknown weight initialisation",
            }
            .into()));
        }
    };
    let config = Config {
        eps,
        beta,
        learning_rate,
        init,
        offset_std,
    };
    Ok(config.check().map(|()| config))
}

fn write_gaussian<S: Sink>(out: &mut S, c: &GaussianConfig) -> Result<(), S::Error> {
    for v in [c.sigma2_min, c.sigma2_max, c.beta, c.mean_bound] {
        put_f32(out, v)?;
    }
    write_learning_rate(out, &c.learning_rate)?;
    put_u32(out, u32::from(c.normalized))?;
    put_f32(out, c.offset_std)
}

/// Reads a [`GaussianConfig`]; `Ok(Err)` for an unknown tag, a non-zero unused parameter,
/// or a configuration that [`GaussianConfig::check`] rejects.
fn read_gaussian<S: Source>(
    input: &mut Body<'_, S>,
) -> Result<Result<GaussianConfig, Error>, S::Error> {
    let sigma2_min = input.f32()?;
    let sigma2_max = input.f32()?;
    let beta = input.f32()?;
    let mean_bound = input.f32()?;
    let learning_rate = read_learning_rate(input)?;
    let normalized_at = input.offset();
    let normalized = input.u32()?;
    let offset_std = input.f32()?;
    let learning_rate = match learning_rate {
        Ok(lr) => lr,
        Err(e) => return Ok(Err(e)),
    };
    let normalized = match normalized {
        0 => false,
        1 => true,
        _ => {
            return Ok(Err(PersistError::BadValue {
                offset: normalized_at,
                what: "normalized flag is neither 0 nor 1",
            }
            .into()));
        }
    };
    let config = GaussianConfig {
        sigma2_min,
        sigma2_max,
        beta,
        mean_bound,
        learning_rate,
        normalized,
        offset_std,
    };
    Ok(config.check().map(|()| config))
}
