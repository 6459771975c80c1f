//! Kinds 1 and 3: every [`Net`], of either family and any depth, written once. The shape
//! words `depth, D, B, K, C, N, width_1 .. width_depth` come from the layer stack; the body
//! is the seed, the step count, the family's configuration, the hash of the hyperplanes, and
//! the weights in `for_each_weight` order (see `docs/format.md`).

use crate::error::Error;
use crate::hash::Fnv1a;
use crate::net::{Family, GateStack, MAX_DEPTH, ModelConfig, Net, Stack};
use crate::persist::config::ConfigRecord;
use crate::persist::format::{Body, PersistError, SHAPE_WORDS, Sink, Source, put_f32, put_u64};
use crate::persist::{Record, Values, sealed};
use crate::rng::SplitMix64;

const SHAPE_NAMES: [&str; SHAPE_WORDS] = [
    "depth",
    "D (side-information size)",
    "B (base-input size)",
    "K (halfspaces)",
    "C (contexts)",
    "N (heads)",
    "width 1",
    "width 2",
    "width 3",
    "width 4",
    "width 5",
    "width 6",
];

/// The shape words of a network. Only evaluated at compile time (for `Record::SHAPE`), where
/// an out-of-range index or an overflow is a build error.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn shape(head: [usize; 6], widths: &[usize; MAX_DEPTH]) -> [u32; SHAPE_WORDS] {
    const { assert!(6 + MAX_DEPTH == SHAPE_WORDS, "a width word for every layer") };
    let mut s = [0u32; SHAPE_WORDS];
    let mut i = 0;
    while i < 6 + MAX_DEPTH {
        let v = if i < 6 { head[i] } else { widths[i - 6] };
        assert!(v <= u32::MAX as usize, "shape parameter over u32::MAX");
        s[i] = v as u32;
        i += 1;
    }
    s
}

/// FNV-1a of the hyperplanes drawn from `seed` for layers of `widths` neurons, `K`
/// hyperplanes each, over `D` inputs, in drawing order.
fn drawn_planes_hash<F: Family, const D: usize>(
    seed: u64,
    offset_std: f32,
    widths: &[usize],
    k: usize,
) -> u64 {
    let mut rng = SplitMix64::new(seed);
    let mut h = Fnv1a::new();
    for &w in widths {
        F::for_each_drawn_plane::<D>(&mut rng, w.saturating_mul(k), offset_std, &mut |v| {
            h.write_f32(v)
        });
    }
    h.finish()
}

/// Checks the body of a gated network (Bernoulli or Gaussian): seed, step count, its
/// configuration (read by `read_config`, which returns the weight box `beta` and the
/// hyperplane offset spread of a valid one), the hyperplane hash, then `weights` weights over
/// layers of `widths` neurons with `k` hyperplanes each: every weight finite and within
/// `[-beta, beta]`, and the hash that of the hyperplanes this build draws from the seed.
pub(crate) fn check_gated_body<'a, F: Family, const D: usize, S: Source>(
    input: &mut Body<'a, S>,
    widths: &[usize],
    k: usize,
    weights: usize,
    read_config: impl FnOnce(&mut Body<'a, S>) -> Result<Result<(f32, f32), Error>, S::Error>,
) -> Result<Result<(), Error>, S::Error> {
    let seed = input.u64()?;
    let _steps = input.u64()?;
    let config = read_config(input)?;
    let stored_hash = input.u64()?;
    let mut first: Option<Error> = config.err();
    // Weights: finite and in the box (when the config is valid; else only finite).
    let beta = match config {
        Ok((beta, _)) => beta,
        Err(_) => f32::MAX,
    };
    for _ in 0..weights {
        let at = input.offset();
        let w = input.f32()?;
        if first.is_none() {
            if !w.is_finite() {
                first = Some(
                    PersistError::BadValue {
                        offset: at,
                        what: "weight is NaN or infinite",
                    }
                    .into(),
                );
            } else if !(crate::math::abs(w) <= beta) {
                first = Some(
                    PersistError::BadValue {
                        offset: at,
                        what: "weight is outside [-beta, beta]",
                    }
                    .into(),
                );
            } else if !F::holds_weight(w) {
                first = Some(
                    PersistError::BadValue {
                        offset: at,
                        what: "weight is not a value of the model's fixed-point format",
                    }
                    .into(),
                );
            }
        }
    }
    if let (None, Ok((_, offset_std))) = (&first, config)
        && drawn_planes_hash::<F, D>(seed, offset_std, widths, k) != stored_hash
    {
        first = Some(PersistError::PlanesMismatch.into());
    }
    Ok(match first {
        Some(e) => Err(e),
        None => Ok(()),
    })
}

impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> sealed::Sealed
    for Net<F, D, B, S, N>
where
    F::Config: ConfigRecord,
{
}

impl<F: Family, const D: usize, const B: usize, S: Stack<F, D, B>, const N: usize> Record
    for Net<F, D, B, S, N>
