//! A sample for the integer GLN: side information and base logits in fixed point.

use super::fixed::{LOGIT_SHIFT, SIDE_SHIFT, stretch, to_fixed};
use crate::input::Input;

/// One sample for an integer GLN with side-information size `D` and base-input size `B`:
/// side information in Q10 (`z · 1024`, so ±32) and base inputs as logits in Q12 (`· 4096`,
/// clipped by every network to `±logit(1 − eps)`).
///
/// Every `i16` is a valid value, so building one from integers cannot fail; from `f32`
/// (an [`Input`]), values are rounded to the nearest step and saturated to the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct QInput<const D: usize, const B: usize> {
    side: [i16; D],
    base: [i16; B],
}

/// A Q10 side value as a Q12 logit, saturated.
fn side_to_logit(z: i16) -> i16 {
    const UP: u32 = LOGIT_SHIFT - SIDE_SHIFT;
    (i32::from(z) << UP).clamp(-32767, 32767) as i16
}

impl<const D: usize, const B: usize> QInput<D, B> {
    /// Side information `side` (Q10) and base probabilities `base` (Q16, `p · 65536`),
    /// stretched to logits by the 2048-entry table (see [`fixed`](crate::quant::fixed)).
    pub fn new(side: &[i16; D], base: &[u16; B]) -> Self {
        Self {
            side: *side,
            base: base.map(stretch),
        }
    }

    /// Side information `side` (Q10) and base inputs given as logits (Q12).
    pub const fn from_logits(side: &[i16; D], base_logits: &[i16; B]) -> Self {
        Self {
            side: *side,
            base: *base_logits,
        }
    }

    /// A checked `f32` sample in fixed point: every side value rounded to Q10 and every
    /// base logit to Q12, saturated (an infinite base logit becomes the largest one).
    pub fn from_input(x: &Input<'_, D, B>) -> Self {
        let mut q = Self {
            side: [0; D],
            base: [0; B],
        };
        for (s, v) in q.side.iter_mut().zip(x.side()) {
            *s = to_fixed(*v, SIDE_SHIFT);
        }
        for (b, v) in q.base.iter_mut().zip(x.base_logits()) {
            *b = to_fixed(*v, LOGIT_SHIFT);
        }
        q
    }

    /// The side information (Q10).
    pub fn side(&self) -> &[i16; D] {
        &self.side
    }

    /// The base inputs as unclipped logits (Q12).
    pub fn base_logits(&self) -> &[i16; B] {
        &self.base
    }
}

impl<const D: usize> QInput<D, D> {
    /// The usual GLN input: side information `z` (Q10) and base probabilities `σ(z)`,
    /// whose logits are `z` itself (in Q12, saturated).
    pub fn from_side(z: &[i16; D]) -> Self {
        Self {
            side: *z,
            base: z.map(side_to_logit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let z = [1.0f32, -0.5, 40.0];
        let x = Input::from_side(&z).unwrap();
        let q = QInput::from_input(&x);
        assert_eq!(q.side(), &[1024, -512, 32767]);
        assert_eq!(q.base_logits(), &[4096, -2048, 32767]);
        let q = QInput::from_side(&[1024i16, -512, 32767]);
        assert_eq!(q.base_logits(), &[4096, -2048, 32767]);
        let x = Input::new(&[0.0f32; 2], &[0.0, 1.0]).unwrap();
        assert_eq!(QInput::from_input(&x).base_logits(), &[-32767, 32767]);
        let q = QInput::<1, 2>::new(&[0], &[32768, 0]);
        assert_eq!(q.base_logits()[1], -32767);
        assert!(q.base_logits()[0].abs() <= 2);
    }
}
