//! Halfspace gating on integer side information: the same hyperplanes as the `f32` gating
//! (drawn from the same generator in the same order), stored in fixed point.

use super::fixed::{PLANE_SHIFT, SIDE_SHIFT, dot_i16, round_sat};
use crate::net::GateStack;
use crate::net::gates::draw_plane;
use crate::rng::SplitMix64;

/// Largest offset magnitude in Q14 (`2^24 − 1`: every offset is exact as an `f32`, for the
/// fingerprint); an offset beyond ±1024 standard deviations of `z` is saturated there.
const OFFSET_LIM: i32 = (1 << 24) - 1;

/// The hyperplanes of one layer of `W` neurons, `K` per neuron, over `D` side values.
///
/// Bit `i` of a neuron's context is `[v_i · z > b_i]` (strict), with `z` in Q10, `v_i` in
/// Q14 (the unit vector drawn by the `f32` gating, rounded) and `b_i` in Q14: the dot
/// product is exact in `i64` (Q24) and compared with `b_i · 2^10`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QGates<const D: usize, const W: usize, const K: usize> {
    planes: [[[i16; D]; K]; W],
    offsets: [[i32; K]; W],
}

/// One drawn hyperplane in fixed point.
// Compile-time construction too: indexes bounded by the `while` condition.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn quantize_plane<const D: usize>(rng: &mut SplitMix64, offset_std: f32) -> ([i16; D], i32) {
    let (v, b) = draw_plane::<D>(rng, offset_std);
    let scale = (1u32 << PLANE_SHIFT) as f32;
    let mut q = [0i16; D];
    let mut j = 0;
    while j < D {
        q[j] = round_sat(v[j] * scale, 1 << PLANE_SHIFT) as i16;
        j += 1;
    }
    (q, round_sat(b * scale, OFFSET_LIM))
}

impl<const D: usize, const W: usize, const K: usize> QGates<D, W, K> {
    /// Draws the hyperplanes neuron by neuron, hyperplane by hyperplane, as the `f32`
    /// gating does, and rounds them to fixed point.
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    pub(crate) const fn new(rng: &mut SplitMix64, offset_std: f32) -> Self {
        let mut g = Self {
            planes: [[[0; D]; K]; W],
            offsets: [[0; K]; W],
        };
        let mut n = 0;
        while n < W {
            let mut i = 0;
            while i < K {
                let (v, b) = quantize_plane::<D>(rng, offset_std);
                g.planes[n][i] = v;
                g.offsets[n][i] = b;
                i += 1;
            }
            n += 1;
        }
        g
    }

    /// The context index of each neuron for side information `z` (Q10).
    #[inline(always)]
    pub(crate) fn contexts(&self, z: &[i16; D]) -> [usize; W] {
        let mut ctx = [0usize; W];
        for (c, (planes, offsets)) in ctx.iter_mut().zip(self.planes.iter().zip(&self.offsets)) {
            for (i, (v, &b)) in planes.iter().zip(offsets).enumerate() {
                // |b| < 2^24, so b · 2^10 < 2^34: no overflow.
                let above = dot_i16(v, z) > i64::from(b).wrapping_shl(SIDE_SHIFT);
                *c |= usize::from(above) << (i & 31);
            }
        }
        ctx
    }

    /// Visits every component (neuron, hyperplane, component), then every offset, as the
    /// real values they stand for (exact in `f32`).
    fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        let unit = 1.0 / (1u32 << PLANE_SHIFT) as f32;
        for v in self.planes.as_flattened().as_flattened() {
            f(f32::from(*v) * unit);
        }
        for b in self.offsets.as_flattened() {
            f(*b as f32 * unit);
        }
    }

    /// Visits the hyperplanes in drawing order: components then offset, one by one.
    fn for_each_value_by_plane(&self, f: &mut impl FnMut(f32)) {
        let unit = 1.0 / (1u32 << PLANE_SHIFT) as f32;
        for (planes, offsets) in self.planes.iter().zip(&self.offsets) {
            for (v, b) in planes.iter().zip(offsets) {
                v.iter().for_each(|x| f(f32::from(*x) * unit));
                f(*b as f32 * unit);
            }
        }
    }

    /// Redraws every hyperplane in place, bit for bit as [`QGates::new`].
    fn redraw(&mut self, rng: &mut SplitMix64, offset_std: f32) {
        for (planes, offsets) in self.planes.iter_mut().zip(self.offsets.iter_mut()) {
            for (v, b) in planes.iter_mut().zip(offsets.iter_mut()) {
                (*v, *b) = quantize_plane::<D>(rng, offset_std);
            }
        }
    }
}