where
    F::Config: ConfigRecord,
{
    const KIND: u16 = match F::KIND {
        Some(kind) => kind,
        None => F::Config::KIND,
    };
    const SHAPE: [u32; SHAPE_WORDS] = shape([S::DEPTH, D, B, S::K, S::C, N], &S::WIDTHS);
    const SHAPE_NAMES: [&'static str; SHAPE_WORDS] = SHAPE_NAMES;
    const BODY_BYTES: usize = 8 + 8 + F::Config::BYTES + 8 + 4 * Self::WEIGHTS;

    fn write_body<W: Sink>(&self, out: &mut W) -> Result<(), W::Error> {
        put_u64(out, self.seed())?;
        put_u64(out, self.steps())?;
        self.config().write(out)?;
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

    fn check_body<R: Source>(
        input: &mut Body<'_, R>,
        _version: u16,
    ) -> Result<Result<(), Error>, R::Error> {
        let widths = S::WIDTHS;
        let widths = widths.get(..S::DEPTH).unwrap_or(&[]);
        check_gated_body::<F, D, R>(input, widths, S::K, Self::WEIGHTS, |input| {
            let config = F::Config::read(input)?;
            // `read` checks a configuration as its own kind does; a family with a kind of
            // its own (the integer GLN) adds its bounds (a constant branch: the `f32`
            // families' code is as before).
            let config = if F::KIND.is_some() {
                config.and_then(|c| F::check(&c).map(|()| c))
            } else {
                config
            };
            Ok(config.map(|c| (c.beta(), c.offset_std())))
        })
    }

    fn apply_body<R: Source>(
        &mut self,
        input: &mut Body<'_, R>,
        _version: u16,
    ) -> Result<Result<(), Error>, R::Error> {
        let seed = input.u64()?;
        let steps = input.u64()?;
        let config = match F::Config::read(input)? {
            Ok(c) => c,
            Err(_) => return Ok(Err(PersistError::Changed.into())),
        };
        let _hash = input.u64()?;
        let beta = config.beta();
        let mut values = Values::new(input);
        self.restore(seed, config, steps, &mut || values.next_in(-beta, beta));
        values.finish()
    }

    fn blank() -> Self {
        let config = F::Config::FALLBACK;
        let mut rng = SplitMix64::new(0);
        Self::assemble(
            0,
            config,
            S::Gates::draw(&mut rng, config.offset_std()),
            S::fresh(&config),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, LearningRate, Schedule, StepScale};
    use crate::gaussian::{GaussianConfig, GaussianGln2, GaussianInput};
    use crate::persist::format::{crc32, kind, le_u16, le_u32};
    use crate::persist::{Persist, Record};
    use crate::standardize::Standardizer;
    use crate::{Gln1, Gln2, Gln3};

    #[test]
    fn saved_sizes_follow_the_layout() {
        type M = Gln3<4, 4, 8, 4, 3, 8, 2>;
        assert_eq!(<M as Persist>::SAVED_BYTES, 132 + 4 * M::WEIGHTS);
        assert_eq!(<Standardizer<5> as Persist>::SAVED_BYTES, 80 + 8 * 5);
        assert_eq!(
            <(M, Standardizer<5>) as Persist>::SAVED_BYTES,
            132 + 4 * M::WEIGHTS + 120
        );
        assert_eq!(<M as Record>::SHAPE, [3, 4, 4, 3, 8, 2, 8, 4, 1, 0, 0, 0]);
        assert_eq!(
            <Gln1<2, 3, 1, 2> as Record>::SHAPE,
            [1, 2, 3, 1, 2, 1, 1, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn header_and_body_are_where_the_docs_say() {
        type M = Gln2<3, 3, 4, 2, 4>;
        let config = Config::DEFAULT.with_learning_rate(LearningRate {
            schedule: Schedule::Hyperbolic {
                a: 1.0,
                b: 0.5,
                max: 0.25,
            },
            floor: 0.001,
            scale: StepScale::HiddenFanIn { reference: 8.0 },
        });
        let mut m = M::new(0x0123_4567_89AB_CDEF, config);
        let z = [0.5f32, -1.0, 2.0];
        m.learn(&crate::Input::from_side(&z).unwrap(), true);
        let mut b = [0u8; M::SAVED_BYTES];
        assert_eq!(m.save(&mut b), Ok(M::SAVED_BYTES));
        assert_eq!(&b[0..4], b"GLNm");
        assert_eq!(le_u16(&b, 4), 1);
        assert_eq!(le_u16(&b, 6), kind::BERNOULLI_GLN);
        assert_eq!(le_u32(&b, 8) as usize, M::SAVED_BYTES);
        assert_eq!(le_u32(&b, 12), 0);
        let shape: std::vec::Vec<u32> = (0..12).map(|i| le_u32(&b, 16 + 4 * i)).collect();
        assert_eq!(shape, [2, 3, 3, 2, 4, 1, 4, 1, 0, 0, 0, 0]);
        assert_eq!(&b[64..72], &0x0123_4567_89AB_CDEFu64.to_le_bytes());
        assert_eq!(&b[72..80], &1u64.to_le_bytes());
        let f = |at: usize| f32::from_bits(le_u32(&b, at));
        assert_eq!((f(80), f(84)), (0.01, 5.0));
        assert_eq!(le_u32(&b, 88), 2);
        assert_eq!((f(92), f(96), f(100)), (1.0, 0.5, 0.25));
        assert_eq!((f(104), f(108)), (0.001, 8.0));
        assert_eq!(le_u32(&b, 112), 1);
        assert_eq!(f(116), 0.05);
        let mut h = Fnv1a::new();
        m.for_each_plane_value(&mut |v| h.write_f32(v));
        assert_eq!(&b[120..128], &h.finish().to_le_bytes());
        let mut weights = std::vec::Vec::new();
        m.for_each_weight(|w| weights.push(w.to_bits()));
        let stored: std::vec::Vec<u32> = (0..M::WEIGHTS).map(|i| le_u32(&b, 128 + 4 * i)).collect();
        assert_eq!(stored, weights);
        let n = M::SAVED_BYTES;
        assert_eq!(le_u32(&b, n - 4), crc32(&b[..n - 4]));
    }

    #[test]
    fn a_gaussian_header_and_body_are_where_the_docs_say() {
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
