//! Kind 3: the Gaussian GLNs ([`GaussianGln1`] to [`GaussianGln4`]), any depth and heads.
//!
//! The same layout as a Bernoulli GLN (kind 1) but for the configuration: shape `depth, D, B,
//! K, C, N, width_1 .. width_depth`; body: seed, step count, a [`GaussianConfig`] (48 bytes),
//! the hyperplane hash, then the weights in `for_each_weight` order. The hyperplanes are
//! redrawn from the seed on load and checked against the hash. A Gaussian GLN has no derived
//! state: the bytes are its whole state.

use super::{
    Body, GLN_SHAPE_NAMES, Record, SHAPE_WORDS, Sink, Source, Values, check_gated_body, gln_shape,
    kind, put_f32, put_u32, put_u64, read_learning_rate, sealed, write_learning_rate,
};
use crate::error::Error;
use crate::gaussian::{GaussianConfig, GaussianGln1, GaussianGln2, GaussianGln3, GaussianGln4};
use crate::hash::Fnv1a;
use crate::persist::PersistError;

/// Bytes of a saved [`GaussianConfig`].
pub(crate) const CONFIG_BYTES: usize = 48;

/// Bytes of the fixed part of a Gaussian GLN body: seed, steps, config, plane hash.
pub(crate) const FIXED_BYTES: usize = 8 + 8 + CONFIG_BYTES + 8;

/// Writes a [`GaussianConfig`]: `sigma2_min`, `sigma2_max`, `beta`, `mean_bound` (`f32`), the
/// learning rate (24 bytes, as in a Bernoulli GLN's config), `normalized` (`u32`, 0 or 1),
/// `offset_std` (`f32`).
fn write_config<S: Sink>(out: &mut S, c: &GaussianConfig) -> Result<(), S::Error> {
    for v in [c.sigma2_min, c.sigma2_max, c.beta, c.mean_bound] {
        put_f32(out, v)?;
    }
    write_learning_rate(out, &c.learning_rate)?;
    put_u32(out, u32::from(c.normalized))?;
    put_f32(out, c.offset_std)
}