/// Visits `planes` hyperplanes over `D` inputs drawn from `rng` as [`QGates`] stores them
/// (the real values of the rounded components, then the offset), one at a time.
pub(crate) fn for_each_drawn_value<const D: usize>(
    rng: &mut SplitMix64,
    planes: usize,
    offset_std: f32,
    f: &mut impl FnMut(f32),
) {
    let unit = 1.0 / (1u32 << PLANE_SHIFT) as f32;
    for _ in 0..planes {
        let (v, b) = quantize_plane::<D>(rng, offset_std);
        v.iter().for_each(|x| f(f32::from(*x) * unit));
        f(b as f32 * unit);
    }
}

/// The integer gating of a network: one [`QGates`] per layer, first layer outermost, ending
/// in [`GEnd`](crate::net::GEnd).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QGCons<const D: usize, const W: usize, const K: usize, R>(
    pub(crate) QGates<D, W, K>,
    pub(crate) R,
);

impl<const D: usize, const W: usize, const K: usize, R: GateStack<D, i16>> GateStack<D, i16>
    for QGCons<D, W, K, R>
{
    type Ctx = ([usize; W], R::Ctx);

    #[inline(always)]
    fn contexts(&self, z: &[i16; D]) -> Self::Ctx {
        (self.0.contexts(z), self.1.contexts(z))
    }

    fn for_each_value(&self, f: &mut impl FnMut(f32)) {
        self.0.for_each_value(&mut *f);
        self.1.for_each_value(f);
    }

    fn for_each_value_by_plane(&self, f: &mut impl FnMut(f32)) {
        self.0.for_each_value_by_plane(f);
        self.1.for_each_value_by_plane(f);
    }

    fn redraw(&mut self, rng: &mut SplitMix64, offset_std: f32) {
        self.0.redraw(rng, offset_std);
        self.1.redraw(rng, offset_std);
    }

    fn draw(rng: &mut SplitMix64, offset_std: f32) -> Self {
        Self(QGates::new(rng, offset_std), R::draw(rng, offset_std))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::gates::Gates;

    #[test]
    fn the_same_hyperplanes_as_the_f32_gating_rounded() {
        let q = QGates::<5, 3, 2>::new(&mut SplitMix64::new(9), 0.3);
        let f = Gates::<5, 3, 2>::new(&mut SplitMix64::new(9), 0.3);
        let (mut a, mut b) = (std::vec::Vec::new(), std::vec::Vec::new());
        q.for_each_value_by_plane(&mut |v| a.push(v));
        f.for_each_value_by_plane(&mut |v| b.push(v));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() <= 0.5 / 16384.0, "{x} vs {y}");
        }
        let mut r = q;
        r.redraw(&mut SplitMix64::new(9), 0.3);
        assert_eq!(r, q);
    }

    #[test]
    fn contexts_follow_the_formula() {
        let g = QGates::<4, 6, 3>::new(&mut SplitMix64::new(2), 0.2);
        let mut rng = SplitMix64::new(5);
        for _ in 0..200 {
            let z: [i16; 4] = core::array::from_fn(|_| (rng.next_u64() as i16) / 8);
            let ctx = g.contexts(&z);
            for n in 0..6 {
                let mut want = 0;
                for i in 0..3 {
                    let dot: i64 = (0..4).map(|j| g.planes[n][i][j] as i64 * z[j] as i64).sum();
                    if dot > (g.offsets[n][i] as i64) << 10 {
                        want |= 1 << i;
                    }
                }
                assert_eq!(ctx[n], want);
            }
        }
        // On the hyperplane (offset 0, z = 0): the zero side.
        let g = QGates::<4, 2, 2>::new(&mut SplitMix64::new(5), 0.0);
        assert_eq!(g.contexts(&[0; 4]), [0, 0]);
    }
}
