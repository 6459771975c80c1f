//! A validated sample: side information and base inputs, checked once, used by every head.

use crate::error::{Error, check_finite};
use crate::math::logit;

/// One sample for a network with side-information size `D` and base-input size `B`.
///
/// Building an `Input` is where bad data is caught: NaN or infinite side information, base
/// probabilities outside `[0, 1]`, slices of the wrong length. A network's `predict` and
/// `learn` then cannot fail on it, and nothing reaches a weight unchecked. Subnormal and
/// huge-but-finite values (up to `f32::MAX`) are valid: the networks are built to take them
/// (see `tests/hostile.rs`).
///
/// The base inputs are kept as logits. Each network clips them to `±logit(1 - eps)` (input
/// clipping) before use, so a base probability of exactly 0 or 1 (an infinite logit) is
/// valid and simply clipped.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Input<'a, const D: usize, const B: usize> {
    side: &'a [f32; D],
    base: [f32; B],
}

impl<'a, const D: usize, const B: usize> Input<'a, D, B> {
    /// Side information `side` and base probabilities `base` (each in `[0, 1]`).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite side value; [`Error::NotAProbability`] for a
    /// base value outside `[0, 1]` or NaN.
    pub fn new(side: &'a [f32; D], base: &[f32; B]) -> Result<Self, Error> {
        check_finite(side)?;
        if let Some(index) = base.iter().position(|p| !(*p >= 0.0 && *p <= 1.0)) {
            return Err(Error::NotAProbability { index });
        }
        Ok(Self {
            side,
            base: base.map(logit),
        })
    }

    /// Side information `side` and base inputs given directly as logits (`±∞` allowed: it is
    /// clipped like any other input).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite side value, or a NaN base logit.
    pub fn from_logits(side: &'a [f32; D], base_logits: &[f32; B]) -> Result<Self, Error> {
        check_finite(side)?;
        if let Some(index) = base_logits.iter().position(|v| v.is_nan()) {
            return Err(Error::NonFinite { index });
        }
        Ok(Self {
            side,
            base: *base_logits,
        })
    }

    /// [`Input::new`] from slices.
    ///
    /// # Errors
    /// [`Error::WrongLength`] if `side.len() != D` or `base.len() != B`, else as
    /// [`Input::new`].
    pub fn from_slices(side: &'a [f32], base: &[f32]) -> Result<Self, Error> {
        let side: &[f32; D] = side.try_into().map_err(|_| Error::WrongLength {
            expected: D,
            found: side.len(),
        })?;
        let base: &[f32; B] = base.try_into().map_err(|_| Error::WrongLength {
            expected: B,
            found: base.len(),
        })?;
        Self::new(side, base)
    }

    /// The side information.
    pub fn side(&self) -> &'a [f32; D] {
        self.side
    }

    /// The base inputs as (unclipped) logits.
    pub fn base_logits(&self) -> &[f32; B] {
        &self.base
    }
}

impl<'a, const D: usize> Input<'a, D, D> {
    /// The usual GLN input: side information `z` (standardised features) and base
    /// probabilities `sigmoid(z)`.
    ///
    /// The base logit of `sigmoid(z)` is `z` itself, so it is taken as `z` exactly (no
    /// `exp`/`ln` round trip, no rounding).
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite value.
    pub fn from_side(z: &'a [f32; D]) -> Result<Self, Error> {
        check_finite(z)?;
        Ok(Self { side: z, base: *z })
    }

    /// [`Input::from_side`] from a slice.
    ///
    /// # Errors
    /// [`Error::WrongLength`] if `z.len() != D`, else as [`Input::from_side`].
    pub fn from_side_slice(z: &'a [f32]) -> Result<Self, Error> {
        let z: &[f32; D] = z.try_into().map_err(|_| Error::WrongLength {
            expected: D,
            found: z.len(),
        })?;
        Self::from_side(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_values_with_their_position() {
        let z = [0.0, f32::NAN, 1.0];
        assert_eq!(
            Input::<3, 3>::from_side(&z),
            Err(Error::NonFinite { index: 1 })
        );
        let z = [0.0, 1.0, f32::NEG_INFINITY];
        assert_eq!(
            Input::<3, 3>::from_side(&z),
            Err(Error::NonFinite { index: 2 })
        );
        let ok = [0.0f32; 2];
        assert_eq!(
            Input::new(&ok, &[0.5, 1.5]),
            Err(Error::NotAProbability { index: 1 })
        );
        assert_eq!(
            Input::new(&ok, &[-0.1, 0.5]),
            Err(Error::NotAProbability { index: 0 })
        );
        assert_eq!(
            Input::new(&ok, &[0.5, f32::NAN]),
            Err(Error::NotAProbability { index: 1 })
        );
        assert_eq!(
            Input::from_logits(&ok, &[f32::NAN, 0.0]),
            Err(Error::NonFinite { index: 0 })
        );
    }

    #[test]
    fn wrong_lengths_are_reported() {
        let e = Input::<3, 2>::from_slices(&[0.0; 4], &[0.5; 2]);
        assert_eq!(
            e,
            Err(Error::WrongLength {
                expected: 3,
                found: 4
            })
        );
        let e = Input::<3, 2>::from_slices(&[0.0; 3], &[0.5; 1]);
        assert_eq!(
            e,
            Err(Error::WrongLength {
                expected: 2,
                found: 1
            })
        );
        let e = Input::<3, 3>::from_side_slice(&[0.0; 2]);
        assert_eq!(
            e,
            Err(Error::WrongLength {
                expected: 3,
                found: 2
            })
        );
        assert!(Input::<3, 2>::from_slices(&[0.0; 3], &[0.5; 2]).is_ok());
    }

    #[test]
    fn base_logits() {
        let z = [0.25f32, -3.0];
        let x = Input::from_side(&z).unwrap();
        assert_eq!(x.base_logits(), &z);
        let x = Input::new(&z, &[0.5, 1.0]).unwrap();
        assert_eq!(x.base_logits()[0], 0.0);
        assert_eq!(x.base_logits()[1], f32::INFINITY);
        let x = Input::from_logits(&z, &[f32::NEG_INFINITY, 2.0]).unwrap();
        assert_eq!(x.base_logits(), &[f32::NEG_INFINITY, 2.0]);
        assert_eq!(x.side(), &z);
    }
}