/// Reads a [`GaussianConfig`]; `Ok(Err)` for an unknown tag, a non-zero unused parameter,
/// or a configuration that [`GaussianConfig::check`] rejects.
fn read_config<S: Source>(
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

/// Reads the fixed part of a checked body: seed, steps, config (skipping the hash).
fn read_fixed<S: Source>(input: &mut Body<'_, S>) -> Result<(u64, u64, GaussianConfig), S::Error> {
    let seed = input.u64()?;
    let steps = input.u64()?;
    // Checked already: a config that fails here cannot happen; fall back to the default.
    let config = read_config(input)?.unwrap_or(GaussianConfig::DEFAULT);
    let _hash = input.u64()?;
    Ok((seed, steps, config))
}

macro_rules! gaussian_record {
    ($Net:ident, [$($H:ident),*]) => {
        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > sealed::Sealed for $Net<D, B, $($H,)* K, C, N> {}

        impl<
            const D: usize,
            const B: usize,
            $(const $H: usize,)*
            const K: usize,
            const C: usize,
            const N: usize,
        > Record for $Net<D, B, $($H,)* K, C, N> {
            const KIND: u16 = kind::GAUSSIAN_GLN;
            const SHAPE: [u32; SHAPE_WORDS] = gln_shape(D, B, K, C, N, &[$($H,)* 1]);
            const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = GLN_SHAPE_NAMES;
            const BODY_BYTES: usize = FIXED_BYTES + 4 * Self::WEIGHTS;

            fn write_body<S: Sink>(&self, out: &mut S) -> Result<(), S::Error> {
                put_u64(out, self.seed())?;
                put_u64(out, self.steps())?;
                write_config(out, self.config())?;
                let mut h = Fnv1a::new();
                self.for_each_plane_value(&mut |v| h.write_f32(v));
                put_u64(out, h.finish())?;
                let mut result = Ok(());
                self.for_each_weight(|w| {
                    if result.is_ok() {
                        result = put_f32(out, w);
                    }
                });
                result
            }

            fn check_body<S: Source>(
                input: &mut Body<'_, S>,
            ) -> Result<Result<(), Error>, S::Error> {
                check_gated_body::<D, S>(input, &[$($H,)* 1], K, Self::WEIGHTS, |input| {
                    Ok(read_config(input)?.map(|c| (c.beta, c.offset_std)))
                })
            }

            fn apply_body<S: Source>(&mut self, input: &mut Body<'_, S>) -> Result<(), S::Error> {
                let (seed, steps, config) = read_fixed(input)?;
                let mut values = Values::new(input);
                self.restore(seed, config, steps, &mut || values.next());
                values.finish()
            }

            fn blank() -> Self {
                Self::new(0, GaussianConfig::DEFAULT)
            }
        }
    };
}

gaussian_record!(GaussianGln1, []);
gaussian_record!(GaussianGln2, [H1]);
gaussian_record!(GaussianGln3, [H1, H2]);
gaussian_record!(GaussianGln4, [H1, H2, H3]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LearningRate, Schedule, StepScale};
    use crate::gaussian::GaussianInput;
    use crate::persist::{Persist, crc32, le_u16, le_u32};

    #[test]
    fn header_and_body_are_where_the_docs_say() {
        type M = GaussianGln2<3, 3, 4, 2, 4>;
        let config = GaussianConfig::DEFAULT
            .with_variance_bounds(0.02, 50.0)
            .with_beta(7.0)
            .with_mean_bound(30.0)
            .with_normalized(false)
            .with_offset_std(0.25)
            .with_learning_rate(LearningRate {
                schedule: Schedule::InverseTime { c: 3.0, max: 0.5 },
                floor: 0.001,
                scale: StepScale::HiddenFanIn { reference: 8.0 },
            });
        let mut m = M::new(0x0123_4567_89AB_CDEF, config);
        let z = [0.5f32, -1.0, 2.0];
        m.learn(&GaussianInput::from_side(&z, 1.0).unwrap(), 0.75)
            .unwrap();
        let mut b = [0u8; M::SAVED_BYTES];
        assert_eq!(M::SAVED_BYTES, 140 + 4 * M::WEIGHTS);
        assert_eq!(m.save(&mut b), Ok(M::SAVED_BYTES));
        assert_eq!(&b[0..4], b"GLNm");
        assert_eq!(le_u16(&b, 4), 1);
        assert_eq!(le_u16(&b, 6), kind::GAUSSIAN_GLN);
        assert_eq!(le_u32(&b, 8) as usize, M::SAVED_BYTES);
        let shape: std::vec::Vec<u32> = (0..12).map(|i| le_u32(&b, 16 + 4 * i)).collect();
        assert_eq!(shape, [2, 3, 3, 2, 4, 1, 4, 1, 0, 0, 0, 0]);
        assert_eq!(&b[64..72], &0x0123_4567_89AB_CDEFu64.to_le_bytes());
        assert_eq!(&b[72..80], &1u64.to_le_bytes());
        let f = |at: usize| f32::from_bits(le_u32(&b, at));
        assert_eq!((f(80), f(84), f(88), f(92)), (0.02, 50.0, 7.0, 30.0));
        assert_eq!(le_u32(&b, 96), 1);
        assert_eq!((f(100), f(104), f(108)), (3.0, 0.5, 0.0));
        assert_eq!((f(112), f(116)), (0.001, 8.0));
        assert_eq!(le_u32(&b, 120), 0);
        assert_eq!(f(124), 0.25);
        let mut h = Fnv1a::new();
        m.for_each_plane_value(&mut |v| h.write_f32(v));
        assert_eq!(&b[128..136], &h.finish().to_le_bytes());
        let mut weights = std::vec::Vec::new();
        m.for_each_weight(|w| weights.push(w.to_bits()));
        let stored: std::vec::Vec<u32> = (0..M::WEIGHTS).map(|i| le_u32(&b, 136 + 4 * i)).collect();
        assert_eq!(stored, weights);
        let n = M::SAVED_BYTES;
        assert_eq!(le_u32(&b, n - 4), crc32(&b[..n - 4]));
        // The same weights as a Bernoulli GLN would not load as one, nor the reverse.
        assert!(matches!(
            crate::Gln2::<3, 3, 4, 2, 4>::check(&b),
            Err(Error::Persist(PersistError::WrongKind {
                expected: 1,
                found: 3
            }))
        ));
    }
}
